#include "mysql_probe.hpp"

#include <mysql.h>

#include <charconv>
#include <stdexcept>

#include <tor/core/error.hpp>

namespace tor_service {

void mysql_probe::closer::operator()(st_mysql* m) const noexcept { mysql_close(m); }

mysql_probe::mysql_probe(const config::mysql_settings& s) : settings_(s) {}
mysql_probe::~mysql_probe() = default;

void mysql_probe::connect() {
  std::unique_ptr<st_mysql, closer> c(mysql_init(nullptr));
  if (!c) throw tor::error(tor::error_kind::transient, "mysql_init: out of memory");
  const unsigned connect_timeout = static_cast<unsigned>(std::max<long long>(1, settings_.connect_timeout.count() / 1000));
  const unsigned rw_timeout = 10;
  mysql_optionsv(c.get(), MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_optionsv(c.get(), MYSQL_OPT_READ_TIMEOUT, &rw_timeout);
  mysql_optionsv(c.get(), MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout);
  const bool unix_socket = !settings_.socket.empty();
  if (!mysql_real_connect(c.get(), unix_socket ? "localhost" : settings_.host.c_str(), settings_.user.c_str(),
                          settings_.password.value.c_str(), nullptr, settings_.port,
                          unix_socket ? settings_.socket.c_str() : nullptr, 0)) {
    const auto code = mysql_errno(c.get());
    // 1045 access denied, 1044/1227 privileges: configuration, not an outage.
    const auto kind = code == 1045 || code == 1044 || code == 1227 ? tor::error_kind::source : tor::error_kind::transient;
    throw tor::error(kind, "cannot connect to MySQL at " + settings_.host + ":" + std::to_string(settings_.port) +
                               " as " + settings_.user + ": " + mysql_error(c.get()));
  }
  conn_ = std::move(c);
}

std::vector<std::vector<std::string>> mysql_probe::query(const std::string& sql) {
  for (int attempt = 0;; ++attempt) {
    if (!conn_) connect();
    if (mysql_real_query(conn_.get(), sql.data(), sql.size()) == 0) break;
    const auto code = mysql_errno(conn_.get());
    const std::string what = mysql_error(conn_.get());
    conn_.reset();
    const bool lost = code == 2006 || code == 2013;
    if (!lost || attempt > 0)
      throw tor::error(lost ? tor::error_kind::transient : tor::error_kind::source,
                       "MySQL query \"" + sql + "\" failed: " + what);
  }
  std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> res(mysql_store_result(conn_.get()), mysql_free_result);
  std::vector<std::vector<std::string>> rows;
  if (!res) return rows;
  const auto n = mysql_num_fields(res.get());
  while (MYSQL_ROW row = mysql_fetch_row(res.get())) {
    const auto* lengths = mysql_fetch_lengths(res.get());
    auto& r = rows.emplace_back();
    for (unsigned i = 0; i < n; ++i) r.emplace_back(row[i] ? std::string(row[i], lengths[i]) : std::string());
  }
  return rows;
}

std::vector<std::pair<std::string, std::uint64_t>> mysql_probe::binary_logs() {
  std::vector<std::pair<std::string, std::uint64_t>> files;
  for (const auto& row : query("SHOW BINARY LOGS")) {
    if (row.size() < 2) continue;
    std::uint64_t size = 0;
    std::from_chars(row[1].data(), row[1].data() + row[1].size(), size);
    files.emplace_back(row[0], size);
  }
  return files;
}

}  // namespace tor_service

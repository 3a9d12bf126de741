#include "mapper.hpp"

#include <tor/mappers/re2_patterns.hpp>

namespace tor_service {

tor::outbox_config outbox_config_from(const config::outbox_settings& s, std::function<void(const std::string&)> warn) {
  tor::outbox_config c = s;
  c.tables.clear();
  c.patterns = tor::re2_patterns();
  c.warn = std::move(warn);
  return c;
}

service_mapper::service_mapper(const config::outbox_settings& s, std::function<void(const std::string&)> warn)
    : base_(outbox_config_from(s, std::move(warn))) {
  for (const auto& t : s.tables) {
    if (t.rfind("*.", 0) == 0) any_schema_.insert(t.substr(2));
    else exact_tables_.insert(t);
  }
  if (!exact_tables_.empty()) {
    auto c = base_;
    c.tables.assign(exact_tables_.begin(), exact_tables_.end());
    exact_ = std::make_unique<tor::outbox_mapper>(std::move(c));  // validates routes and names
  } else {
    auto c = base_;
    c.tables = {"check.routes"};
    (void)tor::outbox_mapper(std::move(c));  // validate the routes now, not at the first row
  }
}

tor::outbox_mapper* service_mapper::mapper_for(const tor::table_info& t) {
  if (exact_ && exact_tables_.count(t.qualified_name())) return exact_.get();
  if (!any_schema_.count(t.table)) return nullptr;
  const auto name = t.qualified_name();
  auto it = per_table_.find(name);
  if (it == per_table_.end()) {
    auto c = base_;
    c.tables = {name};
    it = per_table_.emplace(name, std::make_unique<tor::outbox_mapper>(std::move(c))).first;
  }
  return it->second.get();
}

tor::outbox_mapper* service_mapper::mapper_of(const tor::row_change& row) {
  if (!row.table) return nullptr;
  // Rows come in runs of the same table; skip the lookups for a repeat.
  if (row.table != last_table_) {
    last_table_ = row.table;
    last_ = mapper_for(*row.table);
  }
  return last_;
}

void service_mapper::map(const tor::row_change& row, const tor::transaction_info& tx, std::vector<tor::message>& out) {
  if (auto* m = mapper_of(row)) m->map(row, tx, out);
}

void service_mapper::map(tor::row_change&& row, const tor::transaction_info& tx, std::vector<tor::message>& out) {
  if (auto* m = mapper_of(row)) m->map(std::move(row), tx, out);
}

std::set<std::string> service_mapper::static_topics() const {
  std::set<std::string> t;
  for (const auto& r : base_.routes) t.insert(r.topic);
  return t;
}

}  // namespace tor_service

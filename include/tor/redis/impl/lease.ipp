// Definitions for tor/redis/lease.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <tor/redis/lease.hpp>

namespace tor::redis {

TOR_DECL lease::lease(lease_config config) : config_(std::move(config)) {
  config_.validate();
  if (config_.key.empty()) config_.key = config_.server.key + ":lease";
  if (config_.server.holder.empty()) config_.server.holder = tor::detail::process_identity();
  term_key_ = config_.key + ":term";
  std::random_device rd;
  const auto nonce = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(nonce));
  token_ = config_.server.holder + "#" + hex;
  timeout_ = std::min(config_.server.timeout, std::max(config_.ttl / 3, std::chrono::milliseconds(1)));
}

TOR_DECL std::optional<lease_grant> lease::acquire() {
  std::optional<lease_grant> grant;
  run("take the lease", [&](detail::connection& conn) {
    auto r = eval(conn, acquire_sha_, detail::lease_acquire_script, {config_.key, term_key_},
                  {token_, std::to_string(config_.ttl.count())});
    check(*r, "take the lease");
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 || r->element[0]->type != REDIS_REPLY_INTEGER ||
        r->element[1]->type != REDIS_REPLY_INTEGER || r->element[2]->type != REDIS_REPLY_STRING)
      throw unexpected(*r, "the lease script");
    current_holder_ = std::string(detail::text_of(*r->element[2]));
    if (r->element[0]->integer != 1) return;
    grant = lease_grant{static_cast<std::uint64_t>(r->element[1]->integer), current_holder_};
    current_holder_ = token_;
  });
  return grant;
}

TOR_DECL bool lease::renew() {
  bool held = false;
  run("renew the lease", [&](detail::connection& conn) {
    auto r = eval(conn, renew_sha_, detail::lease_renew_script, {config_.key},
                  {token_, std::to_string(config_.ttl.count())});
    check(*r, "renew the lease");
    if (r->type != REDIS_REPLY_INTEGER) throw unexpected(*r, "the lease renewal script");
    held = r->integer == 1;
  });
  return held;
}

TOR_DECL void lease::release() {
  run("give up the lease", [&](detail::connection& conn) {
    auto r = eval(conn, release_sha_, detail::lease_release_script, {config_.key}, {token_});
    check(*r, "give up the lease");
  });
}

TOR_DECL std::string lease::where() const {
  return "Redis key '" + config_.key + "' at " + config_.server.endpoint();
}

TOR_DECL detail::connection& lease::connect(const char* action) {
  if (conn_) return *conn_;
  const auto& c = config_.server;
  try {
    auto conn = std::make_unique<detail::connection>(c.host, c.port, c.unix_socket,
                                                     std::min(c.timeout, timeout_), timeout_, c.tls);
    if (!c.password.empty()) {
      auto r = c.username.empty() ? conn->command({"AUTH", c.password})
                                  : conn->command({"AUTH", c.username, c.password});
      if (r->type == REDIS_REPLY_ERROR) check(*r, "authenticate (AUTH)");
    }
    if (c.database != 0) {
      auto r = conn->command({"SELECT", std::to_string(c.database)});
      check(*r, "select database " + std::to_string(c.database));
    }
    conn_ = std::move(conn);
    acquire_sha_.clear();
    renew_sha_.clear();
    release_sha_.clear();
    return *conn_;
  } catch (const detail::io_failure& f) {
    throw error(f.rejected ? error_kind::state : error_kind::transient,
                "cannot " + std::string(action) + " in " + where() + ": cannot connect (" + std::string(f.what()) + ")");
  }
}

TOR_DECL detail::reply_ptr lease::eval(detail::connection& conn, std::string& sha, std::string_view script,
                       std::initializer_list<std::string_view> keys, std::initializer_list<std::string_view> args) {
  return detail::eval_script(conn, sha, script, keys, args, [&](const redisReply& loaded) {
    check(loaded, "load a Lua script (SCRIPT LOAD)");
    throw unexpected(loaded, "SCRIPT LOAD");
  });
}

TOR_DECL void lease::check(const redisReply& r, const std::string& action) const {
  if (r.type != REDIS_REPLY_ERROR) return;
  const auto code = detail::error_code(r);
  const std::string head = "cannot " + action + " in " + where() + ": Redis answered \"" +
                           std::string(detail::text_of(r).substr(0, 300)) + "\"";
  for (const std::string_view passing : {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY"})
    if (code == passing) throw error(error_kind::transient, head + " (the server is loading or failing over)");
  if (code == "TORBADLEASE")
    throw error(error_kind::state, head + ". Another program wrote these keys: stop every Tor using them, delete '" +
                                       config_.key + "' and '" + term_key_ + "', and start again");
  if (code == "NOPERM")
    throw error(error_kind::state, head + ". Grant the Redis user access to keys '" + config_.key + "' and '" +
                                       term_key_ + "' (see docs/state-stores.md)");
  throw error(error_kind::state, head);
}

TOR_DECL error lease::unexpected(const redisReply& r, const std::string& what) const {
  return error(error_kind::state, "unexpected answer from " + where() + " to " + what + ": " +
                                      detail::type_name(r) + " (is this a Redis server?)");
}

}  // namespace tor::redis

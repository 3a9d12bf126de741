// tor::redis::lease: the hot-standby lease in Redis. It satisfies tor::lease.
//
// Two keys, next to the checkpoint's: `<checkpoint key>:lease`, a string
// holding the current holder's token, with a TTL (PX) — the lease itself;
// and `<checkpoint key>:lease:term`, a hash with the last `term` and
// `holder`, without a TTL, so terms only grow. Taking, renewing and giving up
// are Lua scripts (tor/redis/detail/lease_scripts.hpp), each one atomic
// step that compares the token before it changes anything: a holder whose
// lease expired can never extend or delete its successor's.
//
// The token is the holder name (default host:pid) plus a random suffix, so
// two processes that happen to share a name (pid 1 in two containers on one
// host name) are still two holders.
//
// Not thread-safe: one thread at a time (tor::wait_for_lease, then the
// tor::lease_keeper's thread).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <tor/core/error.hpp>
#include <tor/core/lease.hpp>
#include <tor/redis/detail/hiredis.hpp>
#include <tor/redis/detail/lease_scripts.hpp>
#include <tor/redis/state_store.hpp>
#include <tor/state/detail/identity.hpp>

namespace tor::redis {

class lease {
 public:
  explicit lease(lease_config config) : config_(std::move(config)) {
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

  std::optional<lease_grant> acquire() {
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

  bool renew() {
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

  void release() {
    run("give up the lease", [&](detail::connection& conn) {
      auto r = eval(conn, release_sha_, detail::lease_release_script, {config_.key}, {token_});
      check(*r, "give up the lease");
    });
  }

  [[nodiscard]] std::chrono::milliseconds ttl() const noexcept { return config_.ttl; }
  /// This instance's token: its holder name and a random suffix.
  [[nodiscard]] const std::string& token() const noexcept { return token_; }
  /// The holder seen by the last acquire(): this instance's token, another
  /// holder's, or empty.
  [[nodiscard]] const std::string& current_holder() const noexcept { return current_holder_; }
  /// "Redis key 'tor:checkpoint:lease' at 127.0.0.1:6379", as used in messages.
  [[nodiscard]] std::string where() const {
    return "Redis key '" + config_.key + "' at " + config_.server.endpoint();
  }

 private:
  // Runs `body` on a live connection; a broken connection is dropped and
  // reported as transient (the next call reconnects). A connection the
  // server closed since the last call (a restart) is retried once at once.
  template <class Body>
  void run(const char* action, Body&& body) {
    for (int attempt = 0;; ++attempt) {
      const bool fresh = !conn_;
      try {
        body(connect(action));
        return;
      } catch (const detail::io_failure& f) {
        conn_.reset();
        if (!fresh && f.broken_pipe && attempt == 0) continue;
        throw error(error_kind::transient,
                    "cannot " + std::string(action) + " in " + where() + ": " +
                        (f.timed_out ? "no answer within " + std::to_string(timeout_.count()) + " ms"
                                     : "the connection failed (" + std::string(f.what()) + ")"));
      }
    }
  }

  detail::connection& connect(const char* action) {
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

  // Runs one of the lease scripts (detail::eval_script), classifying a refused SCRIPT LOAD.
  detail::reply_ptr eval(detail::connection& conn, std::string& sha, std::string_view script,
                         std::initializer_list<std::string_view> keys, std::initializer_list<std::string_view> args) {
    return detail::eval_script(conn, sha, script, keys, args, [&](const redisReply& loaded) {
      check(loaded, "load a Lua script (SCRIPT LOAD)");
      throw unexpected(loaded, "SCRIPT LOAD");
    });
  }

  // An error reply: transient while the server is loading or failing over,
  // a clear configuration error otherwise.
  void check(const redisReply& r, const std::string& action) const {
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

  [[nodiscard]] error unexpected(const redisReply& r, const std::string& what) const {
    return error(error_kind::state, "unexpected answer from " + where() + " to " + what + ": " +
                                        detail::type_name(r) + " (is this a Redis server?)");
  }

  lease_config config_;
  std::string term_key_;
  std::string token_;
  std::string current_holder_;
  std::chrono::milliseconds timeout_{};
  std::unique_ptr<detail::connection> conn_;
  std::string acquire_sha_, renew_sha_, release_sha_;
};

static_assert(tor::lease<lease>);

}  // namespace tor::redis

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

#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>
#include <tor/core/lease.hpp>
#include <tor/redis/detail/hiredis.hpp>
#include <tor/redis/detail/lease_scripts.hpp>
#include <tor/redis/state_store.hpp>
#include <tor/state/detail/identity.hpp>

namespace tor::redis {

class lease {
 public:
  TOR_DECL explicit lease(lease_config config);

  TOR_DECL std::optional<lease_grant> acquire();

  TOR_DECL bool renew();

  TOR_DECL void release();

  [[nodiscard]] std::chrono::milliseconds ttl() const noexcept { return config_.ttl; }
  /// This instance's token: its holder name and a random suffix.
  [[nodiscard]] const std::string& token() const noexcept { return token_; }
  /// The holder seen by the last acquire(): this instance's token, another
  /// holder's, or empty.
  [[nodiscard]] const std::string& current_holder() const noexcept { return current_holder_; }
  /// "Redis key 'tor:checkpoint:lease' at 127.0.0.1:6379", as used in messages.
  [[nodiscard]] TOR_DECL std::string where() const;

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

  TOR_DECL detail::connection& connect(const char* action);

  // Runs one of the lease scripts (detail::eval_script), classifying a refused SCRIPT LOAD.
  TOR_DECL detail::reply_ptr eval(detail::connection& conn, std::string& sha, std::string_view script,
                         std::initializer_list<std::string_view> keys, std::initializer_list<std::string_view> args);

  // An error reply: transient while the server is loading or failing over,
  // a clear configuration error otherwise.
  TOR_DECL void check(const redisReply& r, const std::string& action) const;

  [[nodiscard]] TOR_DECL error unexpected(const redisReply& r, const std::string& what) const;

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

#ifdef TOR_HEADER_ONLY
#include <tor/redis/impl/lease.ipp>
#endif

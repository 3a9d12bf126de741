// tor::redis::state_store keeps the router's checkpoint in Redis, under one
// key, as the JSON document of tor/state/checkpoint_json.hpp (so `redis-cli
// GET <key>` shows it). It satisfies tor::state_store.
//
// Fencing: an instance claims an owner epoch when it first loads (or saves),
// and every save is a Lua script that refuses atomically once a newer
// instance has claimed the key; the refused save throws tor::error of kind
// `fenced` naming the new owner, and the router stops. Two instances started
// by mistake can therefore never move the checkpoint backwards or past each
// other. See tor/redis/detail/scripts.hpp and docs/state-stores.md.
//
// Failures: an unreachable, restarting or loading Redis gives kind
// `transient` (the router keeps publishing and retries; the connection is
// re-made on a later call, with exponential backoff); wrong credentials,
// missing permissions and bad stored data give kind `state` with what to
// do. `status()` tells how stale the saved checkpoint is.
//
// Not thread-safe: one router thread owns the store.
#pragma once

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tor/core/checkpoint.hpp>
#include <tor/state/checkpoint_json.hpp>
#include <tor/core/concepts.hpp>
#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>
#include <tor/redis/config.hpp>
#include <tor/redis/detail/hiredis.hpp>
#include <tor/redis/detail/scripts.hpp>
#include <tor/state/detail/identity.hpp>
#include <tor/state/status.hpp>

namespace tor::redis {

class state_store {
 public:
  /// Validates the configuration; connects lazily, on the first call.
  TOR_DECL explicit state_store(state_store_config config);

  /// The saved checkpoint, or nullopt when the key does not exist. The first
  /// call claims ownership (see claim()). Throws tor::error: `state` quoting
  /// the value when the key holds something that is not a checkpoint,
  /// `transient` when Redis cannot be reached.
  TOR_DECL std::optional<checkpoint> load();

  /// Like load(), with what the document records (who saved it, when, in which format).
  TOR_DECL std::optional<checkpoint_document> load_document();

  /// Reads the stored document without claiming ownership: for tools that
  /// inspect a running deployment and must not fence it off.
  std::optional<checkpoint_document> peek() { return read("read the checkpoint", false); }

  /// Makes this instance the owner of the key: increments the owner epoch,
  /// which fences off every instance that claimed before. Done once; later
  /// calls return the epoch already held.
  TOR_DECL std::uint64_t claim();

  /// Saves atomically, unless a newer owner has claimed the key. Throws
  /// tor::error: `fenced` (stop the router), `transient` (Redis unreachable,
  /// loading, or fewer replicas than wait_replicas acknowledged: the router
  /// keeps publishing and retries), `state` (credentials, permissions, a
  /// key of the wrong type).
  TOR_DECL void save(const checkpoint& c);

  /// The epoch this instance holds, once claimed.
  [[nodiscard]] std::optional<std::uint64_t> owner_epoch() const noexcept { return epoch_; }
  [[nodiscard]] const state_store_status& status() const noexcept { return status_; }
  [[nodiscard]] const state_store_config& config() const noexcept { return config_; }
  /// "Redis key 'tor:checkpoint' at 127.0.0.1:6379", as used in messages.
  [[nodiscard]] std::string where() const { return "Redis key '" + config_.key + "' at " + config_.endpoint(); }

 private:
  using steady = std::chrono::steady_clock;

  // ---- operations ---------------------------------------------------------

  // `decode`: a save that claims does not need the stored value, and must
  // not be blocked by one it is about to replace.
  TOR_DECL std::optional<checkpoint_document> claim_and_read(bool during_save = false, bool decode = true);

  TOR_DECL std::optional<checkpoint_document> read(const char* action, bool during_save);

  TOR_DECL void wait_for_replicas(detail::connection& conn);

  // Runs one of the scripts (detail::eval_script), classifying a refused SCRIPT LOAD.
  TOR_DECL detail::reply_ptr eval(detail::connection& conn, std::string& sha, std::string_view script,
                         std::initializer_list<std::string_view> keys, std::initializer_list<std::string_view> args);

  // ---- connection management ----------------------------------------------

  // Runs `body` on a live connection. A connection that breaks is dropped;
  // when it was an old connection the server closed meanwhile (e.g. Redis
  // restarted between saves), the call is retried once on a fresh one, so a
  // restart between saves costs no failed save. Failures are recorded in
  // status() and thrown as tor::error.
  template <class Body>
  void run(const char* action, bool during_save, Body&& body) {
    try {
      for (int attempt = 0;; ++attempt) {
        const bool fresh = !conn_;
        detail::connection& conn = connect(action);
        try {
          body(conn);
          return;
        } catch (const detail::io_failure& f) {
          drop();
          if (!fresh && f.broken_pipe && attempt == 0) continue;
          backoff_after_failure();
          throw error(error_kind::transient,
                      "cannot " + std::string(action) + " in " + where() + ": " +
                          (f.timed_out ? "no answer within timeout (" +
                                             std::to_string(config_.timeout.count()) + " ms)"
                                       : "the connection failed (" + std::string(f.what()) + ")") +
                          consequence(during_save));
        }
      }
    } catch (const error& e) {
      status_.record_failure(e.what(), during_save);
      throw;
    }
  }

  TOR_DECL detail::connection& connect(const char* action);

  void drop() noexcept { conn_.reset(); }

  TOR_DECL void backoff_after_failure();

  // ---- errors ---------------------------------------------------------------

  TOR_DECL static std::string consequence(bool during_save);

  // Classifies an error reply from the server.
  [[nodiscard]] TOR_DECL error reply_error(const redisReply& r, const std::string& action) const;

  [[nodiscard]] TOR_DECL error unexpected(const redisReply& r, const std::string& what) const;

  [[nodiscard]] TOR_DECL error wrong_type(std::string_view kind) const;

  // The message of the save script's TORFENCED reply: "<epoch> <holder> at <claimed_at>".
  [[nodiscard]] TOR_DECL error fenced(std::string_view message) const;

  state_store_config config_;
  std::string owner_key_;
  std::unique_ptr<detail::connection> conn_;
  std::string claim_sha_;
  std::string save_sha_;
  std::optional<std::uint64_t> epoch_;
  steady::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{0};
  std::string last_connect_error_;
  state_store_status status_;
};

static_assert(tor::state_store<state_store>);

}  // namespace tor::redis

#ifdef TOR_HEADER_ONLY
#include <tor/redis/impl/state_store.ipp>
#endif

// Helpers shared by the Redis tests of this directory (redis_support.cpp):
// the servers' environment, raw connections for setting up and inspecting
// what a store or a lease wrote, and a private redis-server a test may stop
// and restart. Compiled once, out of the test files.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <initializer_list>
#include <string>
#include <string_view>

#include <tor/core/checkpoint.hpp>
#include <tor/core/error.hpp>
#include <tor/redis/config.hpp>
#include <tor/redis/detail/hiredis.hpp>
#include <tor/redis/state_store.hpp>

namespace tor::redis_test {

/// The variable `name` of `scripts/servers.sh env`; fails the test when unset.
std::string env(const char* name);
int redis_port();
/// The private server's port: TOR_REDIS_SPARE_PORT, default TOR_REDIS_PORT + 10.
int spare_port();
/// A key no other test process uses.
std::string unique(const std::string& name);

// A raw connection for setting up and inspecting what a store or a lease wrote.
struct admin {
  tor::redis::detail::connection conn;
  /// To the shared server (TOR_REDIS_PORT).
  admin();
  explicit admin(int port, const std::string& socket = {});

  tor::redis::detail::reply_ptr raw(std::initializer_list<std::string_view> args);
  // The reply as text: strings, statuses and errors as they are, integers in decimal, nil as "(nil)".
  std::string operator()(std::initializer_list<std::string_view> args);

  // For the lease tests: a string or hash field as text, "" when it is not one.
  std::string get(const std::string& k);
  std::string hget(const std::string& k, const std::string& f);
  long long pttl(const std::string& k);
  /// Deletes the lease's keys for checkpoint key `k` (k, k:lease, k:lease:term).
  void del(const std::string& k);
};

/// The store tests' settings: a short reconnect backoff, a 1 s timeout unless given.
tor::redis::state_store_config config_for(const std::string& key, int port, std::chrono::milliseconds timeout);
tor::redis::state_store_config config_for(const std::string& key, int port);
tor::redis::state_store_config config_for(const std::string& key);
/// The lease tests' settings.
tor::redis::lease_config config_for(const std::string& key, const std::string& holder,
                                    std::chrono::milliseconds ttl);

checkpoint at(std::uint64_t offset);

/// Runs `f`, which must throw a tor::error of kind `expected`; its message.
std::string message_of(const std::function<void()>& f, error_kind expected);

bool contains(const std::string& s, const std::string& part);

// Reads the key straight from Redis, without claiming it: the router stays its owner.
struct direct_reader {
  tor::redis::state_store store;
  explicit direct_reader(const std::string& key);
  std::optional<checkpoint> operator()();
};

// A fresh, empty key pair for one test.
std::string fresh_key(admin& a, const std::string& name);

// A private redis-server (AOF on) this test may stop, start and pause
// without disturbing anyone else; stopped and removed at the end.
struct private_redis {
  std::string run_dir;
  int port = spare_port();
  private_redis();
  ~private_redis();
  private_redis(const private_redis&) = delete;
  private_redis& operator=(const private_redis&) = delete;
  void start();
  void stop();
};

}  // namespace tor::redis_test

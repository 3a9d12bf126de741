// Helpers shared by the Redis tests of this directory (see redis_support.hpp).
#include "redis_support.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include <stdlib.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace tor::redis_test {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v)
    FAIL(name << " is not set: run the Redis tests through scripts/test.sh, or eval \"$(scripts/servers.sh env)\" "
              "after scripts/servers.sh start redis");
  return v;
}

int redis_port() { return std::stoi(env("TOR_REDIS_PORT")); }

int spare_port() {
  if (const char* v = std::getenv("TOR_REDIS_SPARE_PORT"); v && *v) return std::stoi(v);
  return redis_port() + 10;
}

std::string unique(const std::string& name) { return "tor:test:" + name + ":" + std::to_string(::getpid()); }

admin::admin() : admin(redis_port()) {}

admin::admin(int port, const std::string& socket) : conn("127.0.0.1", port, socket, 2s, 5s) {}

tor::redis::detail::reply_ptr admin::raw(std::initializer_list<std::string_view> args) { return conn.command(args); }

std::string admin::operator()(std::initializer_list<std::string_view> args) {
  auto r = conn.command(args);
  switch (r->type) {
    case REDIS_REPLY_INTEGER: return std::to_string(r->integer);
    case REDIS_REPLY_NIL: return "(nil)";
    case REDIS_REPLY_ARRAY: return "(array of " + std::to_string(r->elements) + ")";
    default: return std::string(tor::redis::detail::text_of(*r));
  }
}

std::string admin::get(const std::string& k) {
  auto r = conn.command({"GET", k});
  return r->type == REDIS_REPLY_STRING ? std::string(tor::redis::detail::text_of(*r)) : std::string();
}

std::string admin::hget(const std::string& k, const std::string& f) {
  auto r = conn.command({"HGET", k, f});
  return r->type == REDIS_REPLY_STRING ? std::string(tor::redis::detail::text_of(*r)) : std::string();
}

long long admin::pttl(const std::string& k) { return conn.command({"PTTL", k})->integer; }

void admin::del(const std::string& k) { (void)conn.command({"DEL", k, k + ":lease", k + ":lease:term"}); }

tor::redis::state_store_config config_for(const std::string& key, int port, std::chrono::milliseconds timeout) {
  tor::redis::state_store_config c;
  c.port = port;
  c.key = key;
  c.timeout = timeout;
  c.reconnect_backoff_min = 20ms;
  c.reconnect_backoff_max = 200ms;
  return c;
}

tor::redis::state_store_config config_for(const std::string& key, int port) { return config_for(key, port, 1000ms); }

tor::redis::state_store_config config_for(const std::string& key) { return config_for(key, redis_port()); }

tor::redis::lease_config config_for(const std::string& key, const std::string& holder,
                                    std::chrono::milliseconds ttl) {
  tor::redis::lease_config c;
  c.server.port = redis_port();
  c.server.key = key;
  c.server.holder = holder;
  c.ttl = ttl;
  return c;
}

checkpoint at(std::uint64_t offset) {
  return {{"mysql-bin.000042", offset}, tor::gtid_set::parse("0-1-" + std::to_string(offset), tor::gtid_flavor::mariadb),
          "1"};
}

std::string message_of(const std::function<void()>& f, error_kind expected) {
  try {
    f();
  } catch (const error& e) {
    INFO(e.what());
    CHECK(e.kind() == expected);
    return e.what();
  }
  FAIL("no error thrown");
  return {};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

direct_reader::direct_reader(const std::string& key) : store(config_for(key, redis_port(), 2s)) {}

std::optional<checkpoint> direct_reader::operator()() {
  auto doc = store.peek();
  if (!doc) return std::nullopt;
  return doc->state;
}

std::string fresh_key(admin& a, const std::string& name) {
  const auto key = unique(name);
  a({"DEL", key, key + ":owner"});
  return key;
}

namespace {

int run_servers_sh(const std::string& run_dir, int port, const std::string& args) {
  const std::string cmd = "TOR_RUN_DIR='" + run_dir + "' TOR_REDIS_PORT=" + std::to_string(port) + " '" +
                          TOR_SOURCE_DIR + "/scripts/servers.sh' " + args + " >&2";
  return std::system(cmd.c_str());
}

}  // namespace

private_redis::private_redis() {
  std::string tmpl = env("TOR_RUN_DIR") + "/spare-redis.XXXXXX";
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  run_dir = tmpl;
  start();
}

private_redis::~private_redis() {
  (void)run_servers_sh(run_dir, port, "stop redis");
  std::error_code ec;
  fs::remove_all(run_dir, ec);
}

void private_redis::start() { REQUIRE(run_servers_sh(run_dir, port, "start redis") == 0); }

void private_redis::stop() { REQUIRE(run_servers_sh(run_dir, port, "stop redis") == 0); }

}  // namespace tor::redis_test

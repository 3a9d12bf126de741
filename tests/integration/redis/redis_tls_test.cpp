// tor::redis::state_store over TLS, against the Redis of
// scripts/tls-servers.sh (port 0, tls-port only, an ACL user): the state
// store laws hold over the TLS stream; a certificate that is not trusted,
// that names another host or that has expired is refused at connect time
// as a configuration error (error_kind::state, not retried as transient),
// naming the server and the reason; and with verification off the same
// expired certificate is accepted.
//
// Environment (from `scripts/tls-servers.sh env`): TOR_TLS_DIR,
// TOR_TLS_REDIS_PORT, TOR_TLS_REDIS_EXPIRED_PORT, TOR_TLS_REDIS_USER,
// TOR_TLS_REDIS_PASSWORD.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <memory>
#include <string>

#include <unistd.h>

#include <tor/redis/state_store.hpp>

#include "laws/state_store_laws.hpp"

using namespace std::chrono_literals;
using tor::error;
using tor::error_kind;
using tor::redis::state_store;
using tor::redis::state_store_config;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v)
    FAIL(name << " is not set: start scripts/tls-servers.sh and eval \"$(scripts/tls-servers.sh env)\" "
                 "(scripts/test.sh does both)");
  return v;
}

state_store_config tls_config(const std::string& key) {
  state_store_config c;
  c.host = "localhost";
  c.port = std::stoi(env("TOR_TLS_REDIS_PORT"));
  c.username = env("TOR_TLS_REDIS_USER");
  c.password = env("TOR_TLS_REDIS_PASSWORD");
  c.tls.enabled = true;
  c.tls.ca = env("TOR_TLS_DIR") + "/ca.pem";
  c.key = "tor:tls-test:" + key + ":" + std::to_string(::getpid());
  c.reconnect_backoff_min = 1ms;
  c.reconnect_backoff_max = 1ms;
  return c;
}

/// The error the first load() throws.
error load_error(const state_store_config& c) {
  state_store s(c);
  try {
    (void)s.load();
  } catch (const error& e) {
    return e;
  }
  FAIL("load() over " << c.endpoint() << " should have failed");
  return error(error_kind::state, "");
}

}  // namespace

TEST_CASE("the Redis state store keeps the state store laws over TLS") {
  auto c = tls_config("laws");
  tor::laws::check_state_store_laws([&] { return std::make_unique<state_store>(c); });
}

TEST_CASE("a Redis certificate from another CA is refused as a configuration error") {
  auto c = tls_config("wrong-ca");
  c.tls.ca = env("TOR_TLS_DIR") + "/other-ca.pem";
  const auto e = load_error(c);
  CHECK(e.kind() == error_kind::state);
  CHECK_THAT(e.what(), Catch::Contains("tls://localhost:" + env("TOR_TLS_REDIS_PORT")) &&
                           Catch::Contains("server certificate rejected") && Catch::Contains("other-ca.pem"));
}

TEST_CASE("a Redis certificate that does not name the host is refused") {
  auto c = tls_config("wrong-host");
  c.host = "127.0.0.1";  // the certificate names localhost only
  const auto e = load_error(c);
  CHECK(e.kind() == error_kind::state);
  CHECK_THAT(e.what(), Catch::Contains("does not name 127.0.0.1"));
}

TEST_CASE("an expired Redis certificate is refused, and accepted only with verification off") {
  auto c = tls_config("expired");
  c.port = std::stoi(env("TOR_TLS_REDIS_EXPIRED_PORT"));
  const auto e = load_error(c);
  CHECK(e.kind() == error_kind::state);
  CHECK_THAT(e.what(), Catch::Contains("certificate has expired"));

  c.tls.verify = false;
  state_store s(c);
  CHECK_FALSE(s.load().has_value());  // connected, authenticated, the key does not exist
}

TEST_CASE("plaintext to a TLS-only Redis port fails naming the server") {
  auto c = tls_config("plaintext");
  c.tls.enabled = false;
  const auto e = load_error(c);
  CHECK(e.kind() == error_kind::transient);  // hiredis sees the connection dropped: not told apart from an outage
  CHECK_THAT(e.what(), Catch::Contains("localhost:" + env("TOR_TLS_REDIS_PORT")));
}

// Settings of the Redis state store and of the hot-standby lease, each
// option with its default and one line of documentation (tor/core/options.hpp),
// so a program can read, print and document them without declaring them
// again. Plain values: no hiredis or OpenSSL header is needed.
#pragma once

#include <chrono>
#include <string>
#include <type_traits>

#include <tor/core/error.hpp>
#include <tor/core/options.hpp>

namespace tor::redis {

/// TLS to Redis (`tls-port`). Paths name PEM files.
struct tls_options {
  bool enabled = false;
  std::string ca;
  std::string cert;
  std::string key;
  bool verify = true;
};

constexpr auto options_of(std::type_identity<tls_options>) {
  using options::opt;
  using o = tls_options;
  return options::describe(
      opt("enabled", &o::enabled, "Connect with TLS (to the server's `tls-port`)."),
      opt("ca", &o::ca, "CA certificate file (PEM) the server's certificate must chain to; empty: the system's CAs."),
      opt("cert", &o::cert, "Client certificate file (PEM), for `tls-auth-clients yes`."),
      opt("key", &o::key, "Private key file (PEM) of `cert`."),
      opt("verify", &o::verify,
          "Verify the server's certificate and that it names `redis.host`; `false` only for tests."));
}

struct state_store_config {
  std::string host = "127.0.0.1";
  int port = 6379;
  int database = 0;
  std::string username;
  std::string password;
  tls_options tls;
  std::string key = "tor:checkpoint";  // the owner record lives at `<key>:owner`
  std::chrono::milliseconds timeout{5000};
  std::string unix_socket;
  int wait_replicas = 0;
  std::chrono::milliseconds wait_timeout{1000};
  std::chrono::milliseconds reconnect_backoff_min{100};
  std::chrono::milliseconds reconnect_backoff_max{10000};
  std::string holder;

  /// Throws tor::error (invalid_argument) naming the first bad setting.
  void validate() const {
    auto bad = [](const std::string& what) {
      throw error(error_kind::invalid_argument, "Redis state store: " + what);
    };
    if (key.empty()) bad("key is empty");
    if (unix_socket.empty()) {
      if (host.empty()) bad("host is empty (set host, or unix_socket)");
      if (port < 1 || port > 65535) bad("port " + std::to_string(port) + " is not in 1..65535");
    }
    if (database < 0) bad("database " + std::to_string(database) + " is negative");
    if (!username.empty() && password.empty())
      bad("username \"" + username + "\" is set without a password (Redis AUTH needs both)");
    if (timeout.count() <= 0) bad("timeout must be positive");
    if (reconnect_backoff_min.count() <= 0) bad("reconnect_backoff_min must be positive");
    if (reconnect_backoff_max < reconnect_backoff_min) bad("reconnect_backoff_max is below reconnect_backoff_min");
    if (wait_replicas < 0) bad("wait_replicas " + std::to_string(wait_replicas) + " is negative");
    if (wait_replicas > 0 && wait_timeout.count() <= 0) bad("wait_timeout must be positive when wait_replicas is set");
    if (tls.enabled && !unix_socket.empty()) bad("tls is set with unix_socket; a unix socket is not encrypted");
    if (tls.cert.empty() != tls.key.empty()) bad("tls cert and key go together (set both or neither)");
  }

  /// "127.0.0.1:6379" or "unix:/run/redis.sock", plus the database when not 0.
  [[nodiscard]] std::string endpoint() const {
    std::string s = unix_socket.empty() ? (tls.enabled ? "tls://" : "") + host + ':' + std::to_string(port)
                                        : "unix:" + unix_socket;
    if (database != 0) s += " database " + std::to_string(database);
    return s;
  }
};

constexpr auto options_of(std::type_identity<state_store_config>) {
  using options::opt;
  using o = state_store_config;
  return options::describe(
      opt("host", &o::host, "Redis host."),
      opt("port", &o::port, "Redis TCP port."),
      opt("db", &o::database, "Database number (SELECT)."),
      opt("user", &o::username, "ACL user name (Redis 6+); empty for the default user."),
      opt("password", &o::password, "Password (AUTH); empty for none.", options::secret),
      opt("tls", &o::tls, "TLS to the server."),
      opt("key", &o::key,
          "Key holding the checkpoint. The original Tor's value at this key is read as well, so an upgrade resumes "
          "where it stopped."),
      opt("timeout", &o::timeout, "Timeout for connecting and for each command."),
      opt("unix_socket", &o::unix_socket, "Unix socket path; when set, used instead of `host` and `port`."),
      opt("wait_replicas", &o::wait_replicas,
          "When above 0, each save waits (WAIT) until this many replicas have it; fewer in `wait_timeout` counts as "
          "a failed save, retried."),
      opt("wait_timeout", &o::wait_timeout, "How long a save waits for `wait_replicas`."),
      opt("reconnect_backoff_min", &o::reconnect_backoff_min,
          "First wait before reconnecting after a failed connection."),
      opt("reconnect_backoff_max", &o::reconnect_backoff_max,
          "Longest wait between reconnection attempts (the wait doubles up to it)."),
      opt("holder", &o::holder, "Name recorded with the checkpoint and the ownership claim; empty: host:pid."));
}

struct lease_config {
  /// The server, credentials and timeouts; `key` is the checkpoint key the
  /// lease belongs to. Commands time out after the smaller of its
  /// timeout and a third of the TTL: a later answer is of no use.
  state_store_config server;
  /// How long the lease lasts without renewal (renewed every third of it).
  std::chrono::milliseconds ttl{10'000};
  /// The lease key; empty: `<server.key>:lease`.
  std::string key;

  /// Throws tor::error (invalid_argument) naming the first bad setting.
  void validate() const {
    server.validate();
    if (ttl < std::chrono::milliseconds(100))
      throw error(error_kind::invalid_argument,
                  "Redis lease: ttl " + std::to_string(ttl.count()) + " ms is too short (at least 100 ms)");
  }
};

}  // namespace tor::redis

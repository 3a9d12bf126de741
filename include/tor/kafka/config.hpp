// Settings of the Kafka dispatcher: the safe producer defaults Tor's ordering
// and no-loss promises rest on, a pass-through for any other librdkafka
// property, what to do with a message the broker will never accept (the
// poison-message policy), how routed topics are checked or created at start,
// exactly-once mode (Kafka transactions carrying the checkpoint), and where
// librdkafka's log lines go. `producer_properties` shows exactly
// what is handed to librdkafka, so a config printer can show it too.
#pragma once

#include <chrono>
#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tor/core/error.hpp>

namespace tor::kafka {

/// What the dispatcher does with a message the broker rejects for good
/// because of the message itself (too large, invalid record or timestamp).
/// Failures that are not the message's fault (authorization, unknown topic,
/// delivery timeout, a fatal idempotence error) always stop: skipping them
/// would silently drop every later message of the topic.
enum class poison_policy {
  stop,         ///< report the failure; the router stops before the message (default)
  skip,         ///< report it as delivered, log it and count it as skipped
  dead_letter,  ///< produce it (with error headers) to a dead-letter topic; report it once that copy is acknowledged
};

[[nodiscard]] inline std::string_view to_string(poison_policy p) noexcept {
  switch (p) {
    case poison_policy::stop: return "stop";
    case poison_policy::skip: return "skip";
    case poison_policy::dead_letter: return "dead_letter";
  }
  return "?";
}

/// Parses "stop", "skip" or "dead_letter" (also "dead-letter").
[[nodiscard]] inline poison_policy parse_poison_policy(std::string_view text) {
  if (text == "stop") return poison_policy::stop;
  if (text == "skip") return poison_policy::skip;
  if (text == "dead_letter" || text == "dead-letter") return poison_policy::dead_letter;
  throw error(error_kind::invalid_argument,
              "invalid poison-message policy \"" + std::string(text) + "\" (expected stop, skip or dead_letter)");
}

enum class log_level { error, warning, notice, info, debug };

[[nodiscard]] inline std::string_view to_string(log_level l) noexcept {
  switch (l) {
    case log_level::error: return "error";
    case log_level::warning: return "warning";
    case log_level::notice: return "notice";
    case log_level::info: return "info";
    case log_level::debug: return "debug";
  }
  return "?";
}

/// Receives librdkafka's log lines and the dispatcher's own (facility "tor").
/// Called only from the thread that calls send/poll/flush, never from
/// librdkafka's internal threads, so it needs no locking of its own.
using log_sink = std::function<void(log_level, std::string_view facility, std::string_view text)>;

/// A sink that writes warnings and errors to std::clog, for tools and tests.
inline void clog_sink(log_level level, std::string_view facility, std::string_view text) {
  if (level <= log_level::warning) std::clog << "kafka " << to_string(level) << ' ' << facility << ": " << text << '\n';
}

/// How `dispatcher::check_topics` treats routed topics that do not exist.
struct topic_options {
  bool create_missing = false;  ///< create them through the Admin API instead of failing
  int partitions = -1;          ///< for created topics; -1: the broker's num.partitions
  int replication_factor = -1;  ///< for created topics; -1: the broker's default.replication.factor
  std::map<std::string, std::string> configs;  ///< topic configs for created topics (e.g. min.insync.replicas)
  std::chrono::milliseconds timeout{30'000};   ///< for metadata and creation requests
};

/// How the producer authenticates and encrypts: first-class settings for
/// the common cases, mapped to librdkafka's security.protocol, ssl.* and
/// sasl.* properties (config::properties can still override any of them).
struct security_options {
  /// plaintext, ssl, sasl_plaintext or sasl_ssl; empty: librdkafka's default (plaintext).
  std::string protocol;
  std::string ca;    ///< ssl.ca.location: CA certificate(s), PEM; empty: the system's CAs
  std::string cert;  ///< ssl.certificate.location: client certificate (mutual TLS), PEM
  std::string key;   ///< ssl.key.location: its private key, PEM
  /// Verify the broker's certificate and that it names the broker's host
  /// (enable.ssl.certificate.verification, ssl.endpoint.identification.algorithm=https).
  bool verify = true;
  std::string sasl_mechanism;  ///< PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512
  std::string sasl_username;
  std::string sasl_password;

  [[nodiscard]] bool uses_tls() const noexcept { return protocol == "ssl" || protocol == "sasl_ssl"; }
  [[nodiscard]] bool uses_sasl() const noexcept { return protocol == "sasl_plaintext" || protocol == "sasl_ssl"; }
};

struct config {
  /// bootstrap.servers: "host:port[,host:port...]".
  std::string brokers;
  std::string client_id = "tor";
  /// linger.ms: how long a batch may wait to fill. Small, so latency stays low.
  std::chrono::milliseconds linger{5};
  /// delivery.timeout.ms: the only bound on retries. A message not
  /// acknowledged by then fails (and the router stops before it).
  std::chrono::milliseconds delivery_timeout{300'000};
  /// max.in.flight.requests.per.connection; at most 5 with idempotence.
  int max_in_flight = 5;
  /// compression.codec: none, gzip, snappy, lz4 or zstd.
  std::string compression = "none";
  /// Any librdkafka producer property; applied last, so it overrides the
  /// fields above (see producer_properties). Settings that would break
  /// per-partition order are refused.
  std::map<std::string, std::string> properties;
  /// TLS and SASL towards the brokers (mapped to security.protocol, ssl.*, sasl.*).
  security_options security;

  poison_policy on_poison = poison_policy::stop;
  /// Required with poison_policy::dead_letter. Give it a max.message.bytes
  /// larger than the routed topics', or a too-large message cannot land there either.
  std::string dead_letter_topic;

  topic_options topics;

  /// Exactly once: messages are produced in Kafka transactions, each
  /// committing the checkpoint that covers exactly its messages to
  /// `checkpoint_topic`; read-committed consumers see each row once.
  bool exactly_once = false;
  /// transactional.id (exactly_once): one per checkpoint; a producer that
  /// starts with it fences every older one.
  std::string transactional_id;
  /// Compacted topic of the committed checkpoints (created, compacted, when missing).
  std::string checkpoint_topic = "tor.checkpoints";
  /// Key of this Tor's checkpoint record there; empty: the transactional id.
  std::string checkpoint_key;
  /// transaction.timeout.ms (exactly_once): how long the broker keeps the
  /// open transaction of a Tor that died before aborting it, holding back
  /// read-committed consumers meanwhile (a restarted Tor aborts it at once).
  /// delivery_timeout is capped to it.
  std::chrono::milliseconds transaction_timeout{60'000};

  /// Where log lines go; when empty they are dropped (failures still reach
  /// the router through delivery reports and exceptions).
  log_sink log;
};

/// The librdkafka properties the dispatcher sets, in the order it sets them:
/// Tor's defaults from the typed fields, then `properties`.
[[nodiscard]] inline std::vector<std::pair<std::string, std::string>> producer_properties(const config& c) {
  std::vector<std::pair<std::string, std::string>> p{
      {"bootstrap.servers", c.brokers},
      {"client.id", c.client_id},
      // Idempotence gives per-partition order and no duplicates through
      // retries; it requires acks=all and at most 5 requests in flight.
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"max.in.flight.requests.per.connection", std::to_string(c.max_in_flight)},
      // Retries are bounded by delivery.timeout.ms alone.
      {"message.send.max.retries", "2147483647"},
      {"delivery.timeout.ms",
       std::to_string(c.exactly_once ? std::min(c.delivery_timeout, c.transaction_timeout).count()
                                     : c.delivery_timeout.count())},
      {"linger.ms", std::to_string(c.linger.count())},
      {"compression.codec", c.compression},
      // Same key -> same partition as Java producers (Kafka Connect, Debezium).
      {"partitioner", "murmur2_random"},
      // Reconnect within a second of a broker coming back (librdkafka's
      // default backs off up to 10 s, which the router would sit out).
      {"reconnect.backoff.max.ms", "1000"},
      // Logs are served by poll() on the caller's thread, not librdkafka's.
      {"log.queue", "true"},
  };
  if (c.exactly_once) {
    p.emplace_back("transactional.id", c.transactional_id);
    p.emplace_back("transaction.timeout.ms", std::to_string(c.transaction_timeout.count()));
  }
  if (c.brokers.empty()) p.erase(p.begin());
  const auto& s = c.security;
  if (!s.protocol.empty()) p.emplace_back("security.protocol", s.protocol);
  if (s.uses_tls()) {
    if (!s.ca.empty()) p.emplace_back("ssl.ca.location", s.ca);
    if (!s.cert.empty()) p.emplace_back("ssl.certificate.location", s.cert);
    if (!s.key.empty()) p.emplace_back("ssl.key.location", s.key);
    p.emplace_back("enable.ssl.certificate.verification", s.verify ? "true" : "false");
    p.emplace_back("ssl.endpoint.identification.algorithm", s.verify ? "https" : "none");
  }
  if (s.uses_sasl()) {
    if (!s.sasl_mechanism.empty()) p.emplace_back("sasl.mechanisms", s.sasl_mechanism);
    if (!s.sasl_username.empty()) p.emplace_back("sasl.username", s.sasl_username);
    if (!s.sasl_password.empty()) p.emplace_back("sasl.password", s.sasl_password);
  }
  for (const auto& kv : c.properties) p.push_back(kv);
  return p;
}

/// The value `producer_properties` ends up giving `name`, or nullptr.
[[nodiscard]] inline const std::string* effective_property(const std::vector<std::pair<std::string, std::string>>& props,
                                                           std::string_view name) {
  const std::string* found = nullptr;
  for (const auto& [k, v] : props)
    if (k == name) found = &v;
  return found;
}

/// Throws tor::error (invalid_argument) when the settings cannot keep Tor's
/// promises or are incomplete, saying which setting and what to do.
inline void validate(const config& c) {
  auto bad = [](const std::string& what) { return error(error_kind::invalid_argument, "kafka dispatcher: " + what); };
  const auto props = producer_properties(c);
  const auto* servers = effective_property(props, "bootstrap.servers");
  if ((!servers || servers->empty()) && !effective_property(props, "test.mock.num.brokers"))
    throw bad("no brokers configured: set brokers to \"host:port[,host:port...]\"");
  if (c.max_in_flight < 1 || c.max_in_flight > 5)
    throw bad("max_in_flight is " + std::to_string(c.max_in_flight) +
              "; it must be between 1 and 5 (the idempotent producer keeps order only up to 5)");
  if (c.on_poison == poison_policy::dead_letter && c.dead_letter_topic.empty())
    throw bad("the poison-message policy is dead_letter but no dead_letter_topic is set");
  if (c.linger.count() < 0 || c.delivery_timeout.count() <= 0)
    throw bad("linger must be >= 0 ms and delivery_timeout > 0 ms");
  const auto& sec = c.security;
  if (!sec.protocol.empty() && sec.protocol != "plaintext" && !sec.uses_tls() && !sec.uses_sasl())
    throw bad("security protocol \"" + sec.protocol + "\" is not one of plaintext, ssl, sasl_plaintext, sasl_ssl");
  if (!sec.uses_tls() && (!sec.ca.empty() || !sec.cert.empty() || !sec.key.empty()))
    throw bad("TLS files (ca, cert, key) are set but the security protocol is \"" +
              (sec.protocol.empty() ? std::string("plaintext") : sec.protocol) + "\": use ssl or sasl_ssl");
  if (sec.cert.empty() != sec.key.empty()) throw bad("the client certificate and key go together (set both or neither)");
  if (sec.uses_sasl()) {
    if (sec.sasl_mechanism != "PLAIN" && sec.sasl_mechanism != "SCRAM-SHA-256" && sec.sasl_mechanism != "SCRAM-SHA-512")
      throw bad("SASL mechanism \"" + sec.sasl_mechanism + "\" is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512");
    if (sec.sasl_username.empty() || sec.sasl_password.empty())
      throw bad("security protocol " + sec.protocol + " needs a SASL username and password");
  } else if (!sec.sasl_mechanism.empty() || !sec.sasl_username.empty() || !sec.sasl_password.empty()) {
    throw bad("SASL settings are set but the security protocol is \"" +
              (sec.protocol.empty() ? std::string("plaintext") : sec.protocol) + "\": use sasl_ssl (or sasl_plaintext)");
  }

  const auto* idem = effective_property(props, "enable.idempotence");
  const auto* in_flight = effective_property(props, "max.in.flight.requests.per.connection");
  if (idem && (*idem == "false" || *idem == "0") && !(in_flight && (*in_flight == "1")))
    throw bad("enable.idempotence=false can reorder messages of a partition on retry; "
              "keep idempotence on, or also set max.in.flight.requests.per.connection=1");
  if (c.properties.count("transactional.id") || c.properties.count("transaction.timeout.ms"))
    throw bad("set exactly_once and transactional_id (and transaction_timeout) instead of the properties "
              "transactional.id and transaction.timeout.ms: the dispatcher must know it runs transactions");
  if (c.exactly_once) {
    if (c.transactional_id.empty())
      throw bad("exactly_once needs a transactional_id (one per checkpoint; the tor service derives it from "
                "redis.key)");
    if (c.checkpoint_topic.empty()) throw bad("exactly_once needs a checkpoint_topic (e.g. tor.checkpoints)");
    if (c.on_poison != poison_policy::stop)
      throw bad("exactly_once needs the poison-message policy stop: a message the broker refuses aborts the whole "
                "transaction, so it can be neither skipped nor dead-lettered inside it");
    if (c.transaction_timeout.count() < 1000)
      throw bad("transaction_timeout must be at least 1000 ms");
  }
}

/// The key of the checkpoint record in exactly-once mode.
[[nodiscard]] inline const std::string& checkpoint_record_key(const config& c) noexcept {
  return c.checkpoint_key.empty() ? c.transactional_id : c.checkpoint_key;
}

}  // namespace tor::kafka

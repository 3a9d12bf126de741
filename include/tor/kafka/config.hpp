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
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>
#include <tor/core/options.hpp>

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

constexpr auto option_names(std::type_identity<poison_policy>) {
  using p = poison_policy;
  return options::enum_names<p, 3>{{{p::stop, "stop"}, {p::skip, "skip"}, {p::dead_letter, "dead_letter"}}};
}

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
TOR_DECL void clog_sink(log_level level, std::string_view facility, std::string_view text);

/// How `dispatcher::check_topics` treats routed topics that do not exist.
struct topic_options {
  bool create_missing = false;  ///< create them through the Admin API instead of failing
  int partitions = -1;          ///< for created topics; -1: the broker's num.partitions
  int replication_factor = -1;  ///< for created topics; -1: the broker's default.replication.factor
  std::map<std::string, std::string> configs;  ///< topic configs for created topics (e.g. min.insync.replicas)
  std::chrono::milliseconds timeout{30'000};   ///< for metadata and creation requests
};

/// librdkafka's security.protocol.
enum class security_protocol { plaintext, ssl, sasl_plaintext, sasl_ssl };
constexpr auto option_names(std::type_identity<security_protocol>) {
  using p = security_protocol;
  return options::enum_names<p, 4>{
      {{p::plaintext, "plaintext"}, {p::ssl, "ssl"}, {p::sasl_plaintext, "sasl_plaintext"}, {p::sasl_ssl, "sasl_ssl"}}};
}

/// librdkafka's sasl.mechanisms.
enum class sasl_mechanism { plain, scram_sha_256, scram_sha_512 };
constexpr auto option_names(std::type_identity<sasl_mechanism>) {
  using m = sasl_mechanism;
  return options::enum_names<m, 3>{
      {{m::plain, "PLAIN"}, {m::scram_sha_256, "SCRAM-SHA-256"}, {m::scram_sha_512, "SCRAM-SHA-512"}}};
}

/// How the producer talks to the brokers: encrypted (TLS), authenticated
/// (SASL), both or neither. `config::properties` can still override the
/// librdkafka properties these become.
struct security_options {
  security_protocol protocol = security_protocol::plaintext;

  [[nodiscard]] bool uses_tls() const noexcept {
    return protocol == security_protocol::ssl || protocol == security_protocol::sasl_ssl;
  }
  [[nodiscard]] bool uses_sasl() const noexcept {
    return protocol == security_protocol::sasl_plaintext || protocol == security_protocol::sasl_ssl;
  }
};
constexpr auto options_of(std::type_identity<security_options>) {
  using options::opt;
  using o = security_options;
  return options::describe(opt(
      "protocol", &o::protocol,
      "How Tor talks to the brokers: `plaintext`, `ssl` (TLS), `sasl_plaintext` or `sasl_ssl` (SASL over TLS)."));
}

/// TLS towards the brokers (ssl.* properties), with protocol ssl or sasl_ssl.
struct tls_options {
  std::string ca;    ///< ssl.ca.location: CA certificate(s), PEM; empty: the system's CAs
  std::string cert;  ///< ssl.certificate.location: client certificate (mutual TLS), PEM
  std::string key;   ///< ssl.key.location: its private key, PEM
  /// Verify the broker's certificate and that it names the broker's host
  /// (enable.ssl.certificate.verification, ssl.endpoint.identification.algorithm=https).
  bool verify = true;
};
constexpr auto options_of(std::type_identity<tls_options>) {
  using options::opt;
  using o = tls_options;
  return options::describe(
      opt("ca", &o::ca, "CA certificate file (PEM) the brokers' certificates must chain to; empty: the system's CAs."),
      opt("cert", &o::cert,
          "Client certificate file (PEM), for brokers that authenticate clients by certificate (mutual TLS)."),
      opt("key", &o::key, "Private key file (PEM) of `cert`."),
      opt("verify", &o::verify,
          "Verify the brokers' certificates and that they name the broker's host; `false` only for tests."));
}

/// SASL credentials (sasl.* properties), with protocol sasl_plaintext or sasl_ssl.
struct sasl_options {
  sasl_mechanism mechanism = sasl_mechanism::scram_sha_512;
  std::string username;
  std::string password;
};
constexpr auto options_of(std::type_identity<sasl_options>) {
  using options::opt;
  using o = sasl_options;
  return options::describe(
      opt("mechanism", &o::mechanism,
          "SASL mechanism: `PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512` (with sasl_plaintext or sasl_ssl)."),
      opt("username", &o::username, "SASL user name."),
      opt("password", &o::password, "SASL password.", options::secret));
}

struct config {
  /// bootstrap.servers: "host:port[,host:port...]".
  std::string brokers;
  std::string client_id = "tor";
  /// compression.codec: none, gzip, snappy, lz4 or zstd.
  std::string compression = "none";
  /// linger.ms: how long a batch may wait to fill. Small, so latency stays low.
  std::chrono::milliseconds linger{5};
  /// delivery.timeout.ms: the only bound on retries. A message not
  /// acknowledged by then fails (and the router stops before it).
  std::chrono::milliseconds delivery_timeout{300'000};
  /// max.in.flight.requests.per.connection; at most 5 with idempotence.
  int max_in_flight = 5;
  /// Any librdkafka producer property; applied last, so it overrides the
  /// fields above (see producer_properties). Settings that would break
  /// per-partition order are refused.
  std::map<std::string, std::string> properties;
  /// Encryption and authentication towards the brokers (security.protocol, ssl.*, sasl.*).
  security_options security;
  tls_options tls;
  sasl_options sasl;

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

/// The options a configuration file sets, in the layout of the tor
/// service's `kafka` section: the topic options sit flat in it
/// (`create_topics`, `topic_partitions`, ...). The log sink is the program's.
constexpr auto options_of(std::type_identity<config>) {
  using options::opt;
  using o = config;
  using t = topic_options;
  return options::describe(
      opt("brokers", &o::brokers,
          "Bootstrap brokers, `host:port` each (a list, or one comma-separated string).",
          options::required | options::list),
      opt("client_id", &o::client_id, "Client id shown in the brokers' logs and quotas."),
      opt("compression", &o::compression, "Compression codec: none, gzip, snappy, lz4 or zstd."),
      opt("linger", &o::linger, "How long a batch may wait to fill before it is sent."),
      opt("delivery_timeout", &o::delivery_timeout,
          "A message not acknowledged within this time fails, and Tor stops before it (nothing after it is "
          "checkpointed). Retries happen until then. With `exactly_once`, at most `transaction_timeout`."),
      opt("max_in_flight", &o::max_in_flight,
          "Requests in flight per broker connection, 1..5 (the idempotent producer keeps order up to 5)."),
      opt("properties", &o::properties,
          "Any other librdkafka producer property (e.g. `security.protocol`, `sasl.*`); applied last. Properties "
          "that would break per-partition order are refused."),
      opt("security", &o::security, "Encryption and authentication towards the brokers."),
      opt("tls", &o::tls, "TLS files and verification, with `security.protocol` ssl or sasl_ssl."),
      opt("sasl", &o::sasl, "SASL credentials, with `security.protocol` sasl_plaintext or sasl_ssl."),
      opt("on_poison", &o::on_poison,
          "A message the broker refuses for good because of the message itself (too large, invalid): `stop` Tor, "
          "`skip` it (logged and counted) or send it to `dead_letter_topic`."),
      opt("dead_letter_topic", &o::dead_letter_topic, "Topic for refused messages with `on_poison: dead_letter`."),
      opt("create_topics", &o::topics, &t::create_missing,
          "Create missing topics at start (the routes' topics and `topics`); otherwise a missing topic is an error "
          "at start."),
      opt("topic_partitions", &o::topics, &t::partitions,
          "Partitions of created topics; -1 is the broker's `num.partitions`."),
      opt("topic_replication_factor", &o::topics, &t::replication_factor,
          "Replication factor of created topics; -1 is the broker's `default.replication.factor`."),
      opt("topic_configs", &o::topics, &t::configs,
          "Topic configs of created topics (e.g. `min.insync.replicas: \"2\"`)."),
      opt("topic_timeout", &o::topics, &t::timeout,
          "How long the topic check (metadata) and creation at start may take."),
      opt("exactly_once", &o::exactly_once,
          "Publish in Kafka transactions that carry the checkpoint (to `checkpoint_topic`): a consumer with "
          "`isolation.level=read_committed` sees every row once. Redis then mirrors the checkpoint. Needs "
          "`on_poison: stop`."),
      opt("transactional_id", &o::transactional_id,
          "Kafka transactional id with `exactly_once`, one per checkpoint (another Tor starting with it fences this "
          "one); it also keys the checkpoint record. Empty in the tor service: `redis.key` (or `tor:` and "
          "`state.file`)."),
      opt("checkpoint_topic", &o::checkpoint_topic,
          "Compacted topic the transactions commit the checkpoint to, with `exactly_once` (created when missing)."),
      opt("checkpoint_key", &o::checkpoint_key,
          "Key of the checkpoint record in `checkpoint_topic`; empty: the transactional id."),
      opt("transaction_timeout", &o::transaction_timeout,
          "With `exactly_once`: how long the brokers keep the open transaction of a Tor that died before aborting "
          "it, holding back read-committed consumers meanwhile (a restarted Tor aborts it at once). At least 1s."));
}
constexpr auto set_in_code(std::type_identity<config>) { return options::members(&config::log); }

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
  p.emplace_back("security.protocol", std::string(options::name_of(c.security.protocol)));
  if (c.security.uses_tls()) {
    const auto& t = c.tls;
    if (!t.ca.empty()) p.emplace_back("ssl.ca.location", t.ca);
    if (!t.cert.empty()) p.emplace_back("ssl.certificate.location", t.cert);
    if (!t.key.empty()) p.emplace_back("ssl.key.location", t.key);
    p.emplace_back("enable.ssl.certificate.verification", t.verify ? "true" : "false");
    p.emplace_back("ssl.endpoint.identification.algorithm", t.verify ? "https" : "none");
  }
  if (c.security.uses_sasl()) {
    const auto& a = c.sasl;
    p.emplace_back("sasl.mechanisms", std::string(options::name_of(a.mechanism)));
    if (!a.username.empty()) p.emplace_back("sasl.username", a.username);
    if (!a.password.empty()) p.emplace_back("sasl.password", a.password);
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
  const std::string protocol(options::name_of(sec.protocol));
  if (!sec.uses_tls() && (!c.tls.ca.empty() || !c.tls.cert.empty() || !c.tls.key.empty()))
    throw bad("TLS files (ca, cert, key) are set but the security protocol is \"" + protocol +
              "\": use ssl or sasl_ssl");
  if (c.tls.cert.empty() != c.tls.key.empty())
    throw bad("the client certificate and key go together (set both or neither)");
  if (sec.uses_sasl()) {
    if (c.sasl.username.empty() || c.sasl.password.empty())
      throw bad("security protocol " + protocol + " needs a SASL username and password");
  } else if (!c.sasl.username.empty() || !c.sasl.password.empty()) {
    throw bad("SASL credentials are set but the security protocol is \"" + protocol +
              "\": use sasl_ssl (or sasl_plaintext)");
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

#ifdef TOR_HEADER_ONLY
#include <tor/kafka/impl/config.ipp>
#endif

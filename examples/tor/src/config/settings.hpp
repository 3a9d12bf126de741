// The service's settings: one section per part (MySQL source, Kafka, Redis,
// file state, outbox mapper, router, logs, HTTP endpoint, hot standby).
// Where the framework has an options struct for a part, the section is that
// struct, described next to it in include/tor; the rest are the service's
// own, described here the same way (tor/core/options.hpp). config.hpp reads
// them from YAML and the environment, validates them and prints them, all
// through reflect.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <boost/hana/concat.hpp>

#include <tor/core/router.hpp>
#include <tor/mappers/outbox.hpp>
#include <tor/mysql/source_config.hpp>
#include <tor/redis/config.hpp>

#include "config/reflect.hpp"

namespace tor_service::config {

using namespace std::chrono_literals;

// ---- TLS and SASL (each server's `tls` part) ----------------------------------

enum class kafka_protocol { plaintext, ssl, sasl_plaintext, sasl_ssl };
constexpr auto option_names(std::type_identity<kafka_protocol>) {
  return tor::options::enum_names<kafka_protocol, 4>{{{kafka_protocol::plaintext, "plaintext"}, {kafka_protocol::ssl, "ssl"}, {kafka_protocol::sasl_plaintext, "sasl_plaintext"}, {kafka_protocol::sasl_ssl, "sasl_ssl"}}};
}

struct kafka_security_settings {
  kafka_protocol protocol = kafka_protocol::plaintext;
};
constexpr auto options_of(std::type_identity<kafka_security_settings>) {
  using tor::options::opt;
  using o = kafka_security_settings;
  return tor::options::describe(
      opt("protocol", &o::protocol,
          "How Tor talks to the brokers: `plaintext`, `ssl` (TLS), `sasl_plaintext` or `sasl_ssl` (SASL over TLS)."));
}

struct kafka_tls_settings {
  std::string ca;
  std::string cert;
  std::string key;
  bool verify = true;
};
constexpr auto options_of(std::type_identity<kafka_tls_settings>) {
  using tor::options::opt;
  using o = kafka_tls_settings;
  return tor::options::describe(
      opt("ca", &o::ca,
          "CA certificate file (PEM) the brokers' certificates must chain to; empty: the system's CAs."),
      opt("cert", &o::cert,
          "Client certificate file (PEM), for brokers that authenticate clients by certificate (mutual TLS)."),
      opt("key", &o::key, "Private key file (PEM) of `cert`."),
      opt("verify", &o::verify,
          "Verify the brokers' certificates and that they name the broker's host; `false` only for tests."));
}

enum class sasl_mechanism { plain, scram_sha_256, scram_sha_512 };
constexpr auto option_names(std::type_identity<sasl_mechanism>) {
  return tor::options::enum_names<sasl_mechanism, 3>{{{sasl_mechanism::plain, "PLAIN"}, {sasl_mechanism::scram_sha_256, "SCRAM-SHA-256"}, {sasl_mechanism::scram_sha_512, "SCRAM-SHA-512"}}};
}

struct kafka_sasl_settings {
  sasl_mechanism mechanism = sasl_mechanism::scram_sha_512;
  std::string username;
  std::string password;
};
constexpr auto options_of(std::type_identity<kafka_sasl_settings>) {
  using tor::options::opt;
  using o = kafka_sasl_settings;
  return tor::options::describe(
      opt("mechanism", &o::mechanism,
          "SASL mechanism: `PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512` (with sasl_plaintext or sasl_ssl)."),
      opt("username", &o::username, "SASL user name."),
      opt("password", &o::password, "SASL password.", tor::options::secret));
}

// ---- kafka ------------------------------------------------------------------

enum class poison_policy { stop, skip, dead_letter };
constexpr auto option_names(std::type_identity<poison_policy>) {
  return tor::options::enum_names<poison_policy, 3>{{{poison_policy::stop, "stop"}, {poison_policy::skip, "skip"}, {poison_policy::dead_letter, "dead_letter"}}};
}

struct kafka_topic_settings {
  std::string name;
  std::int32_t partitions = -1;
  std::int32_t replication_factor = -1;
};
constexpr auto options_of(std::type_identity<kafka_topic_settings>) {
  using tor::options::opt;
  using o = kafka_topic_settings;
  return tor::options::describe(
      opt("name", &o::name, "Topic name.", tor::options::required),
      opt("partitions", &o::partitions, "Partitions when Tor creates it; -1 uses `kafka.topic_partitions`."),
      opt("replication_factor", &o::replication_factor,
          "Replication factor when Tor creates it; -1 uses `kafka.topic_replication_factor`."));
}

struct kafka_settings {
  std::vector<std::string> brokers;
  std::string client_id = "tor";
  std::string compression = "none";
  std::chrono::milliseconds linger = 5ms;
  std::chrono::milliseconds delivery_timeout = 5min;
  std::int32_t max_in_flight = 5;
  std::map<std::string, std::string> properties;
  kafka_security_settings security;
  kafka_tls_settings tls;
  kafka_sasl_settings sasl;
  poison_policy on_poison = poison_policy::stop;
  std::string dead_letter_topic;
  bool create_topics = false;
  std::int32_t topic_partitions = -1;
  std::int32_t topic_replication_factor = -1;
  std::vector<kafka_topic_settings> topics;
  bool exactly_once = false;
  std::string transactional_id;
};
constexpr auto options_of(std::type_identity<kafka_settings>) {
  using tor::options::opt;
  using o = kafka_settings;
  return tor::options::describe(
      opt("brokers", &o::brokers,
          "Bootstrap brokers, `host:port` each (a list, or one comma-separated string).", tor::options::required),
      opt("client_id", &o::client_id, "Client id shown in the brokers' logs and quotas."),
      opt("compression", &o::compression, "Compression codec: none, gzip, snappy, lz4 or zstd."),
      opt("linger", &o::linger, "How long a batch may wait to fill before it is sent."),
      opt("delivery_timeout", &o::delivery_timeout,
          "A message not acknowledged within this time fails, and Tor stops before it (nothing after it is "
          "checkpointed). Retries happen until then."),
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
      opt("create_topics", &o::create_topics,
          "Create missing topics at start (the routes' topics and `topics`); otherwise a missing topic is an error "
          "at start."),
      opt("topic_partitions", &o::topic_partitions,
          "Partitions of created topics; -1 is the broker's `num.partitions`."),
      opt("topic_replication_factor", &o::topic_replication_factor,
          "Replication factor of created topics; -1 is the broker's `default.replication.factor`."),
      opt("topics", &o::topics,
          "Topics to check (and create) at start besides the routes' topics, with their own partition and "
          "replication settings: a list of `{name, partitions, replication_factor}`."),
      opt("exactly_once", &o::exactly_once,
          "Publish in Kafka transactions that carry the checkpoint (topic `tor.checkpoints`): a consumer with "
          "`isolation.level=read_committed` sees every row once. Redis then mirrors the checkpoint. Needs "
          "`on_poison: stop`."),
      opt("transactional_id", &o::transactional_id,
          "Kafka transactional id with `exactly_once`, one per checkpoint (another Tor starting with it fences this "
          "one); it also keys the checkpoint record. Empty: `redis.key` (or `tor:` and `state.file`)."));
}

// ---- state: redis or file ----------------------------------------------------

struct state_settings {
  std::string file = "tor-checkpoint.json";
};
constexpr auto options_of(std::type_identity<state_settings>) {
  using tor::options::opt;
  using o = state_settings;
  return tor::options::describe(
      opt("file", &o::file,
          "Checkpoint file used when `redis.host` is empty; written atomically (write, fsync, rename). Its directory "
          "must exist."));
}

// ---- outbox mapper -----------------------------------------------------------

enum class outbox_preset { debezium, original_tor };
constexpr auto option_names(std::type_identity<outbox_preset>) {
  return tor::options::enum_names<outbox_preset, 2>{{{outbox_preset::debezium, "debezium"}, {outbox_preset::original_tor, "original_tor"}}};
}

/// The outbox section: the outbox mapper's options and the preset of column names.
struct outbox_settings : tor::outbox_config {
  outbox_preset preset = outbox_preset::debezium;
};
constexpr auto options_of(std::type_identity<outbox_settings>) {
  using tor::options::opt;
  using o = outbox_settings;
  const auto own = tor::options::describe(
      opt("preset", &o::preset,
          "Default column names: `debezium` (id, aggregateid, aggregatetype, payload, type) or `original_tor` "
          "(aggregate_id, aggregate_type, payload; no id or type column). Columns set explicitly win."));
  return boost::hana::concat(own, options_of(std::type_identity<tor::outbox_config>{}));
}

// ---- logs ----------------------------------------------------------------------

enum class log_format { text, json };
constexpr auto option_names(std::type_identity<log_format>) {
  return tor::options::enum_names<log_format, 2>{{{log_format::text, "text"}, {log_format::json, "json"}}};
}

enum class log_level { trace, debug, info, warn, error };
constexpr auto option_names(std::type_identity<log_level>) {
  return tor::options::enum_names<log_level, 5>{{{log_level::trace, "trace"}, {log_level::debug, "debug"}, {log_level::info, "info"}, {log_level::warn, "warn"}, {log_level::error, "error"}}};
}

struct log_settings {
  log_level level = log_level::info;
  log_format format = log_format::text;
  std::chrono::milliseconds progress_interval = 5s;
};
constexpr auto options_of(std::type_identity<log_settings>) {
  using tor::options::opt;
  using o = log_settings;
  return tor::options::describe(
      opt("level", &o::level, "Lowest level logged."),
      opt("format", &o::format, "`text` lines, or `json`: one JSON object per line (time, level, msg and fields)."),
      opt("progress_interval", &o::progress_interval,
          "How often progress is logged while catching up (events/s, bytes and seconds behind the server's binlog "
          "end); 0 turns it off."));
}

// ---- http --------------------------------------------------------------------

struct http_settings {
  std::string address = "0.0.0.0";
  std::uint16_t port = 9090;
};
constexpr auto options_of(std::type_identity<http_settings>) {
  using tor::options::opt;
  using o = http_settings;
  return tor::options::describe(
      opt("address", &o::address, "Address the HTTP endpoint (/metrics, /healthz, /readyz) listens on."),
      opt("port", &o::port, "Its port; 0 turns the endpoint off."));
}

// ---- hot standby -----------------------------------------------------------------

struct ha_settings {
  bool enabled = false;
  std::chrono::milliseconds lease_ttl = tor::redis::lease_config{}.ttl;
};
constexpr auto options_of(std::type_identity<ha_settings>) {
  using tor::options::opt;
  using o = ha_settings;
  return tor::options::describe(
      opt("enabled", &o::enabled,
          "Hot standby: run several Tor with the same settings; the one holding a lease in Redis "
          "(`<redis.key>:lease`) publishes, the others wait and take over when it lapses. Needs `redis.host`."),
      opt("lease_ttl", &o::lease_ttl,
          "How long the lease lasts without renewal (renewed every third of it). A standby takes over within about "
          "this long after the active one dies; the active one stops publishing before it lapses."));
}

// ---- everything --------------------------------------------------------------

template <class T>
T without_host(T c) {
  c.host.clear();
  return c;
}

struct settings {
  tor::mysql::binlog_source_config mysql;
  kafka_settings kafka;
  /// No Redis unless `redis.host` is set: the checkpoint is then kept in `state.file`.
  tor::redis::state_store_config redis = without_host(tor::redis::state_store_config{});
  state_settings state;
  outbox_settings outbox;
  tor::router_options router;
  log_settings log;
  http_settings http;
  ha_settings ha;
};
constexpr auto options_of(std::type_identity<settings>) {
  using tor::options::opt;
  using o = settings;
  return tor::options::describe(
      opt("mysql", &o::mysql, "The MySQL/MariaDB server whose binlog is read."),
      opt("kafka", &o::kafka, "The Kafka cluster messages are produced to."),
      opt("redis", &o::redis,
          "The Redis server keeping the checkpoint. With `host` empty there is no Redis and the checkpoint is kept "
          "in `state.file`; with `unix_socket` set, `host` must still be non-empty to select Redis."),
      opt("state", &o::state, "The checkpoint file, when no Redis is configured."),
      opt("outbox", &o::outbox,
          "Which tables are outbox tables and how their rows become messages; `*.table` in `tables` matches the "
          "table in every schema."),
      opt("router", &o::router, "Flow control and checkpointing."),
      opt("log", &o::log, "Logging."),
      opt("http", &o::http, "The metrics and health endpoint."),
      opt("ha", &o::ha, "Hot standby with automatic failover."));
}

}  // namespace tor_service::config


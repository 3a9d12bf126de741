// The service's settings: one struct per part (MySQL source, Kafka,
// Redis, file state, outbox mapper, router, logs, HTTP endpoint), each with
// its defaults next to its members and one documentation line per member.
// The structs are plain values; config.hpp reads them from YAML and the
// environment, validates them and prints them, all through reflect.hpp.
#pragma once

#include <boost/hana/adapt_struct.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <tor/mysql/tls.hpp>

#include "config/reflect.hpp"

namespace tor_service::config {

using namespace std::chrono_literals;

// ---- TLS and SASL (each server's `tls` part) ----------------------------------

template <>
struct enum_names<tor::mysql::tls_mode> {
  static constexpr std::pair<tor::mysql::tls_mode, std::string_view> values[] = {
      {tor::mysql::tls_mode::disabled, "disabled"},
      {tor::mysql::tls_mode::preferred, "preferred"},
      {tor::mysql::tls_mode::required, "required"},
      {tor::mysql::tls_mode::verify_ca, "verify_ca"},
      {tor::mysql::tls_mode::verify_identity, "verify_identity"}};
};

struct mysql_tls_settings {
  tor::mysql::tls_mode mode = tor::mysql::tls_mode::preferred;
  std::string ca;
  std::string cert;
  std::string key;
  std::string cipher;
  std::string tls_version;

  static constexpr field_doc docs[] = {
      {"mode", "As MySQL's --ssl-mode: `disabled`; `preferred` (TLS when the server offers it, unverified); "
               "`required` (TLS or no connection, unverified); `verify_ca` (the certificate must chain to `ca`); "
               "`verify_identity` (and name `mysql.host`). When `ca` is set and `mode` is not, `verify_identity`."},
      {"ca", "CA certificate file (PEM) the server's certificate must chain to; needed by verify_ca and "
             "verify_identity."},
      {"cert", "Client certificate file (PEM), for accounts created with REQUIRE X509 / SUBJECT."},
      {"key", "Private key file (PEM) of `cert`."},
      {"cipher", "Allowed ciphers (OpenSSL list syntax); empty: the library's defaults."},
      {"tls_version", "Allowed protocol versions, e.g. `TLSv1.2,TLSv1.3`; empty: the library's defaults."},
  };
};

enum class kafka_protocol { plaintext, ssl, sasl_plaintext, sasl_ssl };
template <>
struct enum_names<kafka_protocol> {
  static constexpr std::pair<kafka_protocol, std::string_view> values[] = {{kafka_protocol::plaintext, "plaintext"},
                                                                           {kafka_protocol::ssl, "ssl"},
                                                                           {kafka_protocol::sasl_plaintext, "sasl_plaintext"},
                                                                           {kafka_protocol::sasl_ssl, "sasl_ssl"}};
};

struct kafka_security_settings {
  kafka_protocol protocol = kafka_protocol::plaintext;

  static constexpr field_doc docs[] = {
      {"protocol", "How Tor talks to the brokers: `plaintext`, `ssl` (TLS), `sasl_plaintext` or `sasl_ssl` "
                   "(SASL over TLS)."},
  };
};

struct kafka_tls_settings {
  std::string ca;
  std::string cert;
  std::string key;
  bool verify = true;

  static constexpr field_doc docs[] = {
      {"ca", "CA certificate file (PEM) the brokers' certificates must chain to; empty: the system's CAs."},
      {"cert", "Client certificate file (PEM), for brokers that authenticate clients by certificate (mutual TLS)."},
      {"key", "Private key file (PEM) of `cert`."},
      {"verify", "Verify the brokers' certificates and that they name the broker's host; `false` only for tests."},
  };
};

enum class sasl_mechanism { plain, scram_sha_256, scram_sha_512 };
template <>
struct enum_names<sasl_mechanism> {
  static constexpr std::pair<sasl_mechanism, std::string_view> values[] = {
      {sasl_mechanism::plain, "PLAIN"},
      {sasl_mechanism::scram_sha_256, "SCRAM-SHA-256"},
      {sasl_mechanism::scram_sha_512, "SCRAM-SHA-512"}};
};

struct kafka_sasl_settings {
  sasl_mechanism mechanism = sasl_mechanism::scram_sha_512;
  std::string username;
  secret password;

  static constexpr field_doc docs[] = {
      {"mechanism", "SASL mechanism: `PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512` (with sasl_plaintext or sasl_ssl)."},
      {"username", "SASL user name."},
      {"password", "SASL password."},
  };
};

struct redis_tls_settings {
  bool enabled = false;
  std::string ca;
  std::string cert;
  std::string key;
  bool verify = true;

  static constexpr field_doc docs[] = {
      {"enabled", "Connect with TLS (to the server's `tls-port`)."},
      {"ca", "CA certificate file (PEM) the server's certificate must chain to; empty: the system's CAs."},
      {"cert", "Client certificate file (PEM), for `tls-auth-clients yes`."},
      {"key", "Private key file (PEM) of `cert`."},
      {"verify", "Verify the server's certificate and that it names `redis.host`; `false` only for tests."},
  };
};

// ---- mysql ------------------------------------------------------------------

struct mysql_settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3306;
  std::string socket;
  std::string user;
  secret password;
  mysql_tls_settings tls;
  std::uint32_t server_id = 0;
  std::string start = "end";
  std::chrono::milliseconds heartbeat = 1s;
  std::chrono::milliseconds dead_after = 0s;
  std::chrono::milliseconds connect_timeout = 10s;
  std::chrono::milliseconds reconnect_timeout = 5min;
  bool resume_by_gtid = true;
  bool allow_different_server = false;

  static constexpr field_doc docs[] = {
      {"host", "Server host name or IP address."},
      {"port", "Server TCP port."},
      {"socket", "Unix socket path; when set, used instead of host and port."},
      {"user", "User with REPLICATION SLAVE, REPLICATION CLIENT and SELECT (SELECT reads column names when "
               "binlog_row_metadata is not FULL).",
       true},
      {"password", "Password of `user`."},
      {"tls", "TLS for every connection to the server."},
      {"server_id", "Server id Tor presents as a replica: unique among everything replicating from the server "
                    "(a second connection with the same id disconnects the first). 0 derives one from the host "
                    "name and process id."},
      {"start", "Where to start when there is no checkpoint yet: `end` (only what is written from now on), "
                "`beginning` (the oldest binlog still on the server) or a position `FILE:OFFSET`. Ignored once a "
                "checkpoint exists."},
      {"heartbeat", "The server sends a heartbeat after this much idle time; a connection silent for "
                    "`dead_after` is reopened."},
      {"dead_after", "Silence on the replication connection after which it counts as dead and is reopened (whole "
                     "seconds). 0: three heartbeat periods, at least 30 s. Set it lower only where binlog files are "
                     "small: the server sends no heartbeat while it scans a file for a GTID."},
      {"connect_timeout", "Timeout for connecting to the server (whole seconds)."},
      {"reconnect_timeout", "How long a lost replication connection is retried before Tor restarts from its "
                            "checkpoint; 0 retries forever."},
      {"resume_by_gtid", "Resume by GTID when the checkpoint has a GTID set (MariaDB), which survives a failover "
                         "to another server of the same replication topology; otherwise by file and offset."},
      {"allow_different_server", "Resume a file/offset checkpoint taken on a server with another identity. A "
                                 "binlog position means nothing on another server: only for a server whose "
                                 "identity changed but whose binlog did not."},
  };
};

// ---- kafka ------------------------------------------------------------------

enum class poison_policy { stop, skip, dead_letter };
template <>
struct enum_names<poison_policy> {
  static constexpr std::pair<poison_policy, std::string_view> values[] = {
      {poison_policy::stop, "stop"}, {poison_policy::skip, "skip"}, {poison_policy::dead_letter, "dead_letter"}};
};

struct kafka_topic_settings {
  std::string name;
  std::int32_t partitions = -1;
  std::int32_t replication_factor = -1;

  static constexpr field_doc docs[] = {
      {"name", "Topic name.", true},
      {"partitions", "Partitions when Tor creates it; -1 uses `kafka.topic_partitions`."},
      {"replication_factor", "Replication factor when Tor creates it; -1 uses `kafka.topic_replication_factor`."},
  };
};

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

  static constexpr field_doc docs[] = {
      {"brokers", "Bootstrap brokers, `host:port` each (a list, or one comma-separated string).", true},
      {"client_id", "Client id shown in the brokers' logs and quotas."},
      {"compression", "Compression codec: none, gzip, snappy, lz4 or zstd."},
      {"linger", "How long a batch may wait to fill before it is sent."},
      {"delivery_timeout", "A message not acknowledged within this time fails, and Tor stops before it "
                           "(nothing after it is checkpointed). Retries happen until then."},
      {"max_in_flight", "Requests in flight per broker connection, 1..5 (the idempotent producer keeps order up "
                        "to 5)."},
      {"properties", "Any other librdkafka producer property (e.g. `security.protocol`, `sasl.*`); applied last. "
                     "Properties that would break per-partition order are refused."},
      {"security", "Encryption and authentication towards the brokers."},
      {"tls", "TLS files and verification, with `security.protocol` ssl or sasl_ssl."},
      {"sasl", "SASL credentials, with `security.protocol` sasl_plaintext or sasl_ssl."},
      {"on_poison", "A message the broker refuses for good because of the message itself (too large, invalid): "
                    "`stop` Tor, `skip` it (logged and counted) or send it to `dead_letter_topic`."},
      {"dead_letter_topic", "Topic for refused messages with `on_poison: dead_letter`."},
      {"create_topics", "Create missing topics at start (the routes' topics and `topics`); otherwise a missing "
                        "topic is an error at start."},
      {"topic_partitions", "Partitions of created topics; -1 is the broker's `num.partitions`."},
      {"topic_replication_factor", "Replication factor of created topics; -1 is the broker's "
                                   "`default.replication.factor`."},
      {"topics", "Topics to check (and create) at start besides the routes' topics, with their own partition "
                 "and replication settings: a list of `{name, partitions, replication_factor}`."},
  };
};

// ---- state: redis or file ----------------------------------------------------

struct redis_settings {
  std::string host;
  std::uint16_t port = 6379;
  std::uint32_t db = 0;
  std::string user;
  secret password;
  redis_tls_settings tls;
  std::string key = "tor:checkpoint";
  std::chrono::milliseconds timeout = 5s;
  std::string unix_socket;
  std::uint32_t wait_replicas = 0;
  std::chrono::milliseconds wait_timeout = 1s;
  std::chrono::milliseconds reconnect_backoff_min = 100ms;
  std::chrono::milliseconds reconnect_backoff_max = 10s;
  std::string holder;

  static constexpr field_doc docs[] = {
      {"host", "Redis host. Empty: no Redis; the checkpoint is kept in `state.file`."},
      {"port", "Redis TCP port."},
      {"db", "Database number (SELECT)."},
      {"user", "ACL user name (Redis 6+); empty for the default user."},
      {"password", "Password (AUTH); empty for none."},
      {"tls", "TLS to the server."},
      {"key", "Key holding the checkpoint. The original Tor's value at this key is read as well, so an upgrade "
              "resumes where it stopped."},
      {"timeout", "Timeout for connecting and for each command."},
      {"unix_socket", "Unix socket path; when set, used instead of `host` and `port` (`host` must still be "
                      "non-empty to select Redis)."},
      {"wait_replicas", "When above 0, each save waits (WAIT) until this many replicas have it; fewer in "
                        "`wait_timeout` counts as a failed save, retried."},
      {"wait_timeout", "How long a save waits for `wait_replicas`."},
      {"reconnect_backoff_min", "First wait before reconnecting after a failed connection."},
      {"reconnect_backoff_max", "Longest wait between reconnection attempts (the wait doubles up to it)."},
      {"holder", "Name recorded with the checkpoint and the ownership claim; empty: host:pid."},
  };
};

struct state_settings {
  std::string file = "tor-checkpoint.json";

  static constexpr field_doc docs[] = {
      {"file", "Checkpoint file used when `redis.host` is empty; written atomically (write, fsync, rename). "
               "Its directory must exist."},
  };
};

// ---- outbox mapper -----------------------------------------------------------

enum class outbox_preset { debezium, original_tor };
template <>
struct enum_names<outbox_preset> {
  static constexpr std::pair<outbox_preset, std::string_view> values[] = {
      {outbox_preset::debezium, "debezium"}, {outbox_preset::original_tor, "original_tor"}};
};

enum class update_policy { warn, skip, fail };
template <>
struct enum_names<update_policy> {
  static constexpr std::pair<update_policy, std::string_view> values[] = {
      {update_policy::warn, "warn"}, {update_policy::skip, "skip"}, {update_policy::fail, "fail"}};
};

enum class invalid_policy { fail, skip };
template <>
struct enum_names<invalid_policy> {
  static constexpr std::pair<invalid_policy, std::string_view> values[] = {{invalid_policy::fail, "fail"},
                                                                           {invalid_policy::skip, "skip"}};
};

struct route_settings {
  std::string pattern;
  std::string topic;
  bool search = false;

  static constexpr field_doc docs[] = {
      {"pattern", "Regular expression (RE2 syntax, the syntax of Go's regexp) matched against the whole "
                  "route-by value.", true},
      {"topic", "Topic for rows whose route-by value matches.", true},
      {"search", "Match the pattern anywhere in the value instead of the whole value (Go's `MatchString`, "
                 "as the original Tor's `aggregateTypeRegexp`)."},
  };
};

struct field_settings {
  std::string column;
  std::string header;
  bool partition = false;

  static constexpr field_doc docs[] = {
      {"column", "Outbox column to copy.", true},
      {"header", "Header name; the column name when empty."},
      {"partition", "Use the column's value as the partition number instead of a header."},
  };
};

struct outbox_settings {
  outbox_preset preset = outbox_preset::debezium;
  std::vector<std::string> tables;
  std::string id_column = "id";
  std::string key_column = "aggregateid";
  std::string route_by_column = "aggregatetype";
  std::string payload_column = "payload";
  std::string type_column = "type";
  std::string timestamp_column;
  std::vector<route_settings> routes;
  std::string topic_template = "outbox.event.${routedByValue}";
  invalid_policy unrouted = invalid_policy::fail;
  bool fan_out = false;
  std::vector<field_settings> fields;
  update_policy on_update = update_policy::warn;
  invalid_policy on_invalid = invalid_policy::fail;
  bool tombstone_on_empty_payload = false;
  bool id_header = true;
  bool coordinate_headers = true;

  static constexpr field_doc docs[] = {
      {"preset", "Default column names: `debezium` (id, aggregateid, aggregatetype, payload, type) or "
                 "`original_tor` (aggregate_id, aggregate_type, payload; no id or type column). Columns set "
                 "explicitly win."},
      {"tables", "Outbox tables as `schema.table`; `*.table` matches the table in every schema.", true},
      {"id_column", "Column with the event id, sent in header `id`. Empty: the id is the row's binlog "
                    "coordinates `file:offset/row`."},
      {"key_column", "Column with the message key (usually the aggregate id); same key, same partition."},
      {"route_by_column", "Column whose value chooses the topic (usually the aggregate type)."},
      {"payload_column", "Column with the message value."},
      {"type_column", "Column sent in header `eventType`; empty for none."},
      {"timestamp_column", "Column with the record timestamp (TIMESTAMP, DATETIME or epoch milliseconds); "
                           "empty: the transaction's commit time."},
      {"routes", "Ordered routes, a list of `{pattern, topic}`; the first pattern matching the route-by value "
                 "wins. Empty: `topic_template` is used."},
      {"topic_template", "Topic when there are no routes; `${routedByValue}` is replaced by the route-by value."},
      {"unrouted", "A row that matches no route: `fail` (stop) or `skip` it with a warning."},
      {"fan_out", "Send the row to every route that matches (each topic once, in route order) instead of only "
                  "the first; on for an original Tor configuration, which did that."},
      {"fields", "Columns copied into each message, a list of `{column, header, partition}`."},
      {"on_update", "An UPDATE of an outbox row (rows should only be inserted): `warn`, `skip` silently or "
                    "`fail`."},
      {"on_invalid", "A row missing a configured column, or with a NULL key: `fail` (stop) or `skip` it with a "
                     "warning."},
      {"tombstone_on_empty_payload", "Send an empty or NULL payload as a tombstone (null value) instead of an "
                                     "empty value."},
      {"id_header", "Send the event id in header `id` (consumers deduplicate with it)."},
      {"coordinate_headers", "Send the row's binlog coordinates in headers `tor.binlog.file`, `tor.binlog.pos` and "
                             "`tor.gtid` (consumers deduplicate with them). With `id_header` off and `type_column` "
                             "empty too, messages carry no headers, which librdkafka sends about three times faster."},
  };
};

// ---- router ------------------------------------------------------------------

struct router_settings {
  std::uint64_t max_in_flight_messages = 5'000;
  byte_size max_in_flight_bytes{16ull << 20};
  std::uint64_t max_pending_transactions = 10'000;
  std::chrono::milliseconds checkpoint_interval = 1s;
  std::chrono::milliseconds flush_timeout = 30s;
  std::chrono::milliseconds final_save_timeout = 10s;
  std::chrono::milliseconds idle_wait = 100ms;

  static constexpr field_doc docs[] = {
      {"max_in_flight_messages", "Reading pauses while this many messages are unacknowledged (backpressure). "
                                 "Each is held in memory until Kafka acknowledges it (about 1 KB for a 256-byte "
                                 "payload), so this bounds the memory catching up takes."},
      {"max_in_flight_bytes", "Reading pauses while this many bytes of messages are unacknowledged."},
      {"max_pending_transactions", "Reading pauses while this many read transactions wait for an earlier "
                                   "message's acknowledgement (bounds memory behind a stuck message)."},
      {"checkpoint_interval", "How often the checkpoint is saved while running (and at every stop)."},
      {"flush_timeout", "At a stop, how long Kafka may take to acknowledge what is in flight."},
      {"final_save_timeout", "At a stop, how long a failing checkpoint save is retried."},
      {"idle_wait", "Longest wait for the source or Kafka in one step; bounds how fast a stop is noticed."},
  };
};

// ---- logs ----------------------------------------------------------------------

enum class log_format { text, json };
template <>
struct enum_names<log_format> {
  static constexpr std::pair<log_format, std::string_view> values[] = {{log_format::text, "text"},
                                                                       {log_format::json, "json"}};
};

enum class log_level { trace, debug, info, warn, error };
template <>
struct enum_names<log_level> {
  static constexpr std::pair<log_level, std::string_view> values[] = {{log_level::trace, "trace"},
                                                                      {log_level::debug, "debug"},
                                                                      {log_level::info, "info"},
                                                                      {log_level::warn, "warn"},
                                                                      {log_level::error, "error"}};
};

struct log_settings {
  log_level level = log_level::info;
  log_format format = log_format::text;
  std::chrono::milliseconds progress_interval = 5s;

  static constexpr field_doc docs[] = {
      {"level", "Lowest level logged."},
      {"format", "`text` lines, or `json`: one JSON object per line (time, level, msg and fields)."},
      {"progress_interval", "How often progress is logged while catching up (events/s, bytes and seconds behind "
                            "the server's binlog end); 0 turns it off."},
  };
};

// ---- http --------------------------------------------------------------------

struct http_settings {
  std::string address = "0.0.0.0";
  std::uint16_t port = 9090;

  static constexpr field_doc docs[] = {
      {"address", "Address the HTTP endpoint (/metrics, /healthz, /readyz) listens on."},
      {"port", "Its port; 0 turns the endpoint off."},
  };
};

// ---- hot standby -----------------------------------------------------------------

struct ha_settings {
  bool enabled = false;
  std::chrono::milliseconds lease_ttl = 10s;

  static constexpr field_doc docs[] = {
      {"enabled", "Hot standby: run several Tor with the same settings; the one holding a lease in Redis "
                  "(`<redis.key>:lease`) publishes, the others wait and take over when it lapses. Needs `redis.host`."},
      {"lease_ttl", "How long the lease lasts without renewal (renewed every third of it). A standby takes over "
                    "within about this long after the active one dies; the active one stops publishing before it "
                    "lapses."},
  };
};

// ---- everything --------------------------------------------------------------

struct settings {
  mysql_settings mysql;
  kafka_settings kafka;
  redis_settings redis;
  state_settings state;
  outbox_settings outbox;
  router_settings router;
  log_settings log;
  http_settings http;
  ha_settings ha;

  static constexpr field_doc docs[] = {
      {"mysql", "The MySQL/MariaDB server whose binlog is read."},
      {"kafka", "The Kafka cluster messages are produced to."},
      {"redis", "The Redis server keeping the checkpoint."},
      {"state", "The checkpoint file, when no Redis is configured."},
      {"outbox", "Which tables are outbox tables and how their rows become messages."},
      {"router", "Flow control and checkpointing."},
      {"log", "Logging."},
      {"http", "The metrics and health endpoint."},
      {"ha", "Hot standby with automatic failover."},
  };
};

}  // namespace tor_service::config

BOOST_HANA_ADAPT_STRUCT(tor_service::config::mysql_tls_settings, mode, ca, cert, key, cipher, tls_version);
BOOST_HANA_ADAPT_STRUCT(tor_service::config::kafka_security_settings, protocol);
BOOST_HANA_ADAPT_STRUCT(tor_service::config::kafka_tls_settings, ca, cert, key, verify);
BOOST_HANA_ADAPT_STRUCT(tor_service::config::kafka_sasl_settings, mechanism, username, password);
BOOST_HANA_ADAPT_STRUCT(tor_service::config::redis_tls_settings, enabled, ca, cert, key, verify);
BOOST_HANA_ADAPT_STRUCT(tor_service::config::mysql_settings, host, port, socket, user, password, tls, server_id, start,
                        heartbeat, dead_after, connect_timeout, reconnect_timeout, resume_by_gtid, allow_different_server);
BOOST_HANA_ADAPT_STRUCT(tor_service::config::kafka_topic_settings, name, partitions, replication_factor);
BOOST_HANA_ADAPT_STRUCT(tor_service::config::kafka_settings, brokers, client_id, compression, linger,
                        delivery_timeout, max_in_flight, properties, security, tls, sasl, on_poison, dead_letter_topic,
                        create_topics,
                        topic_partitions, topic_replication_factor, topics);
BOOST_HANA_ADAPT_STRUCT(tor_service::config::redis_settings, host, port, db, user, password, tls, key, timeout,
                        unix_socket, wait_replicas, wait_timeout, reconnect_backoff_min, reconnect_backoff_max,
                        holder);
BOOST_HANA_ADAPT_STRUCT(tor_service::config::state_settings, file);
BOOST_HANA_ADAPT_STRUCT(tor_service::config::route_settings, pattern, topic, search);
BOOST_HANA_ADAPT_STRUCT(tor_service::config::field_settings, column, header, partition);
BOOST_HANA_ADAPT_STRUCT(tor_service::config::outbox_settings, preset, tables, id_column, key_column, route_by_column,
                        payload_column, type_column, timestamp_column, routes, topic_template, unrouted, fan_out, fields,
                        on_update, on_invalid, tombstone_on_empty_payload, id_header, coordinate_headers);
BOOST_HANA_ADAPT_STRUCT(tor_service::config::router_settings, max_in_flight_messages, max_in_flight_bytes,
                        max_pending_transactions, checkpoint_interval, flush_timeout, final_save_timeout, idle_wait);
BOOST_HANA_ADAPT_STRUCT(tor_service::config::log_settings, level, format, progress_interval);
BOOST_HANA_ADAPT_STRUCT(tor_service::config::http_settings, address, port);
BOOST_HANA_ADAPT_STRUCT(tor_service::config::ha_settings, enabled, lease_ttl);
BOOST_HANA_ADAPT_STRUCT(tor_service::config::settings, mysql, kafka, redis, state, outbox, router, log, http, ha);

namespace tor_service::config {
// The documentation tables must name the members, in order: a new member
// without a doc line (or a stale doc line) does not compile.
static_assert(docs_match_members<mysql_tls_settings>());
static_assert(docs_match_members<kafka_security_settings>());
static_assert(docs_match_members<kafka_tls_settings>());
static_assert(docs_match_members<kafka_sasl_settings>());
static_assert(docs_match_members<redis_tls_settings>());
static_assert(docs_match_members<mysql_settings>());
static_assert(docs_match_members<kafka_topic_settings>());
static_assert(docs_match_members<kafka_settings>());
static_assert(docs_match_members<redis_settings>());
static_assert(docs_match_members<state_settings>());
static_assert(docs_match_members<route_settings>());
static_assert(docs_match_members<field_settings>());
static_assert(docs_match_members<outbox_settings>());
static_assert(docs_match_members<router_settings>());
static_assert(docs_match_members<log_settings>());
static_assert(docs_match_members<http_settings>());
static_assert(docs_match_members<ha_settings>());
static_assert(docs_match_members<settings>());
}  // namespace tor_service::config

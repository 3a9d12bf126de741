// The service's settings: one section per part (MySQL source, Kafka, Redis,
// file state, outbox mapper, router, logs, HTTP endpoint, hot standby).
// Where the framework has an options struct for a part, the section is that
// struct, described next to it in include/tor; the rest are the service's
// own, described here the same way (tor/core/options.hpp), and checked
// complete in config.cpp. config.hpp reads them from YAML and the
// environment, validates them and prints them, all through reflect.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <boost/hana/concat.hpp>

#include <tor/core/router_options.hpp>
#include <tor/kafka/config.hpp>
#include <tor/mappers/outbox_config.hpp>
#include <tor/mysql/source_config.hpp>
#include <tor/redis/config.hpp>

#include "config/errors.hpp"

namespace tor_service::config {

using namespace std::chrono_literals;

// ---- kafka ------------------------------------------------------------------

/// A topic to check (and create) at start besides the routes' topics.
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

/// The kafka section: the Kafka dispatcher's options and the topics the
/// service checks at start with their own partition and replication settings.
struct kafka_settings : tor::kafka::config {
  std::vector<kafka_topic_settings> topic_list;
};
constexpr auto options_of(std::type_identity<kafka_settings>) {
  using tor::options::opt;
  using o = kafka_settings;
  const auto own = tor::options::describe(
      opt("topics", &o::topic_list,
          "Topics to check (and create) at start besides the routes' topics, with their own partition and "
          "replication settings: a list of `{name, partitions, replication_factor}`."));
  return boost::hana::concat(options_of(std::type_identity<tor::kafka::config>{}), own);
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


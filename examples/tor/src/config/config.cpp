#include "config/config.hpp"
#include "config/reflect.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include <tor/core/error.hpp>
#include <tor/core/position.hpp>
#include <tor/mappers/re2_patterns.hpp>

extern char** environ;

namespace tor_service::config {

// Every member of the service's settings has a description (or is set in
// code): checked here, once, rather than in every file including settings.hpp.
static_assert(tor::options::every_member_described<kafka_topic_settings>());
static_assert(tor::options::every_member_described<kafka_settings>());
static_assert(tor::options::every_member_described<state_settings>());
static_assert(tor::options::every_member_described<outbox_settings>());
static_assert(tor::options::every_member_described<log_settings>());
static_assert(tor::options::every_member_described<http_settings>());
static_assert(tor::options::every_member_described<ha_settings>());
static_assert(tor::options::every_member_described<settings>());


namespace {

using tor::kafka::poison_policy;

// ---- the original Tor's flat keys ----------------------------------------------

/// One entry of the original Tor's `kafkaTopics`.
struct legacy_topic {
  std::string name;
  std::int32_t numPartitions = -1;
  std::int32_t replicationFactor = -1;
  std::string aggregateTypeRegexp;
};
constexpr auto options_of(std::type_identity<legacy_topic>) {
  using tor::options::opt;
  using o = legacy_topic;
  return tor::options::describe(
      opt("name", &o::name, "Topic name.", tor::options::required),
      opt("numPartitions", &o::numPartitions, "Partitions when the topic is created."),
      opt("replicationFactor", &o::replicationFactor, "Replication factor when the topic is created."),
      opt("aggregateTypeRegexp", &o::aggregateTypeRegexp, "Regular expression searched in the aggregate type."));
}

/// One entry of the original Tor's `kafkaHeaderMappings`.
struct legacy_header {
  std::string columnName;
  std::string headerName;
};
constexpr auto options_of(std::type_identity<legacy_header>) {
  using tor::options::opt;
  using o = legacy_header;
  return tor::options::describe(opt("columnName", &o::columnName, "Outbox column.", tor::options::required),
                                opt("headerName", &o::headerName, "Header name.", tor::options::required));
}

struct legacy_key {
  std::string_view name;
  std::string_view becomes;  ///< for docs and conflict messages
  std::vector<std::string_view> targets;  ///< new keys it sets
  void (*apply)(const YAML::Node&, settings&, const read_context&);
};

template <class T>
T read_as(const YAML::Node& n, const std::string& key, const read_context& ctx, unsigned flags = tor::options::none) {
  T v{};
  read_context quiet{ctx.file, ctx.env_var, nullptr};  // origins are recorded under the new keys
  read_value(n, v, key, quiet, flags);
  return v;
}

/// The outbox table the original's `dbOutboxTableRef` named. The original
/// matched `^VALUE$` as a Go regular expression against "schema.table"; a
/// value of two identifiers joined by `.` (any character there) or `\.`
/// matches exactly that one table, so it becomes "schema.table". Anything
/// else is refused, saying what the original did with it.
template <class Fail>
std::string outbox_table_of_original(const std::string& v, Fail&& fail) {
  const auto ident = [](std::string_view p) {
    return !p.empty() && std::all_of(p.begin(), p.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '$';
    });
  };
  if (v.empty()) fail("must name the outbox table as SCHEMA.TABLE");
  const auto esc = v.find("\\.");
  const auto dot = v.find('.');
  if (esc != std::string::npos && ident(std::string_view(v).substr(0, esc)) &&
      ident(std::string_view(v).substr(esc + 2)))
    return v.substr(0, esc) + "." + v.substr(esc + 2);
  if (dot != std::string::npos && ident(std::string_view(v).substr(0, dot)) &&
      ident(std::string_view(v).substr(dot + 1)))
    return v;
  if (ident(v))
    fail("\"" + v + "\" names no schema. The original Tor matched it as the regular expression ^" + v +
         "$ against schema.table, which no table matches, so it relayed nothing; write SCHEMA." + v +
         " (or set outbox.tables: [\"*." + v + "\"] for every schema)");
  fail("\"" + v + "\" is a regular expression over schema.table; tor names outbox tables as SCHEMA.TABLE (or "
       "*.TABLE): list the tables it matched in outbox.tables instead");
  return {};
}

const std::vector<legacy_key>& legacy_keys() {
  static const std::vector<legacy_key> keys = {
      {"dbHost", "`mysql.host`", {"mysql.host"},
       [](const YAML::Node& n, settings& s, const read_context& c) { s.mysql.host = read_as<std::string>(n, "dbHost", c); }},
      {"dbPort", "`mysql.port`", {"mysql.port"},
       [](const YAML::Node& n, settings& s, const read_context& c) { s.mysql.port = read_as<std::uint16_t>(n, "dbPort", c); }},
      {"dbUser", "`mysql.user`", {"mysql.user"},
       [](const YAML::Node& n, settings& s, const read_context& c) { s.mysql.user = read_as<std::string>(n, "dbUser", c); }},
      {"dbPassword", "`mysql.password`", {"mysql.password"},
       [](const YAML::Node& n, settings& s, const read_context& c) { s.mysql.password = read_as<std::string>(n, "dbPassword", c); }},
      {"dbOutboxTableRef",
       "`outbox.tables: [SCHEMA.TABLE]`. The original matched the value as the regular expression `^VALUE$` "
       "against `schema.table`: `SCHEMA.TABLE` (or `SCHEMA\\.TABLE`) names the same one table; a value without "
       "a schema matched no table there and is refused here; any other regular expression is refused (list "
       "the tables in `outbox.tables`)",
       {"outbox.tables"},
       [](const YAML::Node& n, settings& s, const read_context& c) {
         const auto t = read_as<std::string>(n, "dbOutboxTableRef", c);
         s.outbox.tables = {outbox_table_of_original(t, [&](const std::string& why) {
           c.fail(n, "dbOutboxTableRef", why);
         })};
       }},
      {"dbAggregateIDColumnName", "`outbox.key_column`", {"outbox.key_column"},
       [](const YAML::Node& n, settings& s, const read_context& c) {
         s.outbox.key_column = read_as<std::string>(n, "dbAggregateIDColumnName", c);
       }},
      {"dbAggregateTypeColumnName", "`outbox.route_by_column`", {"outbox.route_by_column"},
       [](const YAML::Node& n, settings& s, const read_context& c) {
         s.outbox.route_by_column = read_as<std::string>(n, "dbAggregateTypeColumnName", c);
       }},
      {"dbPayloadColumnName", "`outbox.payload_column`", {"outbox.payload_column"},
       [](const YAML::Node& n, settings& s, const read_context& c) {
         s.outbox.payload_column = read_as<std::string>(n, "dbPayloadColumnName", c);
       }},
      {"kafkaBrokers", "`kafka.brokers`", {"kafka.brokers"},
       [](const YAML::Node& n, settings& s, const read_context& c) {
         s.kafka.brokers = read_as<std::string>(n, "kafkaBrokers", c, tor::options::list);
       }},
      {"kafkaTopics",
       "`outbox.routes` (`aggregateTypeRegexp` becomes the pattern, with `search: true`: found anywhere in the "
       "value, as Go's `MatchString` did), "
       "`kafka.topics` (`numPartitions`, `replicationFactor`), `kafka.create_topics: true`, "
       "`outbox.unrouted: skip` and `outbox.fan_out: true`",
       {"outbox.routes", "kafka.topics", "kafka.create_topics", "outbox.unrouted", "outbox.fan_out"},
       [](const YAML::Node& n, settings& s, const read_context& c) {
         const auto topics = read_as<std::vector<legacy_topic>>(n, "kafkaTopics", c);
         s.outbox.routes.clear();
         s.kafka.topic_list.clear();
         for (const auto& t : topics) {
           // An empty regexp matched every value in the original (Go compiles "" to match anything).
           s.outbox.routes.push_back({t.aggregateTypeRegexp.empty() ? ".*" : t.aggregateTypeRegexp, t.name, true});
           s.kafka.topic_list.push_back({t.name, t.numPartitions, t.replicationFactor});
         }
         s.kafka.topics.create_missing = true;       // the original created missing topics
         s.outbox.unrouted = tor::on_invalid::skip;  // and ignored rows no topic matched
         s.outbox.fan_out = true;                   // and sent a row to every topic that matched
       }},
      {"kafkaHeaderMappings", "`outbox.fields` (`columnName` → `column`, `headerName` → `header`)", {"outbox.fields"},
       [](const YAML::Node& n, settings& s, const read_context& c) {
         s.outbox.fields.clear();
         for (const auto& h : read_as<std::vector<legacy_header>>(n, "kafkaHeaderMappings", c))
           s.outbox.fields.push_back({h.columnName, h.headerName, false});
       }},
      {"kafkaTopic",
       "`outbox.routes: [{pattern: \".*\", topic: TOPIC, search: true}]` (the one topic of the original's "
       "single-topic versions; `aggregateTypeRegexp` sets the pattern), `outbox.unrouted: skip`, "
       "`kafka.create_topics: true`",
       {"outbox.routes", "outbox.unrouted", "kafka.create_topics"},
       [](const YAML::Node& n, settings& s, const read_context& c) {
         const auto topic = read_as<std::string>(n, "kafkaTopic", c);
         if (topic.empty()) c.fail(n, "kafkaTopic", "must name the topic");
         s.outbox.routes = {{".*", topic, true}};
         s.outbox.unrouted = tor::on_invalid::skip;  // rows the regexp did not match were skipped
         s.kafka.topics.create_missing = true;  // the original's producer let the broker create it on first use
       }},
      {"aggregateTypeRegexp",
       "the pattern of `kafkaTopic`'s route, searched in the aggregate type as the original did (rows that do "
       "not match are skipped); empty: every row",
       {},
       [](const YAML::Node& n, settings&, const read_context& c) {
         (void)read_as<std::string>(n, "aggregateTypeRegexp", c);  // applied with kafkaTopic, see load()
       }},
      {"dbHeadersColumnsNames", "`outbox.fields` (each column becomes a header of the same name)", {"outbox.fields"},
       [](const YAML::Node& n, settings& s, const read_context& c) {
         s.outbox.fields.clear();
         for (const auto& col : read_as<std::vector<std::string>>(n, "dbHeadersColumnsNames", c))
           s.outbox.fields.push_back({col, col, false});
       }},
      {"apiPort", "nothing: it is the port of the original's example API server, which read the same file", {},
       [](const YAML::Node&, settings&, const read_context&) {}},
      {"redisHost", "`redis.host`", {"redis.host"},
       [](const YAML::Node& n, settings& s, const read_context& c) { s.redis.host = read_as<std::string>(n, "redisHost", c); }},
      {"redisPort", "`redis.port`", {"redis.port"},
       [](const YAML::Node& n, settings& s, const read_context& c) { s.redis.port = read_as<int>(n, "redisPort", c); }},
      {"redisDB", "`redis.db`", {"redis.db"},
       [](const YAML::Node& n, settings& s, const read_context& c) { s.redis.database = read_as<int>(n, "redisDB", c); }},
      {"redisKey", "`redis.key`", {"redis.key"},
       [](const YAML::Node& n, settings& s, const read_context& c) { s.redis.key = read_as<std::string>(n, "redisKey", c); }},
  };
  return keys;
}

const legacy_key* find_legacy(std::string_view name) {
  for (const auto& k : legacy_keys())
    if (k.name == name) return &k;
  return nullptr;
}

void apply_preset(outbox_settings& o, outbox_preset p) {
  o.preset = p;
  if (p == outbox_preset::original_tor) {
    o.id_column.clear();
    o.key_column = "aggregate_id";
    o.route_by_column = "aggregate_type";
    o.payload_column = "payload";
    o.type_column.clear();
  } else {
    const outbox_settings d;
    o.id_column = d.id_column;
    o.key_column = d.key_column;
    o.route_by_column = d.route_by_column;
    o.payload_column = d.payload_column;
    o.type_column = d.type_column;
  }
}

// ---- validation ---------------------------------------------------------------

class validator {
 public:
  validator(const loaded_settings& l, std::string file) : l_(l), file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    // Where the key was set, else where its nearest enclosing map or list was.
    std::string where = file_;
    for (std::string k = key; !k.empty();) {
      if (const auto* o = l_.origins.find(k)) {
        where = *o;
        break;
      }
      const auto cut = k.find_last_of(".[");
      k = cut == std::string::npos ? std::string() : k.substr(0, cut);
    }
    throw config_error(where + ": " + key + ": " + what);
  }
  void require(bool ok, const std::string& key, const std::string& what) const {
    if (!ok) fail(key, what);
  }

  // Members documented as required must not be empty.
  template <class T>
  void required(const T& v, const std::string& prefix) const {
    for_each_option<T>([&](auto o) {
      const auto& field = o.of(v);
      using F = std::remove_cvref_t<decltype(field)>;
      const std::string key = prefix + '.' + std::string(o.key);
      if constexpr (described<F>) {
        required(field, key);
      } else if constexpr (is_vector<F>::value) {
        if constexpr (described<typename is_vector<F>::element>)
          for (std::size_t i = 0; i < field.size(); ++i) required(field[i], key + '[' + std::to_string(i) + ']');
        if (o.is(tor::options::required) && field.empty())
          fail(key, "required, but empty or not set" + hint(key));
      } else if constexpr (std::is_same_v<F, std::string>) {
        if (o.is(tor::options::required) && field.empty()) fail(key, "required, but empty or not set" + hint(key));
      }
    });
  }

 private:
  static std::string hint(const std::string& key) {
    const auto dot = key.find('.');
    if (dot == std::string::npos || key.find_first_of(".[", dot + 1) != std::string::npos) return "";
    return " (set " + key + " in the file or " + env_name(key.substr(0, dot), key.substr(dot + 1)) +
           " in the environment)";
  }

  const loaded_settings& l_;
  std::string file_;
};

bool valid_regex(const std::string& re, std::string& why) {
  try {
    (void)tor::compile_re2(re);
    return true;
  } catch (const std::invalid_argument& e) {
    why = e.what();
    return false;
  }
}

void validate_all(const loaded_settings& l, const std::string& file) {
  const settings& s = l.values;
  const validator v(l, file);
  for_each_option<settings>([&](auto o) { v.required(o.of(s), std::string(o.key)); });

  // mysql
  v.require(s.mysql.port != 0, "mysql.port", "must not be 0");
  const auto heartbeat = s.mysql.heartbeat_period;
  v.require(heartbeat >= std::chrono::milliseconds(100) && heartbeat <= std::chrono::minutes(1), "mysql.heartbeat",
            "must be between 100ms and 1m");
  v.require(s.mysql.connect_timeout >= std::chrono::seconds(1), "mysql.connect_timeout", "must be at least 1s");
  {
    using tor::mysql::tls_mode;
    const auto& t = s.mysql.tls;
    const bool verifies = t.mode == tls_mode::verify_ca || t.mode == tls_mode::verify_identity;
    v.require(!verifies || !t.ca.empty(), "mysql.tls.ca",
              "required with mysql.tls.mode " + std::string(enum_name(t.mode)) + " (the CA the server's certificate "
              "must chain to)");
    v.require(verifies || t.ca.empty(), "mysql.tls.ca",
              "is only used to verify the server: set mysql.tls.mode to verify_identity (or verify_ca), not " +
                  std::string(enum_name(t.mode)));
    v.require(t.cert.empty() == t.key.empty(), t.cert.empty() ? "mysql.tls.cert" : "mysql.tls.key",
              "mysql.tls.cert and mysql.tls.key go together (set both or neither)");
    v.require(t.mode != tls_mode::disabled || (t.cert.empty() && t.cipher.empty() && t.version.empty()),
              "mysql.tls.mode", "is disabled, but other mysql.tls settings are set");
  }

  // kafka
  const auto& k = s.kafka;
  for (const auto& b : split_list(k.brokers)) {
    const auto colon = b.rfind(':');
    const bool ok = colon != std::string::npos && colon > 0 && colon + 1 < b.size() &&
                    b.find_first_not_of("0123456789", colon + 1) == std::string::npos;
    v.require(ok, "kafka.brokers", "broker \"" + b + "\" is not host:port");
  }
  static const std::vector<std::string> codecs = {"none", "gzip", "snappy", "lz4", "zstd"};
  v.require(std::find(codecs.begin(), codecs.end(), k.compression) != codecs.end(), "kafka.compression",
            "expected none, gzip, snappy, lz4 or zstd, got \"" + k.compression + "\"");
  v.require(k.max_in_flight >= 1 && k.max_in_flight <= 5, "kafka.max_in_flight",
            "must be between 1 and 5 (the idempotent producer keeps order only up to 5)");
  v.require(k.delivery_timeout.count() > 0, "kafka.delivery_timeout", "must be more than 0");
  v.require(k.on_poison != poison_policy::dead_letter || !k.dead_letter_topic.empty(), "kafka.dead_letter_topic",
            "required with kafka.on_poison: dead_letter");
  v.require(!k.exactly_once || k.on_poison == poison_policy::stop, "kafka.on_poison",
            "must be stop with kafka.exactly_once: a refused message aborts the whole transaction, so it can be "
            "neither skipped nor dead-lettered inside it");
  v.require(!k.exactly_once || !k.checkpoint_topic.empty(), "kafka.checkpoint_topic",
            "required with kafka.exactly_once (e.g. tor.checkpoints)");
  v.require(k.transaction_timeout >= std::chrono::seconds(1), "kafka.transaction_timeout", "must be at least 1s");
  v.require(k.topics.partitions == -1 || k.topics.partitions > 0, "kafka.topic_partitions",
            "must be -1 (broker default) or more than 0");
  v.require(k.topics.replication_factor == -1 || k.topics.replication_factor > 0, "kafka.topic_replication_factor",
            "must be -1 (broker default) or more than 0");
  v.require(k.topics.timeout.count() > 0, "kafka.topic_timeout", "must be more than 0");
  for (std::size_t i = 0; i < k.topic_list.size(); ++i) {
    const auto& t = k.topic_list[i];
    const std::string key = "kafka.topics[" + std::to_string(i) + "]";
    v.require(t.partitions == -1 || t.partitions > 0, key + ".partitions", "must be -1 or more than 0");
    v.require(t.replication_factor == -1 || t.replication_factor > 0, key + ".replication_factor",
              "must be -1 or more than 0");
  }
  {
    const std::string proto(enum_name(k.security.protocol));
    for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"kafka.tls.ca", &k.tls.ca},
                                     {"kafka.tls.cert", &k.tls.cert},
                                     {"kafka.tls.key", &k.tls.key}})
      v.require(k.security.uses_tls() || value->empty(), key,
                "is set, but kafka.security.protocol is " + proto + ": set it to ssl or sasl_ssl");
    v.require(k.tls.cert.empty() == k.tls.key.empty(), k.tls.cert.empty() ? "kafka.tls.cert" : "kafka.tls.key",
              "kafka.tls.cert and kafka.tls.key go together (set both or neither)");
    if (k.security.uses_sasl()) {
      v.require(!k.sasl.username.empty(), "kafka.sasl.username", "required with kafka.security.protocol " + proto);
      v.require(!k.sasl.password.empty(), "kafka.sasl.password",
                "required with kafka.security.protocol " + proto + " (or kafka.sasl.password_file)");
    } else {
      v.require(k.sasl.username.empty() && k.sasl.password.empty(), "kafka.sasl",
                "credentials are set, but kafka.security.protocol is " + proto + ": set it to sasl_ssl");
    }
  }

  // state
  if (!s.redis.host.empty()) {
    const auto& t = s.redis.tls;
    v.require(t.enabled || (t.ca.empty() && t.cert.empty() && t.key.empty()), "redis.tls.enabled",
              "redis.tls files are set, but TLS is off: set redis.tls.enabled: true");
    v.require(!t.enabled || s.redis.unix_socket.empty(), "redis.tls.enabled",
              "TLS goes with host and port, not redis.unix_socket");
    v.require(t.cert.empty() == t.key.empty(), t.cert.empty() ? "redis.tls.cert" : "redis.tls.key",
              "redis.tls.cert and redis.tls.key go together (set both or neither)");
    v.require(!s.redis.key.empty(), "redis.key", "required when redis.host is set");
    v.require(s.redis.port >= 1 && s.redis.port <= 65535, "redis.port", "must be between 1 and 65535");
    v.require(s.redis.database >= 0, "redis.db", "must not be negative");
    v.require(s.redis.wait_replicas >= 0, "redis.wait_replicas", "must not be negative");
    v.require(s.redis.timeout.count() > 0, "redis.timeout", "must be more than 0");
  } else {
    v.require(!s.state.file.empty(), "state.file", "required when redis.host is empty (no Redis)");
  }

  // outbox
  for (std::size_t i = 0; i < s.outbox.tables.size(); ++i) {
    const auto& t = s.outbox.tables[i];
    const auto dot = t.find('.');
    v.require(dot != std::string::npos && dot > 0 && dot + 1 < t.size() && t.find('.', dot + 1) == std::string::npos,
              "outbox.tables", "table \"" + t + "\" must be written schema.table (or *.table for every schema)");
  }
  v.require(!s.outbox.key_column.empty(), "outbox.key_column", "must name a column");
  v.require(!s.outbox.route_by_column.empty(), "outbox.route_by_column", "must name a column");
  v.require(!s.outbox.payload_column.empty(), "outbox.payload_column", "must name a column");
  for (std::size_t i = 0; i < s.outbox.routes.size(); ++i) {
    const std::string key = "outbox.routes[" + std::to_string(i) + "].pattern";
    std::string why;
    if (!valid_regex(s.outbox.routes[i].pattern, why))  // not inside require(): `why` must be set first
      v.fail(key, "bad regular expression \"" + s.outbox.routes[i].pattern + "\": " + why);
  }
  if (s.outbox.routes.empty())
    v.require(!s.outbox.topic_template.empty(), "outbox.topic_template", "required when outbox.routes is empty");
  std::size_t partition_fields = 0;
  for (const auto& f : s.outbox.fields) partition_fields += f.partition ? 1 : 0;
  v.require(partition_fields <= 1, "outbox.fields", "at most one field can give the partition");

  // router
  v.require(s.router.max_in_flight_messages >= 1, "router.max_in_flight_messages", "must be at least 1");
  v.require(s.router.max_in_flight_bytes >= 1024, "router.max_in_flight_bytes", "must be at least 1KiB");
  v.require(s.router.max_pending_transactions >= 1, "router.max_pending_transactions", "must be at least 1");
  v.require(s.router.max_transaction_messages >= 1, "router.max_transaction_messages", "must be at least 1");
  v.require(s.router.checkpoint_interval.count() > 0, "router.checkpoint_interval", "must be more than 0");
  v.require(s.router.idle_wait.count() > 0 && s.router.idle_wait <= std::chrono::seconds(5), "router.idle_wait",
            "must be between 1ms and 5s");
  v.require(s.router.flush_timeout.count() > 0, "router.flush_timeout", "must be more than 0");

  // hot standby
  if (s.ha.enabled) {
    v.require(!s.redis.host.empty(), "ha.enabled",
              "needs Redis: the lease lives there (set redis.host, or turn ha.enabled off)");
    v.require(s.ha.lease_ttl >= std::chrono::seconds(1), "ha.lease_ttl", "must be at least 1s");
  }
}

/// What the original's keys mean together: `aggregateTypeRegexp` is the
/// pattern of `kafkaTopic`'s route, and with no checkpoint the original
/// started at the oldest binlog on the server (go-mysql's canal, given the
/// empty position its Redis state handler returns for a missing key, asks
/// for the first binlog file).
void apply_original_tor_extras(const std::vector<std::pair<const legacy_key*, YAML::Node>>& legacy, loaded_settings& l,
                               const std::string& file, const read_context& ctx) {
  const auto node_of = [&](std::string_view name) -> const YAML::Node* {
    for (const auto& [k, n] : legacy)
      if (k->name == name) return &n;
    return nullptr;
  };
  settings& s = l.values;
  if (const auto* re = node_of("aggregateTypeRegexp")) {
    if (!node_of("kafkaTopic"))
      ctx.fail(*re, "aggregateTypeRegexp",
               node_of("kafkaTopics") ? "goes with kafkaTopic; with kafkaTopics each topic has its own "
                                        "aggregateTypeRegexp"
                                      : "needs kafkaTopic, the topic it routes to");
    const auto pattern = read_as<std::string>(*re, "aggregateTypeRegexp", ctx);
    if (!pattern.empty()) s.outbox.routes.front().pattern = pattern;  // empty: the original's default .*
  }
  if (!l.origins.find("mysql.start")) {
    s.mysql.start = tor::mysql::start_at::earliest;
    l.origins.by_key["mysql.start"] = file + " (original Tor keys: with no checkpoint the original started at the "
                                             "oldest binlog)";
  }
}

}  // namespace

loaded_settings load(std::string_view yaml, const std::string& file, const std::map<std::string, std::string>& env) {
  loaded_settings l;
  settings& s = l.values;
  const read_context ctx{file, "", &l.origins};

  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    throw config_error(file + ':' + std::to_string(e.mark.line + 1) + ':' + std::to_string(e.mark.column + 1) +
                       ": not valid YAML: " + e.msg);
  }
  if (!root.IsNull() && !root.IsMap())
    throw config_error(file + ": expected a map of settings at the top, got " + detail::kind_of(root));

  // The preset sets column defaults, so it is settled before any column is read.
  bool has_legacy = false;
  std::optional<outbox_preset> preset;
  if (root.IsMap()) {
    for (const auto& kv : root) {
      const auto name = kv.first.Scalar();
      if (find_legacy(name)) has_legacy = true;
      if (name == "outbox" && kv.second.IsMap() && kv.second["preset"])
        preset = read_as<outbox_preset>(kv.second["preset"], "outbox.preset", ctx);
    }
  }
  if (const auto it = env.find("TOR_OUTBOX_PRESET"); it != env.end())
    preset = read_as<outbox_preset>(YAML::Node(it->second), "outbox.preset",
                                    read_context{"", "TOR_OUTBOX_PRESET", nullptr});
  apply_preset(s.outbox, preset.value_or(has_legacy ? outbox_preset::original_tor : outbox_preset::debezium));

  // Sections, then the original Tor's keys (which must not repeat a section's key).
  std::vector<std::pair<const legacy_key*, YAML::Node>> legacy;
  if (root.IsMap()) {
    std::vector<std::string_view> known = member_names<settings>();
    for (const auto& k : legacy_keys()) known.push_back(k.name);
    std::vector<std::string> seen;
    for (const auto& kv : root) {
      const auto name = kv.first.Scalar();
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) ctx.fail(kv.first, name, "is set twice");
      seen.push_back(name);
      if (const auto* lk = find_legacy(name)) {
        legacy.emplace_back(lk, kv.second);
        continue;
      }
      bool found = false;
      for_each_option<settings>([&](auto o) {
        if (found || name != o.key) return;
        found = true;
        read_value(kv.second, o.of(s), name, ctx);
      });
      if (!found) ctx.fail(kv.first, name, "unknown key" + detail::suggest(name, known));
    }
  }
  for (const auto& [lk, node] : legacy) {
    for (auto target : lk->targets)
      if (const auto* o = l.origins.find(std::string(target)))
        ctx.fail(node, std::string(lk->name),
                 "sets " + std::string(target) + ", which is also set at " + *o + "; keep one of them");
    lk->apply(node, s, ctx);
    const auto m = node.Mark();
    for (auto target : lk->targets)
      l.origins.by_key[std::string(target)] = file + ':' + std::to_string(m.line + 1) + " (" + std::string(lk->name) + ")";
    l.legacy_keys.emplace_back(lk->name);
  }
  if (!legacy.empty()) apply_original_tor_extras(legacy, l, file, ctx);

  // Environment overrides.
  for_each_option<settings>([&](auto o) {
    const std::string_view section = o.key;
    auto& value = o.of(s);
    apply_env(value, section, env, &l.origins);
    using S = std::remove_cvref_t<decltype(value)>;
    for (auto& name : unknown_env<S>(section, env)) l.ignored_env.push_back(std::move(name));
  });

  // A CA is given to be used: verified identity, unless a mode was chosen.
  if (!s.mysql.tls.ca.empty() && !l.origins.find("mysql.tls.mode"))
    s.mysql.tls.mode = tor::mysql::tls_mode::verify_identity;

  validate_all(l, file);
  return l;
}

loaded_settings load_file(const std::string& path, const std::map<std::string, std::string>& env) {
  if (path.empty()) return load("", "(no config file)", env);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error(path + ": cannot open the config file: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw config_error(path + ": cannot read the config file");
  return load(text.str(), path, env);
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

namespace {

// Members with where each was set, nested parts as maps of their own.
template <class T>
void emit_with_origins(YAML::Emitter& out, const T& value, const std::string& prefix, const origin_map& origins) {
  out << YAML::BeginMap;
  for_each_option<T>([&](auto o) {
    const std::string name(o.key);
    const auto& field = o.of(value);
    using F = std::remove_cvref_t<decltype(field)>;
    out << YAML::Key << name << YAML::Value;
    if constexpr (described<F>) {
      emit_with_origins(out, field, prefix + name + '.', origins);
    } else {
      emit_value(out, field, o.flags);
      if (const auto* o = origins.find(prefix + name)) out << YAML::Comment("from " + *o);
    }
  });
  out << YAML::EndMap;
}

}  // namespace

std::string to_yaml(const loaded_settings& l) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  for_each_option<settings>([&](auto o) {
    const std::string section(o.key);
    out << YAML::Key << section << YAML::Value;
    emit_with_origins(out, o.of(l.values), section + '.', l.origins);
  });
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

namespace {

std::string md_escape(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else out += c;
  }
  return out;
}

template <class T>
void reference_rows(std::string& out, const T& defaults, const std::string& prefix, const std::string& env_section) {
  for_each_option<T>([&](auto o) {
    const std::string_view name = o.key;
    const auto& value = o.of(defaults);
    using F = std::remove_cvref_t<decltype(value)>;
    const std::string key = prefix + std::string(name);
    std::string def = inline_text(value, o.flags);
    if (o.is(tor::options::required)) def = "(required)";
    std::string env = env_section.empty() ? "" : "`" + env_name(env_section, name) + "`";
    if (o.is(tor::options::secret) && !env.empty()) env += ", `" + env_name(env_section, name) + "_FILE`";
    if constexpr (described<F>) {
      reference_rows(out, value, key + ".", env_section.empty() ? "" : env_section + "_" + std::string(name));
      return;
    }
    out += "| `" + key + "` | " + md_escape(type_name<F>(o.flags)) + " | `" + md_escape(def) + "` | " + env + " | " +
           md_escape(std::string(o.doc)) + " |\n";
    if constexpr (is_vector<F>::value) {
      if constexpr (described<typename is_vector<F>::element>)
        reference_rows(out, typename is_vector<F>::element{}, key + "[].", "");
    }
  });
}

}  // namespace

std::string reference_markdown() {
  std::string out;
  const settings defaults;
  for_each_option<settings>([&](auto o) {
    const std::string section(o.key);
    out += "### `" + section + "`\n\n" + std::string(o.doc) + "\n\n";
    out += "| key | type | default | environment | description |\n|---|---|---|---|---|\n";
    reference_rows(out, o.of(defaults), section + ".", section);
    out += "\n";
  });
  out += "### Keys of the original Tor\n\nA file written for the original (Go) Tor loads as it is; each of its keys "
         "sets the keys below. `tor --print-config` shows the result in the layout above.\n\n";
  out += legacy_reference_markdown();
  return out;
}

std::string legacy_reference_markdown() {
  std::string out = "| original key | becomes |\n|---|---|\n";
  for (const auto& k : legacy_keys()) out += "| `" + std::string(k.name) + "` | " + std::string(k.becomes) + " |\n";
  return out;
}

}  // namespace tor_service::config

// The service's configuration: YAML, environment overrides, validation
// messages (one line naming the key and its line), printed settings and
// secrets. The original Tor's files are in config_original_test.cpp, the
// generated reference and the docs in config_docs_test.cpp.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>

#include "config_support.hpp"

using namespace tor_service::config;
using namespace tor_service::config::testing;
using namespace std::chrono_literals;

TEST_CASE("a minimal file takes every other value from the defaults") {
  const auto l = load(minimal, "tor.yaml", {});
  const auto& s = l.values;
  CHECK(s.mysql.user == "tor");
  CHECK(s.mysql.host == "127.0.0.1");
  CHECK(s.mysql.port == 3306);
  CHECK(s.kafka.brokers == "127.0.0.1:9092");
  CHECK(s.outbox.tables == std::vector<std::string>{"app.outbox"});
  CHECK(s.outbox.preset == outbox_preset::debezium);
  CHECK(s.outbox.key_column == "aggregateid");
  CHECK(s.router.checkpoint_interval == 1s);
  // The service's in-flight bounds are the framework's (they bound the memory catching up takes).
  CHECK(s.router.max_in_flight_bytes == 16u << 20);
  CHECK(s.router.max_in_flight_bytes == tor::router_options{}.max_in_flight_bytes);
  CHECK(s.router.max_in_flight_messages == tor::router_options{}.max_in_flight_messages);
  CHECK(s.router.max_pending_transactions == tor::router_options{}.max_pending_transactions);
  CHECK(s.redis.host.empty());
  CHECK(*l.origins.find("mysql.user") == "tor.yaml:3");
  CHECK(l.origins.find("mysql.host") == nullptr);
}

TEST_CASE("values of every type are read from YAML") {
  const auto l = load(R"(
mysql: {user: u, password: "p:w", port: 3307, start: "mysql-bin.000002:4", heartbeat: 2s, reconnect_timeout: 1m, socket: /run/m.sock}
kafka:
  brokers: "a:1, b:2"
  linger: 250ms
  properties: {security.protocol: plaintext}
  on_poison: dead_letter
  dead_letter_topic: dlq
  topics: [{name: t1, partitions: 3}]
outbox:
  tables: ["*.outbox"]
  routes:
    - {pattern: "Order.*", topic: orders}
  fields: [{column: tenant, header: x-tenant}, {column: shard, partition: yes}]
  on_update: fail
router: {max_in_flight_bytes: 512KiB, flush_timeout: 1h}
log: {format: json, level: debug}
)",
                      "tor.yaml", {});
  const auto& s = l.values;
  CHECK(s.mysql.password == "p:w");
  CHECK(s.mysql.port == 3307);
  CHECK(s.mysql.start.to_string() == "mysql-bin.000002:4");
  CHECK(s.mysql.reconnect_give_up == 1min);
  CHECK(s.mysql.socket == "/run/m.sock");
  CHECK(s.kafka.brokers == "a:1,b:2");
  CHECK(s.kafka.linger == 250ms);
  CHECK(s.kafka.properties.at("security.protocol") == "plaintext");
  CHECK(s.kafka.on_poison == tor::kafka::poison_policy::dead_letter);
  REQUIRE(s.kafka.topic_list.size() == 1);
  CHECK(s.kafka.topic_list[0].partitions == 3);
  CHECK(s.kafka.topic_list[0].replication_factor == -1);
  REQUIRE(s.outbox.routes.size() == 1);
  CHECK(s.outbox.routes[0].topic == "orders");
  REQUIRE(s.outbox.fields.size() == 2);
  CHECK(s.outbox.fields[1].partition);
  CHECK(s.outbox.updates == tor::on_update::fail);
  CHECK(s.router.max_in_flight_bytes == 512 * 1024);
  CHECK(s.router.flush_timeout == 1h);
  CHECK(s.log.format == log_format::json);
  CHECK(s.log.level == log_level::debug);
}

TEST_CASE("environment variables TOR_<SECTION>_<KEY> override the file") {
  const env_map env = {{"TOR_MYSQL_PORT", "3999"},
                       {"TOR_MYSQL_PASSWORD", "s3cret: {not yaml}"},
                       {"TOR_KAFKA_BROKERS", "k1:9092,k2:9092"},
                       {"TOR_OUTBOX_ROUTES", "[{pattern: a.*, topic: ta}, {pattern: b, topic: tb}]"},
                       {"TOR_KAFKA_PROPERTIES", "{acks: all}"},
                       {"TOR_ROUTER_CHECKPOINT_INTERVAL", "250ms"},
                       {"TOR_KAFKA_PORT", "29092"},  // another tool's variable: not a setting
                       {"TOR_RUN_DIR", "/tmp/x"},
                       {"PATH", "/bin"}};
  const auto l = load(minimal, "tor.yaml", env);
  const auto& s = l.values;
  CHECK(s.mysql.port == 3999);
  CHECK(s.mysql.password == "s3cret: {not yaml}");
  CHECK(s.kafka.brokers == "k1:9092,k2:9092");
  REQUIRE(s.outbox.routes.size() == 2);
  CHECK(s.outbox.routes[1].topic == "tb");
  CHECK(s.kafka.properties.at("acks") == "all");
  CHECK(s.router.checkpoint_interval == 250ms);
  CHECK(*l.origins.find("mysql.port") == "TOR_MYSQL_PORT");
  CHECK(l.ignored_env == std::vector<std::string>{"TOR_KAFKA_PORT"});
}

TEST_CASE("environment values are checked like file values") {
  CHECK(error_of(minimal, {{"TOR_MYSQL_PORT", "70000"}}) ==
        "environment variable TOR_MYSQL_PORT: mysql.port: \"70000\" is out of range (0..65535)");
  CHECK(error_of(minimal, {{"TOR_OUTBOX_ROUTES", "[{pattern: a"}}).rfind(
            "environment variable TOR_OUTBOX_ROUTES: outbox.routes: not valid YAML", 0) == 0);
  CHECK(error_of(minimal, {{"TOR_OUTBOX_ROUTES", "[{pattern: '(', topic: t}]"}}).rfind(
            "TOR_OUTBOX_ROUTES: outbox.routes[0].pattern: bad regular expression \"(\"", 0) == 0);
}

TEST_CASE("each bad file gives one line naming the key and its line") {
  SECTION("unknown key, with a suggestion") {
    CHECK(error_of("mysql:\n  user: tor\n  pasword: x\n") ==
          "tor.yaml:3:3: mysql.pasword: unknown key (did you mean \"password\"?)");
    CHECK(error_of("mysqll:\n  user: tor\n") == "tor.yaml:1:1: mysqll: unknown key (did you mean \"mysql\"?)");
    CHECK(error_of("dbHostname: x\n") == "tor.yaml:1:1: dbHostname: unknown key (did you mean \"dbHost\"?)");
  }
  SECTION("wrong type") {
    CHECK(error_of("mysql:\n  port: [1]\n") == "tor.yaml:2:9: mysql.port: expected an integer, got a list");
    CHECK(error_of("mysql:\n  port: abc\n") == "tor.yaml:2:9: mysql.port: expected an integer, got \"abc\"");
    CHECK(error_of("router:\n  checkpoint_interval: 5\n") ==
          "tor.yaml:2:24: router.checkpoint_interval: expected a duration such as 250ms, 5s, 2m or 1h, got \"5\"");
    CHECK(error_of("log:\n  format: xml\n") == "tor.yaml:2:11: log.format: expected one of text, json, got \"xml\"");
    CHECK(error_of("kafka:\n  create_topics: maybe\n") ==
          "tor.yaml:2:18: kafka.create_topics: expected true or false, got \"maybe\"");
    CHECK(error_of("kafka: 3\n") == "tor.yaml:1:8: kafka: expected a map of settings, got \"3\"");
  }
  SECTION("missing required value") {
    CHECK(error_of("kafka: {brokers: [a:1]}\noutbox: {tables: [a.b]}\n") ==
          "tor.yaml: mysql.user: required, but empty or not set (set mysql.user in the file or TOR_MYSQL_USER in "
          "the environment)");
    CHECK(error_of(std::string(minimal) + "  routes: [{pattern: x}]\n") ==
          "tor.yaml:8: outbox.routes[0].topic: required, but empty or not set");
  }
  SECTION("bad regular expression") {
    CHECK(error_of(std::string(minimal) + "  routes:\n    - pattern: \"order(\"\n      topic: t\n")
              == "tor.yaml:9: outbox.routes[0].pattern: bad regular expression \"order(\": missing ): order( "
                 "(RE2 syntax, as Go's regexp)");
    CHECK(error_of("dbUser: u\nkafkaBrokers: a:1\ndbOutboxTableRef: s.outbox\n"
                   "kafkaTopics:\n  - name: t\n    aggregateTypeRegexp: \"[\"\n")
              .rfind("tor.yaml:5 (kafkaTopics): outbox.routes[0].pattern: bad regular expression", 0) == 0);
  }
  SECTION("semantic checks name the key") {
    CHECK(error_of(std::string(minimal) + "  tables: [outbox]\n") == "tor.yaml:8:3: outbox.tables: is set twice");
    CHECK(error_of("mysql: {user: u, start: nowhere}\nkafka: {brokers: [a:1]}\noutbox: {tables: [a.b]}\n") ==
          "tor.yaml:1:25: mysql.start: expected end, beginning or FILE:OFFSET, got \"nowhere\"");
    CHECK(error_of("mysql: {user: u}\nkafka: {brokers: [nohost]}\noutbox: {tables: [a.b]}\n") ==
          "tor.yaml:2: kafka.brokers: broker \"nohost\" is not host:port");
    CHECK(error_of("mysql: {user: u}\nkafka: {brokers: [a:1]}\noutbox: {tables: [outbox]}\n") ==
          "tor.yaml:3: outbox.tables: table \"outbox\" must be written schema.table (or *.table for every schema)");
    CHECK(error_of(std::string(minimal) + "kafka_x: 1\n") ==
          "tor.yaml:8:1: kafka_x: unknown key (did you mean \"kafka\"?)");
  }
  SECTION("an original key and its new key both set") {
    CHECK(error_of(std::string(minimal) + "dbUser: other\n") ==
          "tor.yaml:8:9: dbUser: sets mysql.user, which is also set at tor.yaml:3; keep one of them");
  }
  SECTION("not YAML") {
    CHECK(error_of("mysql:\n  user: [tor\n").rfind("tor.yaml:3:1: not valid YAML: ", 0) == 0);
  }
}

TEST_CASE("the printed settings mask secrets and say where values came from") {
  const auto l = load(std::string(minimal) + "redis: {host: r, password: hunter2}\n", "tor.yaml",
                      {{"TOR_MYSQL_PASSWORD", "pw"},
                       {"TOR_KAFKA_PROPERTIES", "{sasl.password: kafkapw, ssl.key.pem: PEMDATA, sasl.mechanism: PLAIN}"}});
  const auto text = to_yaml(l);
  CHECK(text.find("hunter2") == std::string::npos);
  CHECK(text.find("kafkapw") == std::string::npos);
  CHECK(text.find("PEMDATA") == std::string::npos);
  CHECK(text.find("sasl.mechanism: \"PLAIN\"") != std::string::npos);
  CHECK(text.find("pw\"") == std::string::npos);
  CHECK(text.find("password: \"********\"  # from TOR_MYSQL_PASSWORD") != std::string::npos);
  CHECK(text.find("user: \"tor\"  # from tor.yaml:3") != std::string::npos);
  // What is printed loads back to the same settings (secrets aside).
  auto again = load(text, "printed.yaml", {{"TOR_MYSQL_PASSWORD", "pw"}, {"TOR_REDIS_PASSWORD", "hunter2"}});
  CHECK(again.values.kafka.properties.at("sasl.mechanism") == "PLAIN");
  CHECK(again.values.kafka.brokers == l.values.kafka.brokers);
  CHECK(again.values.router.max_in_flight_bytes == l.values.router.max_in_flight_bytes);
  CHECK(again.values.outbox.topic_template == l.values.outbox.topic_template);
}

namespace {

/// A file holding `text`, removed at the end of the test.
struct temp_file {
  std::string path;
  explicit temp_file(const std::string& text) {
    char name[] = "/tmp/tor-config-test-XXXXXX";
    const int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    path = name;
    REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    ::close(fd);
  }
  ~temp_file() { std::remove(path.c_str()); }
};

}  // namespace

TEST_CASE("a secret is read from the file named by its _file key, once, and never printed") {
  temp_file pw("s3cret-from-file\n");
  const auto l = load(std::string(minimal) + "redis:\n  host: r\n  password_file: " + pw.path + "\n", "tor.yaml", {});
  CHECK(l.values.redis.password == "s3cret-from-file");  // the trailing newline is dropped
  CHECK(*l.origins.find("redis.password") == "file " + pw.path + " (named by tor.yaml:10)");
  const auto printed = to_yaml(l);
  CHECK(printed.find("s3cret") == std::string::npos);
  CHECK(printed.find("from file " + pw.path) != std::string::npos);
}

TEST_CASE("secret files also come from TOR_<SECTION>_<KEY>_FILE, nested keys from TOR_<SECTION>_<PART>_<KEY>") {
  temp_file pw("sasl-pw");
  const auto l = load(minimal, "tor.yaml",
                      {{"TOR_KAFKA_SASL_PASSWORD_FILE", pw.path}, {"TOR_KAFKA_SASL_USERNAME", "tor"},
                       {"TOR_KAFKA_SECURITY_PROTOCOL", "sasl_ssl"}, {"TOR_MYSQL_TLS_MODE", "required"}});
  CHECK(l.values.kafka.sasl.password == "sasl-pw");
  CHECK(l.values.kafka.security.protocol == tor::kafka::security_protocol::sasl_ssl);
  CHECK(l.values.mysql.tls.mode == tor::mysql::tls_mode::required);
  CHECK(*l.origins.find("kafka.sasl.password") == "file " + pw.path + " (named by TOR_KAFKA_SASL_PASSWORD_FILE)");
  CHECK(l.ignored_env.empty());
}

TEST_CASE("a secret file that cannot be used is an error naming the key") {
  CHECK(error_of(std::string(minimal) + "redis: {host: r, password_file: /nonexistent/pw}") ==
        "tor.yaml:8:33: redis.password_file: cannot read /nonexistent/pw: No such file or directory");
  temp_file empty("");
  CHECK(error_of(std::string(minimal) + "redis: {host: r, password_file: " + empty.path + "}")
            .find("redis.password_file: " + empty.path + " is empty") != std::string::npos);
  temp_file pw("x");
  CHECK(error_of(std::string(minimal) + "redis: {host: r, password: a, password_file: " + pw.path + "}")
            .find("redis.password_file: set together with redis.password") != std::string::npos);
  CHECK(error_of(minimal, {{"TOR_REDIS_PASSWORD", "a"}, {"TOR_REDIS_PASSWORD_FILE", pw.path}})
            .find("both set redis.password") != std::string::npos);
}

TEST_CASE("a MySQL CA without a mode means verify_identity, and TLS settings are checked together") {
  const auto l = load(R"(
mysql:
  user: tor
  tls: {ca: /ca.pem}
kafka: {brokers: [k:9092]}
outbox: {tables: [a.b]}
)",
           "tor.yaml", {});
  CHECK(l.values.mysql.tls.mode == tor::mysql::tls_mode::verify_identity);
  const std::string base = "mysql:\n  user: tor\n  tls: ";
  const std::string rest = "\nkafka: {brokers: [k:9092]}\noutbox: {tables: [a.b]}\n";
  CHECK(error_of(base + "{mode: verify_ca}" + rest) ==
        "tor.yaml:3: mysql.tls.ca: required with mysql.tls.mode verify_ca (the CA the server's certificate must "
        "chain to)");
  CHECK(error_of(base + "{mode: required, ca: /ca.pem}" + rest).find("mysql.tls.ca: is only used to verify") !=
        std::string::npos);
  CHECK(error_of(base + "{cert: /c.pem}" + rest).find("mysql.tls.key: mysql.tls.cert and mysql.tls.key go together") !=
        std::string::npos);
}

TEST_CASE("Kafka TLS and SASL settings must match the security protocol") {
  const std::string head = "mysql: {user: tor}\noutbox: {tables: [a.b]}\nkafka:\n  brokers: [k:9092]\n";
  CHECK(error_of(head + "  tls: {ca: /ca.pem}\n").find("kafka.tls.ca: is set, but kafka.security.protocol is "
                                                       "plaintext") != std::string::npos);
  CHECK(error_of(head + "  security: {protocol: sasl_ssl}\n  sasl: {username: u}\n")
            .find("kafka.sasl.password: required with kafka.security.protocol sasl_ssl") != std::string::npos);
  CHECK(error_of(head + "  sasl: {username: u, password: p}\n").find("kafka.sasl: credentials are set") !=
        std::string::npos);
  CHECK(error_of("redis: {host: r, tls: {ca: /ca.pem}}\n" + head).find("redis.tls.enabled: redis.tls files are set") !=
        std::string::npos);
}

TEST_CASE("hot standby: off by default, a 10 s lease, needs Redis, set from the file or the environment") {
  const auto d = load(minimal, "tor.yaml", {}).values;
  CHECK_FALSE(d.ha.enabled);
  CHECK(d.ha.lease_ttl == 10s);
  const std::string with_redis = std::string(minimal) + "redis:\n  host: 127.0.0.1\n";
  const auto l = load(with_redis + "ha:\n  enabled: true\n  lease_ttl: 3s\n", "tor.yaml", {});
  CHECK(l.values.ha.enabled);
  CHECK(l.values.ha.lease_ttl == 3s);
  const auto e = load(with_redis, "tor.yaml", {{"TOR_HA_ENABLED", "true"}, {"TOR_HA_LEASE_TTL", "2s"}});
  CHECK(e.values.ha.enabled);
  CHECK(e.values.ha.lease_ttl == 2s);
  CHECK(*e.origins.find("ha.lease_ttl") == "TOR_HA_LEASE_TTL");
  CHECK(error_of(std::string(minimal) + "ha:\n  enabled: true\n") ==
        "tor.yaml:9: ha.enabled: needs Redis: the lease lives there (set redis.host, or turn ha.enabled off)");
  CHECK(error_of(with_redis, {{"TOR_HA_ENABLED", "true"}, {"TOR_HA_LEASE_TTL", "500ms"}}) ==
        "TOR_HA_LEASE_TTL: ha.lease_ttl: must be at least 1s");
  CHECK(to_yaml(e).find("lease_ttl: 2s") != std::string::npos);
}

TEST_CASE("the kafka section is the Kafka dispatcher's config, exactly-once and topic options included") {
  const auto l = load(R"(
mysql: {user: tor}
outbox: {tables: [app.outbox]}
kafka:
  brokers: [k1:9092, k2:9092]
  exactly_once: true
  transactional_id: orders-relay
  checkpoint_topic: relay.checkpoints
  transaction_timeout: 2m
  create_topics: true
  topic_configs: {min.insync.replicas: "2"}
  topics: [{name: audit, partitions: 1}]
)",
                      "tor.yaml", {{"TOR_KAFKA_TOPIC_TIMEOUT", "45s"}, {"TOR_KAFKA_CHECKPOINT_KEY", "eu"}});
  const tor::kafka::config& k = l.values.kafka;  // no copy: the section is the library's struct
  CHECK(k.brokers == "k1:9092,k2:9092");
  CHECK(k.exactly_once);
  CHECK(k.transactional_id == "orders-relay");
  CHECK(k.checkpoint_topic == "relay.checkpoints");
  CHECK(k.checkpoint_key == "eu");
  CHECK(k.transaction_timeout == 2min);
  CHECK(k.topics.create_missing);
  CHECK(k.topics.configs.at("min.insync.replicas") == "2");
  CHECK(k.topics.timeout == 45s);
  CHECK(*l.origins.find("kafka.topic_timeout") == "TOR_KAFKA_TOPIC_TIMEOUT");
  REQUIRE(l.values.kafka.topic_list.size() == 1);
  CHECK(l.values.kafka.topic_list[0].name == "audit");
  const auto props = tor::kafka::producer_properties(k);
  CHECK(*tor::kafka::effective_property(props, "transaction.timeout.ms") == "120000");
  CHECK(*tor::kafka::effective_property(props, "transactional.id") == "orders-relay");
  CHECK(*tor::kafka::effective_property(props, "delivery.timeout.ms") == "120000");  // capped to the transaction's
  const auto printed = to_yaml(l);
  CHECK(printed.find("transaction_timeout: 2m") != std::string::npos);
  CHECK(printed.find("topic_timeout: 45s  # from TOR_KAFKA_TOPIC_TIMEOUT") != std::string::npos);

  const std::string head = "mysql: {user: tor}\noutbox: {tables: [a.b]}\nkafka:\n  brokers: [k:9092]\n";
  CHECK(error_of(head + "  transaction_timeout: 500ms\n") ==
        "tor.yaml:5: kafka.transaction_timeout: must be at least 1s");
  CHECK(error_of(head + "  exactly_once: true\n  checkpoint_topic: \"\"\n") ==
        "tor.yaml:6: kafka.checkpoint_topic: required with kafka.exactly_once (e.g. tor.checkpoints)");
  CHECK(error_of(head + "  topic_timeout: 0\n") == "tor.yaml:5: kafka.topic_timeout: must be more than 0");
}

// The service's configuration: YAML, environment overrides, validation
// messages (one line naming the key and its line) and printed settings.
// Per-section rules are in config_sections_test.cpp, the original Tor's
// files in config_original_test.cpp, the reference and docs in
// config_docs_test.cpp.
#include <catch2/catch.hpp>

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

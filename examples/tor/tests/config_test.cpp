// The service's configuration: YAML in both layouts, environment overrides,
// validation messages (one line naming the key and its line) and the
// generated reference staying in sync with docs/configuration.md.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <tor/core/router.hpp>
#include <tor/testing/memory_source.hpp>

#include "config/config.hpp"
#include "mapper.hpp"

using namespace tor_service::config;
using namespace std::chrono_literals;
using env_map = std::map<std::string, std::string>;

namespace {

const char* minimal = R"(
mysql:
  user: tor
kafka:
  brokers: [127.0.0.1:9092]
outbox:
  tables: [app.outbox]
)";

std::string error_of(const std::string& yaml, const env_map& env = {}) {
  try {
    (void)load(yaml, "tor.yaml", env);
  } catch (const config_error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

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

TEST_CASE("the original Tor's file is accepted as it is") {
  const auto l = load(R"(dbHost: db.local
dbPort: "3307"
dbUser: tor
dbPassword: secret
dbOutboxTableRef: shop.outbox
dbAggregateIDColumnName: aggregate_id
dbAggregateTypeColumnName: aggregate_type
dbPayloadColumnName: payload
kafkaBrokers:
  - kafka:9092
kafkaTopics:
  - name: orders
    numPartitions: 6
    replicationFactor: 1
    aggregateTypeRegexp: ^order$
  - name: everything
    aggregateTypeRegexp: ""
kafkaHeaderMappings:
  - columnName: tenant_id
    headerName: x-tenant
redisHost: redis
redisPort: 6380
redisDB: 2
redisKey: tor-state
)",
                      "old.yaml", {});
  const auto& s = l.values;
  CHECK(s.mysql.host == "db.local");
  CHECK(s.mysql.port == 3307);
  CHECK(s.mysql.user == "tor");
  CHECK(s.mysql.password == "secret");
  CHECK(s.outbox.tables == std::vector<std::string>{"shop.outbox"});
  CHECK(s.outbox.preset == outbox_preset::original_tor);
  CHECK(s.outbox.id_column.empty());  // the id is the binlog coordinates, as the original had no id column
  CHECK(s.outbox.type_column.empty());
  CHECK(s.outbox.key_column == "aggregate_id");
  REQUIRE(s.outbox.routes.size() == 2);
  CHECK(s.outbox.routes[0].pattern == "^order$");
  CHECK(s.outbox.routes[0].search);  // searched in the value, as Go's MatchString did
  CHECK(s.outbox.routes[0].topic == "orders");
  CHECK(s.outbox.routes[1].pattern == ".*");  // Go's empty pattern matched every value
  CHECK(s.outbox.routes[1].search);
  CHECK(s.outbox.fan_out);
  // With no checkpoint the original started at the oldest binlog on the server.
  CHECK(s.mysql.start.to_string() == "beginning");
  CHECK(l.origins.find("mysql.start")->find("the original started at the oldest binlog") != std::string::npos);
  CHECK(s.outbox.unrouted == tor::on_invalid::skip);
  REQUIRE(s.kafka.topic_list.size() == 2);
  CHECK(s.kafka.topic_list[0].partitions == 6);
  CHECK(s.kafka.topic_list[1].partitions == -1);
  CHECK(s.kafka.topics.create_missing);
  REQUIRE(s.outbox.fields.size() == 1);
  CHECK(s.outbox.fields[0].column == "tenant_id");
  CHECK(s.outbox.fields[0].header == "x-tenant");
  CHECK(s.redis.host == "redis");
  CHECK(s.redis.port == 6380);
  CHECK(s.redis.database == 2);
  CHECK(s.redis.key == "tor-state");
  CHECK(*l.origins.find("redis.key") == "old.yaml:24 (redisKey)");
  CHECK(l.legacy_keys.size() == 15);
  // An explicit start (file or environment) still wins.
  CHECK(load("dbUser: u\nkafkaBrokers: a:1\ndbOutboxTableRef: s.o\nmysql: {start: end}\n", "f.yaml", {})
            .values.mysql.start.to_string() == "end");
  CHECK(load("dbUser: u\nkafkaBrokers: a:1\ndbOutboxTableRef: s.o\n", "f.yaml", {{"TOR_MYSQL_START", "end"}})
            .values.mysql.start.to_string() == "end");
}

TEST_CASE("dbOutboxTableRef means what the original's anchored regular expression over schema.table meant") {
  const auto tables_of = [](const std::string& ref) {
    return load("dbUser: u\nkafkaBrokers: a:1\ndbOutboxTableRef: '" + ref + "'\n", "f.yaml", {}).values.outbox.tables;
  };
  CHECK(tables_of("my_schema.my_outbox_table") == std::vector<std::string>{"my_schema.my_outbox_table"});
  CHECK(tables_of("my_schema\\.my_outbox_table") == std::vector<std::string>{"my_schema.my_outbox_table"});
  // ^outbox$ never matched "schema.table" in the original: it relayed nothing. Refused, saying so.
  CHECK(error_of("dbUser: u\nkafkaBrokers: a:1\ndbOutboxTableRef: outbox\n") ==
        "tor.yaml:3:19: dbOutboxTableRef: \"outbox\" names no schema. The original Tor matched it as the regular "
        "expression ^outbox$ against schema.table, which no table matches, so it relayed nothing; write "
        "SCHEMA.outbox (or set outbox.tables: [\"*.outbox\"] for every schema)");
  CHECK(error_of("dbUser: u\nkafkaBrokers: a:1\ndbOutboxTableRef: app.outbox_.*\n")
            .find("is a regular expression over schema.table; tor names outbox tables as SCHEMA.TABLE") !=
        std::string::npos);
}

TEST_CASE("the original Tor's example files load and route as the original routed them") {
  for (const char* name : {"tor-docker.yaml", "tor-bare-metal.yaml"}) {
    INFO(name);
    const auto l = load_file(std::string(TOR_SOURCE_DIR) + "/examples/tor/tests/original/" + name, {});
    const auto& s = l.values;
    CHECK(s.mysql.user == "root");
    CHECK(s.mysql.port == 3306);
    CHECK(s.mysql.start.to_string() == "beginning");
    CHECK(s.outbox.tables == std::vector<std::string>{"my_schema.my_outbox_table"});
    REQUIRE(s.outbox.routes.size() == 1);
    CHECK(s.outbox.routes[0].pattern == "(?i)^order$");
    CHECK(s.outbox.routes[0].topic == "outbox_topic");
    CHECK(s.outbox.routes[0].search);
    CHECK(s.outbox.unrouted == tor::on_invalid::skip);
    CHECK(s.kafka.brokers == (std::string_view(name) == "tor-docker.yaml" ? "kafka:9092" : "localhost:9093"));
    CHECK(s.redis.key == "last_log_position_read");
    REQUIRE(s.outbox.fields.size() == 1);
    CHECK(s.outbox.fields[0].header == "uuid");

    // Route rows as the original did: the aggregate type searched with
    // (?i)^order$, the aggregate id as the key, the uuid column as a header;
    // rows of other types skipped, other tables ignored.
    std::vector<std::string> warnings;
    tor_service::service_mapper mapper(s.outbox, [&](const std::string& w) { warnings.push_back(w); });
    const std::vector<std::string> cols = {"id", "uuid", "aggregate_id", "aggregate_type", "payload"};
    const auto outbox = tor::testing::make_table("my_schema", "my_outbox_table", cols);
    const auto other = tor::testing::make_table("other_schema", "my_outbox_table", cols);
    std::vector<tor::message> out;
    const auto row = [&](const std::shared_ptr<const tor::table_info>& t, std::string type) {
      tor::row_change r;
      r.op = tor::row_op::insert;
      r.table = t;
      r.after.values = {std::int64_t{1}, std::string("u-" + type), std::string("agg-" + type), type,
                        std::string(R"({"n":1})")};
      r.position = {"bin.000001", 100};
      mapper.map(r, {}, out);
    };
    for (const char* type : {"order", "Order", "ORDER", "orders", "reorder", "invoice"}) row(outbox, type);
    row(other, "order");
    REQUIRE(out.size() == 3);
    for (std::size_t i = 0; i < out.size(); ++i) {
      CHECK(out[i].topic == "outbox_topic");
      CHECK(out[i].value == std::optional<std::string>(R"({"n":1})"));
    }
    CHECK(out[0].key == "agg-order");
    CHECK(out[1].key == "agg-Order");
    CHECK(out[2].key == "agg-ORDER");
    CHECK(*out[2].find_header("uuid") == "u-ORDER");
    CHECK(warnings.size() == 3);  // orders, reorder, invoice: skipped, as the original skipped them
  }
}

TEST_CASE("the original's single-topic keys go together") {
  CHECK(error_of("dbUser: u\nkafkaBrokers: a:1\ndbOutboxTableRef: s.o\naggregateTypeRegexp: x\n") ==
        "tor.yaml:4:22: aggregateTypeRegexp: needs kafkaTopic, the topic it routes to");
  CHECK(error_of("dbUser: u\nkafkaBrokers: a:1\ndbOutboxTableRef: s.o\nkafkaTopic: t\n"
                 "kafkaTopics: [{name: t2, aggregateTypeRegexp: x}]\n")
            .find("sets outbox.routes, which is also set at tor.yaml:4 (kafkaTopic)") != std::string::npos);
  const auto l = load("dbUser: u\nkafkaBrokers: a:1\ndbOutboxTableRef: s.o\nkafkaTopic: t\n", "f.yaml", {});
  REQUIRE(l.values.outbox.routes.size() == 1);
  CHECK(l.values.outbox.routes[0].pattern == ".*");  // no aggregateTypeRegexp: every row, the original's default
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

TEST_CASE("docs/configuration.md lists every key with its default") {
  std::ifstream in(std::string(TOR_SOURCE_DIR) + "/docs/configuration.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const std::string begin = "<!-- BEGIN GENERATED: tor --print-reference -->\n";
  const std::string end = "<!-- END GENERATED -->";
  const auto b = doc.find(begin);
  const auto e = doc.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  INFO("regenerate the reference with: build/examples/tor/tor --print-reference");
  CHECK(doc.substr(b + begin.size(), e - b - begin.size()) == reference_markdown());
}

TEST_CASE("the shipped example configurations load") {
  for (const char* name : {"tor.example.yaml", "original-tor.yaml", "docker/tor.yaml"}) {
    INFO(name);
    const auto l = load_file(std::string(TOR_SOURCE_DIR) + "/examples/tor/" + name, {{"TOR_MYSQL_PASSWORD", "x"}});
    CHECK_FALSE(l.values.outbox.tables.empty());
    CHECK_FALSE(l.values.kafka.brokers.empty());
  }
}

TEST_CASE("code quoted in the docs is the compiled code") {
  // A fenced block right after <!-- quote: PATH --> must appear verbatim in PATH.
  const auto read = [](const std::string& path) {
    std::ifstream in(std::string(TOR_SOURCE_DIR) + "/" + path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  std::size_t quotes = 0;
  for (const char* doc : {"docs/getting-started.md", "docs/configuration.md", "docs/architecture.md",
                          "docs/guarantees.md", "docs/operations.md", "docs/custom-mapper.md", "docs/testing.md",
                          "docs/state-stores.md"}) {
    const std::string text = read(doc);
    REQUIRE_FALSE(text.empty());
    const std::string marker = "<!-- quote: ";
    for (auto p = text.find(marker); p != std::string::npos; p = text.find(marker, p + 1)) {
      const auto path_end = text.find(" -->", p);
      const std::string path = text.substr(p + marker.size(), path_end - p - marker.size());
      const auto open = text.find("```", path_end);
      const auto body = text.find('\n', open) + 1;
      const auto close = text.find("\n```", body);
      const std::string block = text.substr(body, close - body + 1);
      INFO(doc << " quotes " << path << ":\n" << block);
      CHECK(read(path).find(block) != std::string::npos);
      ++quotes;
    }
  }
  CHECK(quotes >= 6);
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

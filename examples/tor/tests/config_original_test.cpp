// The original Tor's configuration files, read as they are, and what each
// of their keys means here. The original's own example files, loaded and
// routed, are in config_original_files_test.cpp.
#include <catch2/catch.hpp>

#include "config_support.hpp"

using namespace tor_service::config;
using namespace tor_service::config::testing;
using namespace std::chrono_literals;

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

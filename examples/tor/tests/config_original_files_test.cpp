// The original Tor's own example files, loaded as they are and routed
// through the service's mapper as the original routed them.
#include <catch2/catch.hpp>

#include <tor/testing/memory_source.hpp>

#include "config_support.hpp"
#include "mapper.hpp"

using namespace tor_service::config;
using namespace tor_service::config::testing;
using namespace std::chrono_literals;

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

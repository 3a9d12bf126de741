// tor::kafka::dispatcher's configuration checks, and librdkafka's log lines
// reaching the sink, against librdkafka's in-process mock cluster.
#include "support.hpp"

#include <set>
#include <thread>

using namespace tor::kafka::test;
using tor::delivery;
using tor::kafka::config;
using tor::kafka::dispatcher;
using tor::kafka::poison_policy;

TEST_CASE("configuration that would break ordering or is incomplete is refused with the setting named") {
  auto refused = [](config c, const std::string& needle) {
    try {
      dispatcher d(std::move(c));
    } catch (const tor::error& e) {
      INFO(e.what());
      CHECK(e.kind() == tor::error_kind::invalid_argument);
      CHECK_THAT(e.what(), Catch::Contains(needle));
      return;
    }
    FAIL("accepted a configuration that should be refused (" << needle << ")");
  };
  config ok;
  ok.brokers = "127.0.0.1:1";
  dispatcher fine(ok);  // connects lazily; constructing needs no broker

  config c = ok;
  c.brokers.clear();
  refused(c, "no brokers");
  c = ok;
  c.properties["enable.idempotence"] = "false";
  refused(c, "enable.idempotence=false");
  c.properties["max.in.flight.requests.per.connection"] = "1";
  dispatcher unsafe_but_ordered(c);
  c = ok;
  c.max_in_flight = 6;
  refused(c, "max_in_flight");
  c = ok;
  c.on_poison = poison_policy::dead_letter;
  refused(c, "dead_letter_topic");
  c = ok;
  c.properties["no.such.property"] = "1";
  refused(c, "no.such.property");
  c = ok;
  c.properties["transactional.id"] = "x";
  refused(c, "transactional.id");
  c = ok;
  c.compression = "brotli";
  refused(c, "compression.codec=brotli");

  CHECK(tor::kafka::parse_poison_policy("dead-letter") == poison_policy::dead_letter);
  CHECK_THROWS_WITH(tor::kafka::parse_poison_policy("drop"), Catch::Contains("stop, skip or dead_letter"));
}

TEST_CASE("librdkafka's log lines reach the sink on the caller's thread") {
  mock_cluster mc(1);
  const auto topic = unique_topic("log");
  mc.create_topic(topic, 1, 1);
  auto c = mock_config(mc);
  c.properties["debug"] = "broker";
  std::set<std::thread::id> threads;
  std::size_t lines = 0;
  c.log = [&](tor::kafka::log_level, std::string_view, std::string_view) {
    threads.insert(std::this_thread::get_id());
    ++lines;
  };
  dispatcher d(c);
  d.send(make_message(topic, "a", 0), 1);
  REQUIRE(d.flush(10s));
  CHECK(lines > 0);
  CHECK(threads == std::set<std::thread::id>{std::this_thread::get_id()});
}

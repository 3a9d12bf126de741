// tor::kafka::dispatcher against librdkafka's in-process mock cluster: the
// fault paths a real single broker cannot produce on demand (retriable
// produce errors, leader changes, per-request permanent errors, a fatal
// idempotence error), each checked by reading back what the cluster stored.
#include "support.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "laws/dispatcher_laws.hpp"
#include <tor/kafka/dispatcher.hpp>

using namespace tor::kafka::test;
using tor::delivery;
using tor::kafka::config;
using tor::kafka::dispatcher;
using tor::kafka::poison_policy;

namespace {

config mock_config(const mock_cluster& mc) {
  config c;
  c.brokers = mc.bootstraps();
  c.properties["retry.backoff.ms"] = "10";
  return c;
}

/// Polls until `count` reports arrived (or 30 s passed).
std::vector<delivery> collect(dispatcher& d, std::size_t count, std::vector<delivery> reports = {}) {
  const auto end = std::chrono::steady_clock::now() + 30s;
  while (reports.size() < count && std::chrono::steady_clock::now() < end) d.poll(reports, 100ms);
  return reports;
}

/// Every token 1..n acknowledged exactly once.
void require_all_acknowledged(const std::vector<delivery>& reports, std::uint64_t n) {
  REQUIRE(reports.size() == n);
  std::set<std::uint64_t> tokens;
  for (const auto& r : reports) {
    INFO("token " << r.token << ": " << r.error);
    REQUIRE(r.ok());
    tokens.insert(r.token);
  }
  REQUIRE(tokens.size() == n);
  REQUIRE(*tokens.begin() == 1);
  REQUIRE(*tokens.rbegin() == n);
}

/// Per key, the stored records carry sequence numbers 0, 1, 2, ... in offset
/// order, each exactly once, in a single partition.
void require_key_order(const std::vector<record>& records, const std::map<std::string, std::uint64_t>& sent_per_key) {
  std::map<std::string, std::vector<const record*>> by_key;
  for (const auto& r : records) by_key[r.key].push_back(&r);
  REQUIRE(by_key.size() == sent_per_key.size());
  for (auto& [key, recs] : by_key) {
    INFO("key " << key);
    std::sort(recs.begin(), recs.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
    REQUIRE(recs.size() == sent_per_key.at(key));
    for (std::size_t i = 0; i < recs.size(); ++i) {
      REQUIRE(recs[i]->partition == recs[0]->partition);
      REQUIRE(sequence_of(*recs[i]->value) == i);
      REQUIRE(recs[i]->find_header("tor.binlog.pos"));
    }
  }
}

}  // namespace

TEST_CASE("retriable produce errors are retried without loss, duplicates or reordering") {
  mock_cluster mc(3);
  const auto topic = unique_topic("retry");
  mc.create_topic(topic, 4);
  auto c = mock_config(mc);
  // librdkafka's message debug lines show each produce error it handled.
  std::vector<std::string> errors_seen;
  c.properties["debug"] = "msg";
  c.log = [&](tor::kafka::log_level, std::string_view, std::string_view text) {
    if (text.find("encountered error") != std::string_view::npos) errors_seen.emplace_back(text);
  };
  dispatcher d(std::move(c));

  std::map<std::string, std::uint64_t> per_key;
  std::uint64_t token = 0;
  std::vector<delivery> reports;
  auto send_some = [&](int n) {
    for (int i = 0; i < n; ++i) {
      const auto key = "key-" + std::to_string(i % 40);
      d.send(make_message(topic, key, per_key[key]++), ++token);
      d.poll(reports, 0ms);
    }
  };
  send_some(1500);
  // The next produce requests fail with errors a broker gives under load or
  // during fail-over; librdkafka must retry them in order.
  rd_kafka_mock_push_request_errors(mc.get(), produce_api, 8, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                    RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                                    RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
                                    RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR__TRANSPORT,
                                    RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
  send_some(1500);
  rd_kafka_mock_push_request_errors(mc.get(), produce_api, 4, RD_KAFKA_RESP_ERR__TRANSPORT,
                                    RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR__TRANSPORT,
                                    RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
  send_some(2000);
  REQUIRE(d.flush(30s));
  reports = collect(d, token, std::move(reports));
  require_all_acknowledged(reports, token);
  for (const auto& e : errors_seen) UNSCOPED_INFO(e);
  CHECK(errors_seen.size() >= 12);  // all 12 injected errors hit produce requests

  const auto records = read_topic(mc.bootstraps(), topic, 4, token);
  REQUIRE(records.size() == token);
  require_key_order(records, per_key);
  const auto counts = d.counts().at(topic);
  CHECK(counts.sent == token);
  CHECK(counts.acknowledged == token);
  CHECK(counts.failed == 0);
}

TEST_CASE("leader changes in the middle of a stream keep order and acknowledgements") {
  mock_cluster mc(3);
  const auto topic = unique_topic("leader");
  mc.create_topic(topic, 3);
  dispatcher d(mock_config(mc));

  std::map<std::string, std::uint64_t> per_key;
  std::uint64_t token = 0;
  std::vector<delivery> reports;
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 800; ++i) {
      const auto key = std::string("k").append(std::to_string(i % 25));
      d.send(make_message(topic, key, per_key[key]++), ++token);
      d.poll(reports, 0ms);
    }
    // Move every partition's leadership to another broker while messages are in flight.
    for (int p = 0; p < 3; ++p)
      REQUIRE(rd_kafka_mock_partition_set_leader(mc.get(), topic.c_str(), p, 1 + (p + round + 1) % 3) ==
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  REQUIRE(d.flush(30s));
  reports = collect(d, token, std::move(reports));
  require_all_acknowledged(reports, token);
  const auto records = read_topic(mc.bootstraps(), topic, 3, token);
  REQUIRE(records.size() == token);
  require_key_order(records, per_key);
}

namespace {

/// Three messages to partition 0, each in its own produce request; the
/// second one's request fails with `err`. Returns the reports by token.
struct poison_run {
  std::map<std::uint64_t, delivery> reports;
  std::map<std::string, tor::kafka::topic_counts> counts;
  std::vector<std::string> log;
};

poison_run run_with_refused_second(mock_cluster& mc, const std::string& topic, config c, rd_kafka_resp_err_t err) {
  poison_run run;
  c.log = [&](tor::kafka::log_level level, std::string_view facility, std::string_view text) {
    if (level <= tor::kafka::log_level::warning) run.log.push_back(std::string(facility) + ": " + std::string(text));
  };
  dispatcher d(std::move(c));
  std::vector<delivery> reports;
  for (std::uint64_t i = 0; i < 3; ++i) {
    if (i == 1) rd_kafka_mock_push_request_errors(mc.get(), produce_api, 1, err);
    auto m = make_message(topic, "order-17", i);
    m.partition = 0;
    d.send(std::move(m), i + 1);
    REQUIRE(d.flush(20s));
    d.poll(reports, 0ms);
  }
  for (auto& r : reports) REQUIRE(run.reports.emplace(r.token, r).second);
  run.counts = d.counts();
  return run;
}

}  // namespace

TEST_CASE("a message the broker refuses for good follows the poison-message policy") {
  mock_cluster mc(1);
  const auto topic = unique_topic("poison");
  const auto dlq = unique_topic("poison-dlq");
  mc.create_topic(topic, 2, 1);
  mc.create_topic(dlq, 1, 1);
  auto c = mock_config(mc);

  SECTION("stop (the default): the failure names topic, key and binlog position; later acks do not skip it") {
    const auto run = run_with_refused_second(mc, topic, c, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    REQUIRE(run.reports.size() == 3);
    CHECK(run.reports.at(1).ok());
    const auto& failed = run.reports.at(2).error;
    INFO(failed);
    CHECK_THAT(failed, Catch::Contains("topic '" + topic + "' partition 0") && Catch::Contains("key 'order-17'") &&
                           Catch::Contains("binlog mysql-bin.000007:1001/0") && Catch::Contains("MSG_SIZE_TOO_LARGE") &&
                           Catch::Contains("max.message.bytes"));
    // Message 3 did reach the broker, but acknowledging it would let the
    // checkpoint pass message 2.
    CHECK_FALSE(run.reports.at(3).ok());
    CHECK_THAT(run.reports.at(3).error, Catch::Contains("earlier message"));
    CHECK(run.counts.at(topic) == tor::kafka::topic_counts{3, 1, 2, 0, 0});
    const auto records = read_topic(mc.bootstraps(), topic, 2, 2);
    REQUIRE(records.size() == 2);
    CHECK(sequence_of(*records[0].value) == 0);
    CHECK(sequence_of(*records[1].value) == 2);
  }

  SECTION("skip: reported delivered, logged and counted; later messages flow") {
    c.on_poison = poison_policy::skip;
    const auto run = run_with_refused_second(mc, topic, c, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    REQUIRE(run.reports.size() == 3);
    for (auto& [token, r] : run.reports) CHECK(r.ok());
    CHECK(run.counts.at(topic) == tor::kafka::topic_counts{3, 2, 0, 1, 0});
    REQUIRE(std::count_if(run.log.begin(), run.log.end(), [](auto& l) { return l.find("skipped") != l.npos; }) == 1);
    CHECK_THAT(run.log.back(), Catch::Contains("key 'order-17'") && Catch::Contains("mysql-bin.000007:1001/0"));
    const auto records = read_topic(mc.bootstraps(), topic, 2, 2);
    REQUIRE(records.size() == 2);
  }

  SECTION("dead letter: the copy lands in the dead-letter topic with the error, then the original is reported") {
    c.on_poison = poison_policy::dead_letter;
    c.dead_letter_topic = dlq;
    const auto run = run_with_refused_second(mc, topic, c, RD_KAFKA_RESP_ERR_INVALID_RECORD);
    REQUIRE(run.reports.size() == 3);
    for (auto& [token, r] : run.reports) CHECK(r.ok());
    CHECK(run.counts.at(topic) == tor::kafka::topic_counts{3, 2, 0, 0, 1});
    CHECK(run.counts.at(dlq) == tor::kafka::topic_counts{1, 1, 0, 0, 0});
    const auto dead = read_topic(mc.bootstraps(), dlq, 1, 1);
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].key == "order-17");
    CHECK(sequence_of(*dead[0].value) == 1);
    REQUIRE(dead[0].find_header("tor.binlog.pos"));
    CHECK(*dead[0].find_header("tor.binlog.pos") == "1001/0");
    REQUIRE(dead[0].find_header("tor.dlq.topic"));
    CHECK(*dead[0].find_header("tor.dlq.topic") == topic);
    CHECK(*dead[0].find_header("tor.dlq.partition") == "0");
    CHECK_THAT(*dead[0].find_header("tor.dlq.error"), Catch::Contains("INVALID_RECORD"));
  }

  SECTION("dead letter that cannot be written: the original fails and stops") {
    c.on_poison = poison_policy::dead_letter;
    c.dead_letter_topic = dlq;
    dispatcher d(c);
    std::vector<delivery> reports;
    auto m0 = make_message(topic, "k", 0);
    m0.partition = 0;
    d.send(std::move(m0), 1);
    REQUIRE(d.flush(20s));
    rd_kafka_mock_push_request_errors(mc.get(), produce_api, 2, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE,
                                      RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
    auto m1 = make_message(topic, "k", 1);
    m1.partition = 0;
    d.send(std::move(m1), 2);
    REQUIRE(d.flush(20s));
    d.poll(reports, 0ms);
    REQUIRE(reports.size() == 2);
    CHECK(reports[0].ok());
    CHECK(reports[1].token == 2);
    CHECK_THAT(reports[1].error, Catch::Contains("could not write it to dead-letter topic '" + dlq + "'") &&
                                     Catch::Contains("TOPIC_AUTHORIZATION_FAILED") &&
                                     Catch::Contains("MSG_SIZE_TOO_LARGE"));
    CHECK(d.counts().at(topic).failed == 1);
  }

  SECTION("failures that are not the message's fault stop whatever the policy") {
    c.on_poison = poison_policy::skip;
    const auto run = run_with_refused_second(mc, topic, c, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
    REQUIRE(run.reports.size() == 3);
    CHECK(run.reports.at(1).ok());
    CHECK_THAT(run.reports.at(2).error,
               Catch::Contains("TOPIC_AUTHORIZATION_FAILED") && Catch::Contains("grant the producer's principal WRITE"));
    CHECK_FALSE(run.reports.at(3).ok());
    CHECK(run.counts.at(topic).skipped == 0);
  }
}

TEST_CASE("while a poison message's dead-letter copy is on its way, later reports of its partition wait for it") {
  mock_cluster mc(2);
  const auto topic = unique_topic("holdback");
  const auto dlq = unique_topic("holdback-dlq");
  mc.create_topic(topic, 1, 1);
  mc.create_topic(dlq, 1, 1);
  REQUIRE(rd_kafka_mock_partition_set_leader(mc.get(), topic.c_str(), 0, 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(rd_kafka_mock_partition_set_leader(mc.get(), dlq.c_str(), 0, 2) == RD_KAFKA_RESP_ERR_NO_ERROR);
  auto c = mock_config(mc);
  c.on_poison = poison_policy::dead_letter;
  c.dead_letter_topic = dlq;
  dispatcher d(c);
  std::vector<delivery> reports;
  d.send(make_message(topic, "k", 0), 1);
  REQUIRE(d.flush(10s));
  d.poll(reports, 0ms);

  rd_kafka_mock_broker_set_rtt(mc.get(), 2, 700);  // the dead-letter copy is slow to be acknowledged
  rd_kafka_mock_broker_push_request_error_rtts(mc.get(), 1, produce_api, 1, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, 0);
  d.send(make_message(topic, "k", 1), 2);
  const auto end = std::chrono::steady_clock::now() + 100ms;
  while (std::chrono::steady_clock::now() < end) d.poll(reports, 10ms);  // the poison request is answered
  for (std::uint64_t i = 2; i < 20; ++i) d.send(make_message(topic, "k", i), i + 1);
  // Messages 3..20 are acknowledged long before the copy; none may be reported before message 2.
  d.poll(reports, 300ms);
  CHECK(reports.size() == 1);
  REQUIRE(d.flush(20s));
  d.poll(reports, 0ms);
  REQUIRE(reports.size() == 20);
  for (std::uint64_t i = 0; i < 20; ++i) {
    INFO("report " << i << " token " << reports[i].token << " " << reports[i].error);
    CHECK(reports[i].ok());
    CHECK(reports[i].token == i + 1);
  }
  CHECK(d.counts().at(topic) == tor::kafka::topic_counts{20, 19, 0, 0, 1});
  const auto stored = read_topic(mc.bootstraps(), topic, 1, 19);
  CHECK(stored.size() == 19);
}

TEST_CASE("a message larger than the producer's message.max.bytes is refused at send and reported through poll") {
  mock_cluster mc(1);
  const auto topic = unique_topic("toolarge");
  const auto dlq = unique_topic("toolarge-dlq");
  mc.create_topic(topic, 1, 1);
  mc.create_topic(dlq, 1, 1);
  auto c = mock_config(mc);
  c.properties["message.max.bytes"] = "20000";
  auto big = [&](std::uint64_t n) { return make_message(topic, "big", n, 50000); };

  SECTION("stop") {
    dispatcher d(c);
    d.send(make_message(topic, "big", 0), 1);
    d.send(big(1), 2);
    d.send(make_message(topic, "big", 2), 3);
    REQUIRE(d.flush(20s));
    std::vector<delivery> reports;
    d.poll(reports, 0ms);
    REQUIRE(reports.size() == 3);
    std::map<std::uint64_t, std::string> by_token;
    for (auto& r : reports) by_token[r.token] = r.error;
    CHECK(by_token[1].empty());
    CHECK_THAT(by_token[2], Catch::Contains("MSG_SIZE_TOO_LARGE") && Catch::Contains("50000-byte value") &&
                                Catch::Contains("mysql-bin.000007:1001/0"));
    CHECK_THAT(by_token[3], Catch::Contains("earlier message"));
  }
  SECTION("skip") {
    c.on_poison = poison_policy::skip;
    dispatcher d(c);
    d.send(big(0), 1);
    d.send(make_message(topic, "big", 1), 2);
    REQUIRE(d.flush(20s));
    std::vector<delivery> reports;
    d.poll(reports, 0ms);
    REQUIRE(reports.size() == 2);
    CHECK(reports[0].ok());
    CHECK(reports[1].ok());
    CHECK(d.counts().at(topic) == tor::kafka::topic_counts{2, 1, 0, 1, 0});
  }
  SECTION("dead letter: the copy is just as large, so the original fails") {
    c.on_poison = poison_policy::dead_letter;
    c.dead_letter_topic = dlq;
    dispatcher d(c);
    d.send(big(0), 1);
    REQUIRE(d.flush(20s));
    std::vector<delivery> reports;
    d.poll(reports, 0ms);
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0].error, Catch::Contains("could not write it to dead-letter topic"));
  }
}

TEST_CASE("a fatal idempotence error fails every outstanding and later message, whatever the policy") {
  mock_cluster mc(1);
  const auto topic = unique_topic("fatal");
  mc.create_topic(topic, 2, 1);
  rd_kafka_mock_broker_set_rtt(mc.get(), -1, 300);  // keep messages in flight
  auto c = mock_config(mc);
  c.on_poison = poison_policy::skip;
  dispatcher d(c);
  for (std::uint64_t i = 0; i < 50; ++i) d.send(make_message(topic, std::string("k").append(std::to_string(i % 5)), i), i + 1);
  rd_kafka_test_fatal_error(d.native_handle(), RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, "injected by the test");
  d.send(make_message(topic, "k0", 50), 51);
  REQUIRE(d.flush(20s));
  std::vector<delivery> reports;
  d.poll(reports, 0ms);
  REQUIRE(reports.size() == 51);
  std::set<std::uint64_t> tokens;
  for (auto& r : reports) {
    tokens.insert(r.token);
    INFO("token " << r.token);
    CHECK_FALSE(r.ok());
  }
  CHECK(tokens.size() == 51);
  CHECK_THAT(d.fatal_error(), Catch::Contains("OUT_OF_ORDER_SEQUENCE_NUMBER"));
  CHECK_THAT(reports.back().error, Catch::Contains("fatal producer error") && Catch::Contains("restart Tor"));
  CHECK(d.counts().at(topic).failed == 51);
}

TEST_CASE("a full producer queue makes send wait for deliveries (backpressure) instead of dropping") {
  mock_cluster mc(1);
  const auto topic = unique_topic("backpressure");
  mc.create_topic(topic, 2, 1);
  rd_kafka_mock_broker_set_rtt(mc.get(), -1, 5);
  auto c = mock_config(mc);
  c.properties["queue.buffering.max.messages"] = "16";
  dispatcher d(c);
  std::map<std::string, std::uint64_t> per_key;
  for (std::uint64_t i = 0; i < 2000; ++i) {
    const auto key = "bp" + std::to_string(i % 7);
    d.send(make_message(topic, key, per_key[key]++), i + 1);  // no poll between sends
    REQUIRE(d.outstanding() <= 2000);
  }
  REQUIRE(d.flush(30s));
  std::vector<delivery> reports;
  d.poll(reports, 0ms);
  require_all_acknowledged(reports, 2000);
  require_key_order(read_topic(mc.bootstraps(), topic, 2, 2000), per_key);
}

TEST_CASE("flush gives up at its deadline while the brokers are down, and completes once they are back") {
  mock_cluster mc(1);
  const auto topic = unique_topic("flush");
  mc.create_topic(topic, 1, 1);
  dispatcher d(mock_config(mc));
  d.send(make_message(topic, "a", 0), 1);
  REQUIRE(d.flush(10s));
  rd_kafka_mock_broker_set_down(mc.get(), -1);
  for (std::uint64_t i = 1; i <= 20; ++i) d.send(make_message(topic, "a", i), i + 1);
  const auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(d.flush(500ms));
  const auto waited = std::chrono::steady_clock::now() - t0;
  CHECK(waited >= 450ms);
  CHECK(waited < 3s);
  std::vector<delivery> reports;
  d.poll(reports, 0ms);
  REQUIRE(reports.size() == 1);  // only the message sent before the outage
  CHECK(d.outstanding() == 20);
  rd_kafka_mock_broker_set_up(mc.get(), -1);
  REQUIRE(d.flush(20s));
  d.poll(reports, 0ms);
  require_all_acknowledged(reports, 21);
}

TEST_CASE("tombstones, empty values, key-less messages, explicit partitions and timestamps arrive as sent") {
  mock_cluster mc(1);
  const auto topic = unique_topic("shapes");
  mc.create_topic(topic, 3, 1);
  dispatcher d(mock_config(mc));
  const auto stamp = std::chrono::system_clock::time_point(std::chrono::milliseconds(1577836800123));  // 2020-01-01

  tor::message tombstone{topic, "gone", std::nullopt, {{"id", "1"}}, 2, stamp};
  tor::message empty{topic, "empty", std::string(), {}, 2, stamp};
  tor::message keyless{topic, "", std::string("v"), {{"id", "3"}, {"id", "3b"}}, 2, stamp};
  d.send(std::move(tombstone), 1);
  d.send(std::move(empty), 2);
  d.send(std::move(keyless), 3);
  REQUIRE(d.flush(10s));
  std::vector<delivery> reports;
  d.poll(reports, 0ms);
  require_all_acknowledged(reports, 3);

  const auto records = read_topic(mc.bootstraps(), topic, 3, 3);
  REQUIRE(records.size() == 3);
  for (const auto& r : records) {
    CHECK(r.partition == 2);
    CHECK(r.timestamp_ms == 1577836800123);
  }
  CHECK(records[0].key == "gone");
  CHECK_FALSE(records[0].value.has_value());
  REQUIRE(records[1].value.has_value());
  CHECK(records[1].value->empty());
  CHECK(records[1].headers.empty());
  CHECK_FALSE(records[2].has_key);
  CHECK(records[2].headers == std::vector<tor::header>{{"id", "3"}, {"id", "3b"}});
}

TEST_CASE("the mock-cluster dispatcher keeps the dispatcher laws") {
  mock_cluster mc(3);
  const auto topic = unique_topic("laws");
  mc.create_topic(topic, 4);
  dispatcher d(mock_config(mc));
  tor::laws::check_dispatcher_laws(d, topic, 4);
}

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

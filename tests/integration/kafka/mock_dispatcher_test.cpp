// tor::kafka::dispatcher against librdkafka's in-process mock cluster: the
// fault paths a real single broker cannot produce on demand (retriable
// produce errors, leader changes, brokers down, a full producer queue), each
// checked by reading back what the cluster stored. Poison messages are in
// mock_poison_test.cpp, message shapes and fatal errors in
// mock_messages_test.cpp, configuration and logging in mock_config_test.cpp.
#include "support.hpp"

#include <map>

using namespace tor::kafka::test;
using tor::delivery;
using tor::kafka::config;
using tor::kafka::dispatcher;
using tor::kafka::poison_policy;

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

namespace {

// Six bursts of 800 messages over 25 keys, moving every partition's
// leadership to another broker after each burst: at once, with messages in
// flight, or once the burst is acknowledged.
void leader_changes(bool in_flight) {
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
    if (!in_flight) REQUIRE(d.flush(30s));
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

}  // namespace

// The next burst goes to the old leaders, is refused (not the leader), and
// is sent again to the new ones after a metadata refresh.
TEST_CASE("leader changes in the middle of a stream keep order and acknowledgements") { leader_changes(false); }

// Not run by default: it loses acknowledged messages now and then
// (docs/guarantees.md#kafka-leader-changes-with-librdkafka-202). With
// TOR_TEST_KAFKA_DEBUG=msg,eos four parallel loops of it failed within 25
// runs. The log of one failure: partition 0's first batch (MsgIds 1..672,
// BaseSeq 0) was refused 23 times by its old leader (not the leader), then
// the next batch (MsgIds 673..1344, BaseSeq 672) went to the new leader and
// was accepted, and librdkafka 2.0.2 counted 1..672 "implicitly acked by
// subsequent batch success"; the mock cluster held offsets 0-672 only. The
// client sent a later batch before an earlier one was written, and the mock
// accepted the sequence gap, which a Kafka broker refuses (out of order
// sequence, or unknown producer id for a non-zero first sequence). Run:
// kafka_mock_test "[.in-flight]"
TEST_CASE("leader changes with messages in flight keep order and acknowledgements", "[.in-flight]") {
  leader_changes(true);
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

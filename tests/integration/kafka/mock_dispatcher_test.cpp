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
      const auto key = "k" + std::to_string(i % 25);
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

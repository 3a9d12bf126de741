// The real broker is stopped and started again (scripts/servers.sh) while
// the dispatcher streams messages: delivery stalls during the outage and
// then resumes, and the broker ends up with every message exactly once, in
// order per key. This test owns the broker while it runs (RUN_SERIAL).
#include "support.hpp"

#include <atomic>
#include <cstdlib>
#include <map>
#include <set>
#include <thread>

#include <tor/kafka/dispatcher.hpp>

using namespace tor::kafka::test;
using tor::delivery;
using clock_type = std::chrono::steady_clock;

namespace {

std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) FAIL(name << " is not set: run the kafka tests through scripts/test.sh (this test restarts the broker "
                              "with scripts/servers.sh and needs the same environment)");
  return v;
}

}  // namespace

TEST_CASE("the broker restarted mid-stream: dispatch stalls, then continues with nothing lost or reordered") {
  const auto brokers = real_brokers();
  const auto run_dir = required_env("TOR_RUN_DIR");
  required_env("TOR_KAFKA_PORT");
  const std::string servers = std::string(TOR_SOURCE_DIR) + "/scripts/servers.sh";
  const std::string log = run_dir + "/kafka-restart-test.log";

  const auto topic = unique_topic("restart");
  constexpr int partitions = 3;
  {
    tor::kafka::config c;
    c.brokers = brokers;
    c.topics.create_missing = true;
    c.topics.partitions = partitions;
    tor::kafka::dispatcher(c).check_topics({topic});
  }

  std::size_t warnings = 0;
  tor::kafka::config c;
  c.brokers = brokers;
  c.log = [&](tor::kafka::log_level l, std::string_view, std::string_view) { warnings += l <= tor::kafka::log_level::warning; };
  tor::kafka::dispatcher d(c);

  std::atomic<std::size_t> acknowledged{0};
  std::atomic<bool> restarted{false};
  std::atomic<int> stop_rc{-1}, start_rc{-1};
  clock_type::time_point stopped_at, started_at;
  std::thread restarter([&] {
    while (acknowledged.load() < 3000) std::this_thread::sleep_for(10ms);
    stop_rc = std::system(("'" + servers + "' stop kafka >>'" + log + "' 2>&1").c_str());
    stopped_at = clock_type::now();
    std::this_thread::sleep_for(1s);
    start_rc = std::system(("'" + servers + "' start kafka >>'" + log + "' 2>&1").c_str());
    started_at = clock_type::now();
    restarted = true;
  });

  // Stream about 2,000 messages a second until the broker has been back for
  // a while, keeping the arrival time of every report.
  std::map<std::string, std::uint64_t> per_key;
  std::vector<delivery> reports;
  std::vector<clock_type::time_point> arrivals;
  std::uint64_t token = 0;
  std::optional<clock_type::time_point> back;
  auto take = [&](std::chrono::milliseconds wait) {
    const auto n = d.poll(reports, wait);
    arrivals.insert(arrivals.end(), n, clock_type::now());
    acknowledged += n;
  };
  while (!back || clock_type::now() - *back < 2s) {
    for (int i = 0; i < 20; ++i) {
      const auto key = "account-" + std::to_string(token % 50);
      d.send(make_message(topic, key, per_key[key]++), ++token);
    }
    take(10ms);
    if (!back && restarted) back = clock_type::now();
    REQUIRE(clock_type::now() - (back ? *back : clock_type::now()) < 60s);
  }
  restarter.join();
  REQUIRE(stop_rc == 0);
  REQUIRE(start_rc == 0);
  REQUIRE(d.flush(120s));
  take(0ms);

  // Every message acknowledged, once.
  REQUIRE(reports.size() == token);
  std::set<std::uint64_t> tokens;
  for (const auto& r : reports) {
    if (!r.ok()) FAIL("token " << r.token << ": " << r.error);
    tokens.insert(r.token);
  }
  REQUIRE(tokens.size() == token);

  // Delivery stalled while the broker was away, and resumed after it came back.
  std::chrono::milliseconds longest_gap{0};
  for (std::size_t i = 1; i < arrivals.size(); ++i)
    longest_gap = std::max(longest_gap, std::chrono::duration_cast<std::chrono::milliseconds>(arrivals[i] - arrivals[i - 1]));
  const auto outage = std::chrono::duration_cast<std::chrono::milliseconds>(started_at - stopped_at);
  INFO("outage " << outage.count() << " ms, longest gap between reports " << longest_gap.count() << " ms, "
                 << token << " messages, " << warnings << " warnings logged");
  CHECK(longest_gap >= outage);
  const auto after_restart = std::count_if(arrivals.begin(), arrivals.end(), [&](auto t) { return t > started_at; });
  CHECK(after_restart > 2000);
  CHECK(warnings > 0);  // the outage was visible in the log sink

  // The broker holds every message exactly once, in order per key.
  const auto records = read_topic(brokers, topic, partitions, token);
  REQUIRE(records.size() == token);
  std::map<std::string, std::vector<const record*>> by_key;
  for (const auto& r : records) by_key[r.key].push_back(&r);
  REQUIRE(by_key.size() == per_key.size());
  for (auto& [key, recs] : by_key) {
    INFO("key " << key);
    std::sort(recs.begin(), recs.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
    REQUIRE(recs.size() == per_key[key]);
    for (std::uint64_t i = 0; i < recs.size(); ++i) REQUIRE(sequence_of(*recs[i]->value) == i);
  }
}

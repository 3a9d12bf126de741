// Messages per second through tor::kafka::dispatcher to a real broker with
// acks=all and idempotence, 256-byte values, and the delivery-report latency
// (send() to the report coming out of poll(), p50 and p99). Shapes: "plain"
// (no key, no headers: what Kafka's ProducerPerformance sends, so the two
// compare like for like), "outbox" (a key among 1,000 and Tor's three
// headers, as the router sends them), and its halves "keyed" and "headers";
// "paced" and "paced_outbox" send at a fixed rate below saturation, for the
// latency a router sees when the broker keeps up.
//
// Environment (benchmarks/kafka/run.sh sets it): TOR_KAFKA_BROKERS,
// TOR_BENCH_TOPIC (must exist), TOR_BENCH_MESSAGES (default 1,000,000),
// TOR_BENCH_PACED_MESSAGES and TOR_BENCH_RATE (paced shapes),
// TOR_BENCH_PROPERTIES (space-separated librdkafka key=value pairs, the same
// ones given to ProducerPerformance).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <tor/kafka/dispatcher.hpp>

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string env(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

void dispatch(benchmark::State& state, bool keyed, bool with_headers, bool paced) {
  const auto brokers = env("TOR_KAFKA_BROKERS");
  const auto topic = env("TOR_BENCH_TOPIC");
  if (brokers.empty() || topic.empty()) {
    state.SkipWithError("TOR_KAFKA_BROKERS and TOR_BENCH_TOPIC must be set: run benchmarks/kafka/run.sh");
    return;
  }
  const auto count = std::stoull(paced ? env("TOR_BENCH_PACED_MESSAGES", "50000") : env("TOR_BENCH_MESSAGES", "1000000"));
  const auto rate = std::stod(env("TOR_BENCH_RATE", "10000"));

  tor::kafka::config c;
  c.brokers = brokers;
  c.log = tor::kafka::clog_sink;
  std::istringstream props(env("TOR_BENCH_PROPERTIES"));
  for (std::string kv; props >> kv;)
    if (auto eq = kv.find('='); eq != std::string::npos) c.properties[kv.substr(0, eq)] = kv.substr(eq + 1);
  tor::kafka::dispatcher d(c);
  d.check_topics({topic});

  // Random letters, as ProducerPerformance's payload, so compression (if
  // configured) sees the same kind of data.
  std::mt19937 rng(42);
  std::string value(256, ' ');
  for (auto& ch : value) ch = static_cast<char>('A' + rng() % 26);

  std::vector<clock_type::time_point> sent(std::max<std::uint64_t>(count, 10000) + 1);
  std::vector<double> latency_ms;
  latency_ms.reserve(count);
  std::vector<tor::delivery> reports;
  std::size_t failures = 0;
  auto drain = [&](std::chrono::milliseconds wait) {
    reports.clear();
    d.poll(reports, wait);
    const auto now = clock_type::now();
    for (const auto& r : reports) {
      latency_ms.push_back(std::chrono::duration<double, std::milli>(now - sent[r.token]).count());
      failures += !r.ok();
    }
  };
  auto make = [&](std::uint64_t i) {
    tor::message m;
    m.topic = topic;
    m.value = value;
    if (keyed) m.key = "aggregate-" + std::to_string(i % 1000);
    if (with_headers)
      m.headers = {{"id", std::to_string(i)},
                   {"tor.binlog.file", "mysql-bin.000042"},
                   {"tor.binlog.pos", std::to_string(4 + i * 300) + "/0"}};
    return m;
  };

  // Warm-up: connections, producer id, metadata.
  for (std::uint64_t i = 1; i <= 10000; ++i) {
    sent[i] = clock_type::now();
    d.send(make(i), i);
  }
  d.flush(60s);
  drain(0ms);

  for (auto _ : state) {
    latency_ms.clear();
    failures = 0;
    const auto start = clock_type::now();
    for (std::uint64_t i = 1; i <= count; ++i) {
      auto m = make(i);
      if (paced) {  // send message i at start + i/rate, serving reports meanwhile
        const auto due = start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(i / rate));
        for (auto now = clock_type::now(); now < due; now = clock_type::now()) {
          drain(0ms);
          std::this_thread::sleep_for(std::min<clock_type::duration>(due - now, 200us));
        }
      }
      sent[i] = clock_type::now();
      d.send(std::move(m), i);
      if (paced || i % 64 == 0) drain(0ms);
    }
    if (!d.flush(120s)) state.SkipWithError("flush did not finish within 120 s");
    drain(0ms);
  }
  if (failures) state.SkipWithError((std::to_string(failures) + " messages failed").c_str());
  if (latency_ms.size() != count) state.SkipWithError("not every message was reported");

  std::sort(latency_ms.begin(), latency_ms.end());
  auto pct = [&](double p) { return latency_ms.empty() ? 0.0 : latency_ms[static_cast<std::size_t>(p * (latency_ms.size() - 1))]; };
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * count));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * count * value.size()));
  state.counters["p50_ms"] = pct(0.50);
  state.counters["p99_ms"] = pct(0.99);
  state.counters["max_ms"] = latency_ms.empty() ? 0.0 : latency_ms.back();
}

}  // namespace

BENCHMARK_CAPTURE(dispatch, plain, false, false, false)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(dispatch, outbox, true, true, false)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
// Latency below saturation: TOR_BENCH_PACED_MESSAGES (default 50,000) at
// TOR_BENCH_RATE messages per second (default 10,000).
BENCHMARK_CAPTURE(dispatch, paced, false, false, true)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(dispatch, paced_outbox, true, true, true)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
// The two halves of the outbox shape, to tell their costs apart.
BENCHMARK_CAPTURE(dispatch, keyed, true, false, false)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(dispatch, headers, false, true, false)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();

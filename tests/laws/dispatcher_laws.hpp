// The laws every tor::dispatcher model keeps (see tor/core/concepts.hpp), as
// one generic Catch2 check run against the in-memory double and the Kafka
// dispatcher.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <tor/core/concepts.hpp>

namespace tor::laws {

/// Sends `count` messages to `topic` (which has `partitions` partitions):
/// keyed, some with an explicit partition, some tombstones, all with headers.
/// Checks: every token is reported exactly once and acknowledged; messages
/// sent to an explicit partition are acknowledged in send order; flush
/// returns true and leaves the reports for poll.
template <tor::dispatcher D>
void check_dispatcher_laws(D& d, const std::string& topic, int partitions, int count = 2000) {
  using namespace std::chrono_literals;
  std::map<std::uint64_t, int> partition_of;  // token -> explicit partition
  for (int i = 0; i < count; ++i) {
    message m;
    m.topic = topic;
    m.key = "key-" + std::to_string(i % 37);
    if (i % 11 != 0) m.value = std::string(64, static_cast<char>('a' + i % 26));
    m.headers = {{"id", std::to_string(i)}, {"tor.binlog.pos", std::to_string(i)}};
    if (i % 3 == 0) {
      m.partition = i % partitions;
      partition_of[static_cast<std::uint64_t>(i) + 1] = i % partitions;
    }
    m.timestamp = std::chrono::system_clock::now();
    d.send(std::move(m), static_cast<std::uint64_t>(i) + 1);
  }
  REQUIRE(d.flush(60s));

  std::vector<delivery> reports;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (reports.size() < static_cast<std::size_t>(count) && std::chrono::steady_clock::now() < deadline)
    d.poll(reports, 100ms);
  d.poll(reports, 0ms);  // nothing beyond `count` may arrive

  REQUIRE(reports.size() == static_cast<std::size_t>(count));
  std::set<std::uint64_t> seen;
  std::map<int, std::uint64_t> last_in_partition;
  for (const auto& r : reports) {
    INFO("token " << r.token << " error: " << r.error);
    CHECK(r.ok());
    CHECK(seen.insert(r.token).second);
    if (auto it = partition_of.find(r.token); it != partition_of.end()) {
      auto& last = last_in_partition[it->second];
      CHECK(r.token > last);
      last = r.token;
    }
  }
  CHECK(seen.size() == static_cast<std::size_t>(count));
}

}  // namespace tor::laws

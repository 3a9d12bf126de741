#include "unit/support/exactly_once_tests.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "unit/fixtures.hpp"

namespace tor::test {

using namespace std::chrono_literals;

outcome run_until_fn(const std::function<void(std::stop_token)>& run, const std::function<bool()>& done) {
  outcome out;
  std::atomic<bool> finished{false};
  std::jthread t([&](std::stop_token st) {
    try {
      run(st);
    } catch (const error& e) {
      out.failure = e.what();
      out.kind = e.kind();
    }
    finished = true;
  });
  REQUIRE(eventually([&] { return finished.load() || done(); }, 30s));
  t.request_stop();
  t.join();
  return out;
}

testing::memory_dispatcher& reader::next(std::uint64_t shuffle_seed) {
  testing::memory_dispatcher::options o;
  o.default_partitions = 3;
  o.shuffle_seed = shuffle_seed;
  o.transactions = board;
  o.transactional_id = "tor:test";
  runs.push_back(std::make_shared<testing::memory_dispatcher>(o));
  return *runs.back();
}

std::map<std::string, int> reader::id_counts() const {
  std::map<std::string, int> n;
  for (const auto& d : runs)
    for (const auto& r : d->delivered_all("events")) ++n[*r.msg.find_header("id")];
  return n;
}

std::map<std::string, std::vector<int>> reader::by_key() const {
  std::map<std::string, std::vector<int>> k;
  for (int p = 0; p < 3; ++p)
    for (const auto& d : runs)
      for (const auto& r : d->delivered("events", p)) k[r.msg.key].push_back(std::stoi(*r.msg.value));
  return k;
}

std::optional<checkpoint> reader::committed() const { return board.committed("tor:test"); }

std::vector<std::string> fill(testing::memory_binlog& log, int n, int first) {
  std::vector<std::string> ids;
  for (int i = first; i < first + n; ++i) {
    std::vector<testing::scripted_row> rows;
    for (int j = 0; j <= i % 3; ++j) {
      const int row = i * 3 + j;
      ids.push_back("e" + std::to_string(row));
      rows.push_back(outbox_row(ids.back(), "Order", "k" + std::to_string(row % 7), std::to_string(row)));
    }
    if (i % 4 == 0) rows.push_back(order_row(i));
    log.append(rows);
  }
  return ids;
}

void check_exactly_once(const reader& rd, const std::vector<std::string>& ids) {
  const auto counts = rd.id_counts();
  CHECK(counts.size() == ids.size());  // nothing lost
  for (const auto& id : ids) {
    INFO("event " << id);
    auto it = counts.find(id);
    REQUIRE(it != counts.end());
    CHECK(it->second == 1);  // nothing repeated
  }
  for (const auto& [key, rows] : rd.by_key()) {
    INFO("key " << key);
    CHECK(std::is_sorted(rows.begin(), rows.end()));  // commit order per key
  }
}

router_options eo_options(std::size_t max_messages) {
  auto o = fast_options();
  o.max_transaction_messages = max_messages;
  return o;
}

}  // namespace tor::test

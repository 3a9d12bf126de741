// The reader-to-consumer hand-off of the binlog source: bounded, ordered,
// errors after the batches before them, prompt wake-ups and close.
#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>
#include <thread>

#include <tor/mysql/detail/event_queue.hpp>

using namespace std::chrono_literals;
using tor::mysql::detail::event_queue;
using queue = event_queue<int>;

namespace {

// Waits (bounded) until a push() is blocked on the queue.
bool producer_blocks(const queue& q) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (q.blocked_producers() == 0)
    if (std::chrono::steady_clock::now() > deadline) return false;
    else std::this_thread::yield();
  return true;
}

}  // namespace

TEST_CASE("the queue keeps order and bounds what it holds", "[mysql][queue]") {
  queue q(4, 1000);
  std::atomic<int> pushed{0};
  std::atomic<bool> refused{false};
  std::thread producer([&] {
    for (int i = 0; i < 10; ++i) {
      queue::batch b;
      b.events = {2 * i, 2 * i + 1};
      b.bytes = 10;
      if (!q.push(std::move(b))) refused = true;
      ++pushed;
    }
  });
  CHECK(producer_blocks(q));
  CHECK(pushed.load() == 2);  // 4 events fit: the producer waits for the consumer
  CHECK(q.size_events() == 4);
  std::vector<int> got;
  while (got.size() < 20) {
    auto b = q.pop(1s);
    REQUIRE(b);
    got.insert(got.end(), b->events.begin(), b->events.end());
  }
  producer.join();
  CHECK_FALSE(refused.load());
  for (int i = 0; i < 20; ++i) CHECK(got[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("a batch larger than the bound still passes an empty queue", "[mysql][queue]") {
  queue q(4, 100);
  queue::batch b;
  b.events = {1, 2, 3, 4, 5, 6};
  b.bytes = 500;
  CHECK(q.push(std::move(b)));
  CHECK(q.pop(0ms)->events.size() == 6);
}

TEST_CASE("the reader's error comes after the batches before it", "[mysql][queue]") {
  queue q(100, 1000);
  queue::batch b;
  b.events = {7};
  q.push(std::move(b));
  q.fail(std::make_exception_ptr(std::runtime_error("lost")));
  CHECK(q.pop(0ms)->events == std::vector<int>{7});
  CHECK_THROWS_WITH(q.pop(0ms), "lost");
  CHECK_THROWS_WITH(q.pop(10ms), "lost");
}

TEST_CASE("pop_until returns empty-handed only at its deadline, however close", "[mysql][queue]") {
  queue q(1, 1000);
  // A deadline under a millisecond away is waited for too: rounding what is
  // left down to whole milliseconds made such a wait return at once, and a
  // caller polling every millisecond spun.
  for (const auto ahead : {std::chrono::microseconds(300), std::chrono::microseconds(1500)}) {
    const auto deadline = std::chrono::steady_clock::now() + ahead;
    CHECK_FALSE(q.pop_until(deadline));
    CHECK(std::chrono::steady_clock::now() >= deadline);
  }
  const auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(q.pop_until({}));  // the epoch: no wait at all
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);
}

TEST_CASE("pop waits about its wait, wakes on a push, and close releases both sides", "[mysql][queue]") {
  queue q(1, 1000);
  auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(q.pop(50ms));
  CHECK(std::chrono::steady_clock::now() - t0 >= 45ms);

  std::thread later([&] {
    std::this_thread::sleep_for(50ms);
    queue::batch b;
    b.events = {1};
    q.push(std::move(b));
  });
  t0 = std::chrono::steady_clock::now();
  CHECK(q.pop(5s));
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  later.join();

  queue::batch full;
  full.events = {1};
  q.push(std::move(full));
  std::atomic<int> accepted{-1};
  std::thread blocked([&] {
    queue::batch b;
    b.events = {2};
    accepted = q.push(std::move(b)) ? 1 : 0;
  });
  CHECK(producer_blocks(q));
  q.close();
  blocked.join();
  CHECK(accepted.load() == 0);  // the blocked push was released and refused
}

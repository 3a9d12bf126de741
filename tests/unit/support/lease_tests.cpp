#include "unit/support/lease_tests.hpp"

#include <memory>
#include <utility>

#include <catch2/catch.hpp>

namespace tor::test {

taken_lease take(testing::memory_lease& l) {
  const auto asked = std::chrono::steady_clock::now();
  auto g = l.acquire();
  REQUIRE(g.has_value());
  return {*g, asked};
}

breaking_source::breaking_source(const testing::memory_binlog& log, std::function<bool()> broken,
                                 std::function<void()> on_event)
    : inner_(log), broken_(std::move(broken)), on_event_(std::move(on_event)) {}

void breaking_source::open(const std::optional<checkpoint>& from) { inner_.open(from); }

const std::optional<checkpoint>& breaking_source::opened_at() const noexcept { return inner_.opened_at(); }

std::optional<change_event> breaking_source::next(std::chrono::milliseconds wait) {
  check();
  auto ev = inner_.next(wait);
  check();
  if (ev && on_event_) on_event_();
  return ev;
}

void breaking_source::check() const {
  if (broken_()) throw error(error_kind::source, dump_ended);
}

breaking_dispatcher::breaking_dispatcher(testing::memory_dispatcher& inner, std::function<bool()> broken)
    : inner_(inner), broken_(std::move(broken)) {}

void breaking_dispatcher::send(message&& m, std::uint64_t token) { inner_.send(std::move(m), token); }

std::size_t breaking_dispatcher::poll(std::vector<delivery>& out, std::chrono::milliseconds wait) {
  check();
  const auto n = inner_.poll(out, wait);
  check();
  return n;
}

bool breaking_dispatcher::flush(std::chrono::milliseconds deadline) { return inner_.flush(deadline); }

void breaking_dispatcher::check() const {
  if (broken_()) throw error(error_kind::dispatch, producer_failed);
}

std::optional<checkpoint> counting_store::load() {
  ++loads;
  return inner.load();
}

void counting_store::save(const checkpoint& c) { inner.save(c); }

std::future<ending> run_on(std::function<void(std::stop_token)> run, std::jthread& thread,
                           std::stop_source stopper) {
  auto done = std::make_shared<std::promise<ending>>();
  auto f = done->get_future();
  thread = std::jthread([run = std::move(run), done, stopper](std::stop_token st) mutable {
    std::stop_callback link(st, [&stopper] { stopper.request_stop(); });
    try {
      run(stopper.get_token());
      done->set_value({error_kind{}, "returned"});
    } catch (const error& e) {
      done->set_value({e.kind(), std::string(e.what())});
    }
  });
  return f;
}

}  // namespace tor::test

#include <catch2/catch.hpp>

#include <deque>
#include <random>
#include <string>

#include <tor/core/detail/ring.hpp>

TEST_CASE("ring behaves as a FIFO with indexed access through growth and wrap-around", "[ring]") {
  tor::detail::ring<std::string> r;
  std::deque<std::string> model;
  std::mt19937 rng(3);
  for (int i = 0; i < 20000; ++i) {
    if (model.empty() || rng() % 3 != 0) {
      r.push_back(std::to_string(i));
      model.push_back(std::to_string(i));
    } else {
      REQUIRE(r.front() == model.front());
      r.pop_front();
      model.pop_front();
    }
    REQUIRE(r.size() == model.size());
    if (!model.empty()) {
      REQUIRE(r.back() == model.back());
      const std::size_t k = rng() % model.size();
      REQUIRE(r[k] == model[k]);
    }
  }
}

TEST_CASE("ring::emplace_back gives a default element, also in a slot used before", "[ring]") {
  tor::detail::ring<std::string> r;
  for (int i = 0; i < 100; ++i) {
    std::string& s = r.emplace_back();
    REQUIRE(s.empty());
    s = std::string(40, 'x');  // on the heap: a slot not reset would still hold it
    if (i % 3 != 0) r.pop_front();
  }
  while (!r.empty()) {
    REQUIRE(r.front() == std::string(40, 'x'));
    r.pop_front();
  }
  REQUIRE(r.emplace_back().empty());
}

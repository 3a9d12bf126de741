// The dispatcher laws, plain and transactional, run against memory_dispatcher
// (the Kafka dispatcher runs the same checks in its integration tests).
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include <tor/testing.hpp>

#include "laws/dispatcher_laws.hpp"
#include "laws/transactional_dispatcher_laws.hpp"
#include "unit/fixtures.hpp"

using namespace tor;

TEST_CASE("memory_dispatcher keeps the dispatcher laws", "[laws][dispatcher]") {
  SECTION("acknowledging in send order") {
    testing::memory_dispatcher::options o;
    o.default_partitions = 4;
    testing::memory_dispatcher d(o);
    laws::check_dispatcher_laws(d, "t", 4);
  }
  SECTION("acknowledging partitions in random order") {
    testing::memory_dispatcher::options o;
    o.default_partitions = 4;
    o.shuffle_seed = 5;
    testing::memory_dispatcher d(o);
    laws::check_dispatcher_laws(d, "t", 4);
  }
}

TEST_CASE("memory_dispatcher in transactional mode keeps the transactional dispatcher laws", "[laws][dispatcher]") {
  testing::memory_transaction_board board;
  std::vector<std::shared_ptr<testing::memory_dispatcher>> made;  // each stands for a process; all share the board
  const auto make = [&] {
    testing::memory_dispatcher::options o;
    o.transactions = board;
    o.transactional_id = "laws";
    made.push_back(std::make_shared<testing::memory_dispatcher>(o));
    return made.back();
  };
  const auto read_committed = [&](const std::string& topic) {
    std::vector<std::string> values;
    for (const auto& d : made)
      for (const auto& r : d->delivered(topic)) values.push_back(*r.msg.value);
    return values;
  };
  checkpoint c1{{"mysql-bin.000001", 100}, {}, "1"};
  checkpoint c2{{"mysql-bin.000001", 200}, {}, "1", 3, "0-1-7"};
  laws::check_transactional_dispatcher_laws(make, read_committed, "t", c1, c2);
}

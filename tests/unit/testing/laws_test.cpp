// The generic laws, run against the in-memory doubles (the real adapters run
// the same checks in their integration tests).
#include <catch2/catch.hpp>

#include <tor/mappers/outbox.hpp>
#include <tor/testing.hpp>

#include "laws/dispatcher_laws.hpp"
#include "laws/lease_laws.hpp"
#include "laws/mapper_laws.hpp"
#include "laws/source_laws.hpp"
#include "laws/state_store_laws.hpp"
#include "laws/transactional_dispatcher_laws.hpp"
#include "unit/fixtures.hpp"

using namespace tor;

TEST_CASE("memory_source keeps the source laws", "[laws][source]") {
  testing::memory_binlog log;
  int n = 0;
  laws::check_source_laws([&] { return std::make_unique<testing::memory_source>(log); },
                          [&](int count) {
                            for (int i = 0; i < count; ++i, ++n) {
                              if (i == 2) log.append({});  // a DDL-like transaction in between
                              log.append({test::outbox_row("e" + std::to_string(n), "T", "k", std::to_string(n)),
                                          test::order_row(n)});
                            }
                          });
}

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

TEST_CASE("memory_state_store keeps the state store laws", "[laws][state]") {
  testing::memory_state_store shared;
  laws::check_state_store_laws([&] { return shared; });
}

TEST_CASE("memory_lease keeps the lease laws", "[laws][lease]") {
  testing::memory_lease_board board;
  laws::check_lease_laws(
      [&](const std::string& name) { return testing::memory_lease(board, name, std::chrono::milliseconds(150)); });
}

TEST_CASE("outbox_mapper keeps the mapper laws", "[laws][mapper]") {
  outbox_config c;
  c.tables = {"app.outbox"};
  outbox_mapper m(c);
  row_change good;
  good.table = test::outbox_table;
  good.after.values = {std::string("e"), std::string("T"), std::string("k"), std::string("t"), std::string("p")};
  good.position = {"mysql-bin.000001", 10};
  row_change bad = good;
  bad.after.values[2] = null_value{};
  bad.position = {"mysql-bin.000001", 20};
  laws::check_mapper_laws(m, good, bad, {});
}

// The state store and lease laws, run against memory_state_store and
// memory_lease (the Redis adapters run the same checks in their integration tests).
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include <tor/testing.hpp>

#include "laws/lease_laws.hpp"
#include "laws/state_store_laws.hpp"
#include "unit/fixtures.hpp"

using namespace tor;

TEST_CASE("memory_state_store keeps the state store laws", "[laws][state]") {
  testing::memory_state_store shared;
  laws::check_state_store_laws([&] { return shared; });
}

TEST_CASE("memory_lease keeps the lease laws", "[laws][lease]") {
  testing::memory_lease_board board;
  laws::check_lease_laws(
      [&](const std::string& name) { return testing::memory_lease(board, name, std::chrono::milliseconds(150)); });
}

// The source laws, run against memory_source (the binlog source runs the same
// checks in its integration tests).
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include <tor/testing.hpp>

#include "laws/source_laws.hpp"
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

// The mapper laws, run against outbox_mapper.
#include <catch2/catch.hpp>

#include <tor/mappers/outbox.hpp>
#include <tor/testing.hpp>

#include "laws/mapper_laws.hpp"
#include "unit/fixtures.hpp"

using namespace tor;

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

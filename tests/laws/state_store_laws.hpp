// The laws every tor::state_store model keeps (see tor/core/concepts.hpp),
// as one generic Catch2 check run against each model: the in-memory double,
// the file store and the Redis store.
#pragma once

#include <catch2/catch.hpp>

#include <tor/core/concepts.hpp>
#include "laws/deref.hpp"

namespace tor::laws {

/// `make()` returns a new store instance over the same storage (by value or
/// pointer). The storage must be empty when this is called. Later instances
/// may fence earlier ones off, so each save here uses the newest instance.
template <class Make>
void check_state_store_laws(Make make) {
  auto first = make();
  auto& a = deref(first);
  static_assert(tor::state_store<std::remove_cvref_t<decltype(a)>>);

  INFO("an empty store loads nothing");
  CHECK_FALSE(a.load().has_value());

  // Members are set one by one: GCC 12 warns falsely (-Wmaybe-uninitialized) on nested aggregate init here.
  checkpoint c1;
  c1.position = binlog_position::parse("mysql-bin.000001:4");
  c1.gtids = gtid_set::parse("0-1-5,1-2-7", gtid_flavor::mariadb);
  c1.server_id = "1";
  a.save(c1);
  INFO("round trip through the same instance");
  REQUIRE(a.load() == std::optional<checkpoint>(c1));

  auto second = make();
  auto& b = deref(second);
  INFO("round trip through a new instance over the same storage");
  REQUIRE(b.load() == std::optional<checkpoint>(c1));

  checkpoint c2;
  c2.position = binlog_position::parse("mysql-bin.000002:123456789012");
  c2.gtids = gtid_set::parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7-9", gtid_flavor::mysql);
  c2.server_id = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
  b.save(c2);
  REQUIRE(b.load() == std::optional<checkpoint>(c2));

  checkpoint c3;  // file/offset only, no GTIDs, no server identity
  c3.position = binlog_position::parse("mysql-bin.000010:4");
  b.save(c3);
  auto third = make();
  REQUIRE(deref(third).load() == std::optional<checkpoint>(c3));
}

}  // namespace tor::laws

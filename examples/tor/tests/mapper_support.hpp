// What the service mapper's tests share (mapper_*test.cpp).
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include <tor/core/event.hpp>

namespace tor_service::test {

/// An insert of `v` into table `t`, at bin.000001:100.
inline tor::row_change insert(std::shared_ptr<const tor::table_info> t, std::vector<tor::value> v) {
  tor::row_change r;
  r.op = tor::row_op::insert;
  r.table = std::move(t);
  r.after.values = std::move(v);
  r.position = {"bin.000001", 100};
  return r;
}

}  // namespace tor_service::test

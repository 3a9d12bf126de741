// The laws every tor::transactional_dispatcher model keeps (see
// tor/core/concepts.hpp), as one generic Catch2 check run against the
// in-memory double and the Kafka dispatcher with a transactional id, so the
// double is proven to behave like the real thing. What is visible is read by
// `read_committed`, as a consumer with isolation.level=read_committed sees it.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <tor/core/concepts.hpp>
#include <tor/core/error.hpp>
#include "laws/deref.hpp"

namespace tor::laws {

namespace detail {

template <class D>
void send_values(D& d, const std::string& topic, const std::vector<std::string>& values, std::uint64_t& token) {
  for (const auto& v : values) {
    message m;
    m.topic = topic;
    m.partition = 0;
    m.key = "k";
    m.value = v;
    m.timestamp = std::chrono::system_clock::now();
    d.send(std::move(m), ++token);
  }
}

/// Flushes and collects one report per message sent; all must be acknowledged.
template <class D>
void await_reports(D& d, std::size_t count) {
  using namespace std::chrono_literals;
  REQUIRE(d.flush(60s));
  std::vector<delivery> reports;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (reports.size() < count && std::chrono::steady_clock::now() < deadline) d.poll(reports, 100ms);
  REQUIRE(reports.size() == count);
  for (const auto& r : reports) {
    INFO("token " << r.token << ": " << r.error);
    CHECK(r.ok());
  }
}

}  // namespace detail

/// `make()` returns a new instance (by value or pointer) with one
/// transactional identity that has never committed; each call stands for a
/// new process. `read_committed(topic)` returns the values of `topic`
/// (partition 0) a read-committed consumer sees, in order. `c1` and `c2`
/// are two different checkpoints.
template <class Make, class ReadCommitted>
void check_transactional_dispatcher_laws(Make make, ReadCommitted read_committed, const std::string& topic,
                                         const checkpoint& c1, const checkpoint& c2) {
  using values = std::vector<std::string>;
  auto ha = make();
  auto& a = deref(ha);
  static_assert(tor::transactional_dispatcher<std::remove_cvref_t<decltype(a)>>);
  std::uint64_t token = 0;

  INFO("a transactional dispatcher says so, and a new identity has no committed checkpoint");
  REQUIRE(a.transactional());
  REQUIRE_FALSE(a.committed_checkpoint().has_value());

  INFO("messages of an open transaction are acknowledged but not visible");
  const values first{"v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"};
  a.begin_transaction();
  detail::send_values(a, topic, first, token);
  detail::await_reports(a, first.size());
  CHECK(read_committed(topic).empty());

  INFO("a commit makes them visible, in send order, with the checkpoint");
  a.commit_transaction(c1);
  CHECK(read_committed(topic) == first);

  INFO("an aborted transaction's messages never become visible, and the checkpoint stays");
  a.begin_transaction();
  detail::send_values(a, topic, {"w0", "w1", "w2", "w3", "w4"}, token);
  detail::await_reports(a, 5);
  a.abort_transaction();
  CHECK(read_committed(topic) == first);

  INFO("a new instance reads the last committed checkpoint, and fences the old one");
  auto hb = make();
  auto& b = deref(hb);
  const auto read = b.committed_checkpoint();
  REQUIRE(read.has_value());
  CHECK(*read == c1);

  std::optional<error_kind> refused;
  try {
    a.begin_transaction();
    detail::send_values(a, topic, {"fenced-0", "fenced-1"}, token);
    using namespace std::chrono_literals;
    (void)a.flush(30s);
    std::vector<delivery> ignored;
    a.poll(ignored, 0ms);
    a.commit_transaction(c2);
  } catch (const error& e) {
    INFO(e.what());
    refused = e.kind();
  }
  REQUIRE(refused.has_value());
  CHECK(*refused == error_kind::fenced);
  CHECK(read_committed(topic) == first);

  INFO("the new instance commits; the next one reads its checkpoint");
  std::uint64_t btoken = 0;
  b.begin_transaction();
  detail::send_values(b, topic, {"x0", "x1", "x2"}, btoken);
  detail::await_reports(b, 3);
  b.commit_transaction(c2);
  values both = first;
  both.insert(both.end(), {"x0", "x1", "x2"});
  CHECK(read_committed(topic) == both);
  auto hc = make();
  auto& c = deref(hc);
  const auto last = c.committed_checkpoint();
  REQUIRE(last.has_value());
  CHECK(*last == c2);
}

}  // namespace tor::laws

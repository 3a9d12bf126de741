// Lag: bytes and seconds behind the server's binlog end.
#include <catch2/catch.hpp>

// GCC 12 at -O2 reports the strings inside brace-initialised and defaulted
// binlog positions here as "maybe used uninitialized" (a false positive of
// that release; clang and the sanitizer builds see nothing).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "lag.hpp"

using namespace tor_service;
using namespace std::chrono;

namespace {
const auto t0 = system_clock::time_point(seconds(1'000'000));
}

TEST_CASE("caught up: nothing between the read position and the end") {
  read_progress::snapshot r;
  r.position = {"bin.000002", 500};
  r.last_commit_time = t0 - hours(2);  // idle for hours: still not behind
  const auto lag = compute_lag({{"bin.000002", 500}, {{"bin.000002", 500}}}, r, std::nullopt, t0);
  CHECK(lag.bytes_behind == 0);
  CHECK(lag.seconds_behind == 0.0);
  CHECK(lag.server_end == tor::binlog_position{"bin.000002", 500});
}

TEST_CASE("catching up on old data: the age of the last transaction read") {
  read_progress::snapshot r;
  r.position = {"bin.000001", 900};
  r.last_commit_time = t0 - seconds(600);
  const auto lag = compute_lag({{"bin.000002", 100}, {{"bin.000001", 1000}, {"bin.000002", 100}}}, r,
                               t0 - seconds(3600), t0);
  CHECK(lag.bytes_behind == 200);
  CHECK(lag.seconds_behind == Approx(600));
}

TEST_CASE("new writes after a quiet period: bounded by when Tor was last caught up") {
  read_progress::snapshot r;
  r.position = {"bin.000002", 500};
  r.last_commit_time = t0 - hours(2);
  const auto lag = compute_lag({{"bin.000002", 900}, {{"bin.000002", 900}}}, r, t0 - seconds(1), t0);
  CHECK(lag.bytes_behind == 400);
  CHECK(lag.seconds_behind == Approx(1));
}

TEST_CASE("nothing read yet and never caught up: seconds unknown") {
  read_progress::snapshot r;
  const auto lag = compute_lag({{"bin.000002", 900}, {}}, r, std::nullopt, t0);
  CHECK_FALSE(lag.bytes_behind.has_value());
  CHECK_FALSE(lag.seconds_behind.has_value());
}

TEST_CASE("a heartbeat moves the read position to the server's position") {
  read_progress p;
  p.on_commit({"bin.000001", 900}, t0);
  p.on_heartbeat({"bin.000002", 330});  // the server rotated, nothing to read since
  CHECK(p.get().position == tor::binlog_position{"bin.000002", 330});
  p.on_heartbeat({"bin.000001", 100});  // never moves back
  CHECK(p.get().position == tor::binlog_position{"bin.000002", 330});
  CHECK(p.get().heartbeats == 2);
}

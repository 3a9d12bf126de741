// /metrics rendering and the binlog distance used for "bytes behind".
#include <catch2/catch.hpp>

// GCC 12 at -O2 reports the strings inside brace-initialised and defaulted
// binlog positions here as "maybe used uninitialized" (a false positive of
// that release; clang and the sanitizer builds see nothing).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "metrics.hpp"

using namespace tor_service;
using files = std::vector<std::pair<std::string, std::uint64_t>>;

TEST_CASE("bytes between two binlog positions") {
  const files f = {{"bin.000001", 1000}, {"bin.000002", 500}, {"bin.000003", 300}};
  CHECK(binlog_bytes_between({"bin.000002", 100}, {"bin.000002", 400}, f) == 300);
  CHECK(binlog_bytes_between({"bin.000002", 400}, {"bin.000002", 400}, f) == 0);
  CHECK(binlog_bytes_between({"bin.000003", 10}, {"bin.000002", 400}, f) == 0);  // ahead: nothing to read
  CHECK(binlog_bytes_between({"bin.000001", 900}, {"bin.000003", 50}, f) == 100 + 500 + 50);
  CHECK(binlog_bytes_between({"bin.000001", 900}, {"bin.000002", 50}, f) == 150);
  // A purged or unknown file in between: the distance cannot be told.
  CHECK_FALSE(binlog_bytes_between({"bin.000000", 4}, {"bin.000002", 50}, f).has_value());
  CHECK_FALSE(binlog_bytes_between({}, {"bin.000002", 50}, f).has_value());
  CHECK(binlog_file_number("mysql-bin.000042") == 42);
  CHECK(binlog_file_number("noext") == 0);
}

TEST_CASE("the Prometheus text names every family once and labels topics") {
  metrics_snapshot s;
  s.version = "1.2.3";
  s.now = std::chrono::system_clock::time_point(std::chrono::seconds(1000));
  s.started = std::chrono::system_clock::time_point(std::chrono::seconds(900));
  s.ready = true;
  s.router.events_read = 42;
  s.router.in_flight_messages = 3;
  s.router.pending_transactions = 4;
  s.router.tracker_bytes = 5376;
  s.router.tracker_peak_bytes = 81920;
  s.router.last_saved = tor::checkpoint{{"mysql-bin.000007", 1234}, {}, "1"};
  s.router.last_saved_at = std::chrono::system_clock::time_point(std::chrono::seconds(990));
  s.topics["orders"] = {10, 9, 0, 0, 0};
  s.topics["we\"ird"] = {1, 1, 0, 0, 0};
  s.lag.server_end = tor::binlog_position{"mysql-bin.000007", 2000};
  s.lag.bytes_behind = 766;
  s.lag.seconds_behind = 1.5;
  const auto text = render_prometheus(s);
  const auto has = [&](const std::string& line) { return text.find(line + "\n") != std::string::npos; };
  CHECK(has("tor_build_info{version=\"1.2.3\"} 1"));
  CHECK(has("tor_ready 1"));
  CHECK(has("tor_events_read_total 42"));
  CHECK(has("tor_messages_sent_total{topic=\"orders\"} 10"));
  CHECK(has("tor_messages_acknowledged_total{topic=\"orders\"} 9"));
  CHECK(has("tor_messages_sent_total{topic=\"we\\\"ird\"} 1"));
  CHECK(has("tor_in_flight_messages 3"));
  CHECK(has("tor_pending_transactions 4"));
  CHECK(has("tor_tracker_bytes 5376"));
  CHECK(has("tor_tracker_peak_bytes 81920"));
  CHECK(has("tor_checkpoint_binlog_file 7"));
  CHECK(has("tor_checkpoint_binlog_offset 1234"));
  CHECK(has("tor_checkpoint_age_seconds 10"));
  CHECK(has("tor_source_bytes_behind 766"));
  CHECK(has("tor_source_seconds_behind 1.5"));
  CHECK(has("tor_start_time_seconds 900"));
  // Each family has exactly one TYPE line.
  std::size_t types = 0;
  for (auto p = text.find("# TYPE tor_messages_sent_total "); p != std::string::npos;
       p = text.find("# TYPE tor_messages_sent_total ", p + 1))
    ++types;
  CHECK(types == 1);
  // Epoch timestamps keep their precision.
  s.started = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'795'690'000'250));
  CHECK(render_prometheus(s).find("tor_start_time_seconds 1795690000.25\n") != std::string::npos);
  // Unknown values are left out rather than reported as 0.
  metrics_snapshot empty;
  const auto t2 = render_prometheus(empty);
  CHECK(t2.find("tor_source_seconds_behind ") == std::string::npos);
  CHECK(t2.find("tor_checkpoint_age_seconds ") == std::string::npos);
  CHECK(t2.find("tor_ready 0\n") != std::string::npos);
  CHECK(t2.find("tor_ha_") == std::string::npos);  // hot standby off: no such series
  CHECK(t2.find("tor_kafka_transactions_") == std::string::npos);  // exactly once off: no such series
  CHECK(t2.find("tor_rows_skipped_total 0\n") != std::string::npos);
}

TEST_CASE("with exactly once, the metrics give the Kafka transactions committed and aborted") {
  metrics_snapshot s;
  s.exactly_once = true;
  const auto has = [&](const std::string& line) { return render_prometheus(s).find(line + "\n") != std::string::npos; };
  // Shown at 0 before the first, so rates and alerts have a series.
  CHECK(has("# TYPE tor_kafka_transactions_committed_total counter"));
  CHECK(has("tor_kafka_transactions_committed_total 0"));
  CHECK(has("tor_kafka_transactions_aborted_total 0"));
  s.router.commits = 12;
  s.router.aborts = 2;
  s.router.rows_skipped = 5;
  CHECK(has("tor_kafka_transactions_committed_total 12"));
  CHECK(has("tor_kafka_transactions_aborted_total 2"));
  CHECK(has("tor_rows_skipped_total 5"));
}

TEST_CASE("with hot standby, the metrics give the role, the failovers, the losses, the term and the activations") {
  metrics_snapshot s;
  s.ha = ha_metrics{true, 2, 1, 7, 4};
  const auto text = render_prometheus(s);
  const auto has = [&](const std::string& line) { return text.find(line + "\n") != std::string::npos; };
  CHECK(has("tor_ha_active 1"));
  CHECK(has("tor_ha_failovers_total 2"));
  CHECK(has("tor_ha_lease_losses_total 1"));
  CHECK(has("tor_ha_lease_term 7"));
  CHECK(has("tor_ha_activations_total 4"));
  s.ha->active = false;
  CHECK(render_prometheus(s).find("tor_ha_active 0\n") != std::string::npos);
}

#include "metrics.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace tor_service {

namespace {

std::string label_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  // Timestamps (1.7e9) need their decimals; small values read best short.
  if (std::fabs(v) >= 1e5) {
    std::snprintf(buf, sizeof buf, "%.3f", v);
    std::string s(buf);
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
  }
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

double seconds_since_epoch(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

class writer {
 public:
  void family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(const char* name, double v, const std::string& labels = {}) {
    out_ += name;
    if (!labels.empty()) out_ += '{' + labels + '}';
    out_ += ' ' + number(v) + '\n';
  }
  void sample(const char* name, std::uint64_t v, const std::string& labels = {}) {
    out_ += name;
    if (!labels.empty()) out_ += '{' + labels + '}';
    out_ += ' ' + std::to_string(v) + '\n';
  }
  void one(const char* name, const char* type, const char* help, std::uint64_t v) {
    family(name, type, help);
    sample(name, v);
  }
  void one(const char* name, const char* type, const char* help, double v) {
    family(name, type, help);
    sample(name, v);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

std::uint64_t binlog_file_number(std::string_view file) {
  const auto dot = file.rfind('.');
  std::uint64_t n = 0;
  if (dot != std::string::npos) std::from_chars(file.data() + dot + 1, file.data() + file.size(), n);
  return n;
}

std::optional<std::uint64_t> binlog_bytes_between(const tor::binlog_position& from, const tor::binlog_position& to,
                                                  const std::vector<std::pair<std::string, std::uint64_t>>& files) {
  if (from.empty() || to.empty()) return std::nullopt;
  if (!(from < to)) return 0;
  if (from.file == to.file) return to.offset - from.offset;
  std::uint64_t total = 0;
  bool in_range = false;
  for (const auto& [name, size] : files) {
    if (name == from.file) {
      in_range = true;
      total += size > from.offset ? size - from.offset : 0;
      continue;
    }
    if (name == to.file) {
      if (!in_range) return std::nullopt;
      return total + to.offset;
    }
    if (in_range) total += size;
  }
  return std::nullopt;
}

std::string render_prometheus(const metrics_snapshot& s) {
  writer w;
  const auto& r = s.router;
  w.family("tor_build_info", "gauge", "Version of the running Tor.");
  w.sample("tor_build_info", std::uint64_t{1}, "version=\"" + label_escape(s.version) + '"');
  w.one("tor_start_time_seconds", "gauge", "When the process started, in seconds since the epoch.",
        seconds_since_epoch(s.started));
  w.one("tor_ready", "gauge", "1 while the router runs (connected, reading, publishing), else 0.",
        std::uint64_t{s.ready ? 1u : 0u});
  w.one("tor_restarts_total", "counter", "Router restarts after transient failures.", s.restarts);
  if (s.ha) {
    w.one("tor_ha_active", "gauge", "Hot standby: 1 while this instance holds the lease and publishes, 0 on standby.",
          std::uint64_t{s.ha->active ? 1u : 0u});
    w.one("tor_ha_failovers_total", "counter", "Hot standby: times this instance took the lease over from another.",
          s.ha->failovers);
    w.one("tor_ha_lease_losses_total", "counter", "Hot standby: times this instance lost the lease while active.",
          s.ha->losses);
    w.one("tor_ha_lease_term", "gauge", "Hot standby: the lease term this instance holds, or held last (0: never).",
          s.ha->term);
    w.one("tor_ha_activations_total", "counter",
          "Hot standby: times this instance became active; each resumes from the saved checkpoint.",
          s.ha->activations);
  }

  w.one("tor_events_read_total", "counter", "Change events read from the binlog (begin, row, commit, heartbeat).",
        r.events_read);
  w.one("tor_transactions_total", "counter", "Transactions read from the binlog.", r.transactions);
  w.one("tor_rows_total", "counter", "Row changes read from the binlog (every table).", r.rows);
  w.one("tor_rows_skipped_total", "counter",
        "Row changes read again after resuming inside a binlog transaction, already published, not published again.",
        r.rows_skipped);
  if (s.exactly_once) {
    w.one("tor_kafka_transactions_committed_total", "counter",
          "Exactly once: Kafka transactions committed, each with the checkpoint record that covers its messages.",
          r.commits);
    w.one("tor_kafka_transactions_aborted_total", "counter",
          "Exactly once: Kafka transactions aborted (a commit that failed, or one given up after a failure); none "
          "of their messages is visible to read_committed consumers, and they are sent again.",
          r.aborts);
  }

  // One family per outcome, one sample per topic.
  struct per_topic {
    const char* name;
    const char* help;
    std::uint64_t topic_metrics::*count;
  };
  for (const auto& [name, help, count] : {
           per_topic{"tor_messages_sent_total", "Messages handed to Kafka, by topic.", &topic_metrics::sent},
           per_topic{"tor_messages_acknowledged_total", "Messages Kafka acknowledged, by topic.",
                     &topic_metrics::acknowledged},
           per_topic{"tor_messages_failed_total", "Messages Kafka refused for good, by topic (the router stops).",
                     &topic_metrics::failed},
           per_topic{"tor_messages_skipped_total", "Poison messages skipped (kafka.on_poison: skip), by topic.",
                     &topic_metrics::skipped},
           per_topic{"tor_messages_dead_lettered_total",
                     "Poison messages sent to the dead-letter topic (kafka.on_poison: dead_letter), by topic.",
                     &topic_metrics::dead_lettered},
       }) {
    w.family(name, "counter", help);
    for (const auto& [topic, t] : s.topics) w.sample(name, t.*count, "topic=\"" + label_escape(topic) + '"');
  }

  w.one("tor_in_flight_messages", "gauge", "Messages sent and not yet acknowledged.",
        static_cast<std::uint64_t>(r.in_flight_messages));
  w.one("tor_in_flight_bytes", "gauge", "Bytes of messages sent and not yet acknowledged.",
        static_cast<std::uint64_t>(r.in_flight_bytes));
  w.one("tor_pending_transactions", "gauge",
        "Transactions read whose messages are not all acknowledged yet (or behind one that is not).",
        static_cast<std::uint64_t>(r.pending_transactions));
  w.one("tor_tracker_bytes", "gauge", "Memory the checkpoint tracker's records take.",
        static_cast<std::uint64_t>(r.tracker_bytes));
  w.one("tor_tracker_peak_bytes", "gauge",
        "The most memory the checkpoint tracker's records took since the process started (a peak between scrapes "
        "included).",
        static_cast<std::uint64_t>(r.tracker_peak_bytes));

  if (r.last_saved) {
    w.one("tor_checkpoint_binlog_file", "gauge", "Binlog file number of the saved checkpoint.",
          binlog_file_number(r.last_saved->position.file));
    w.one("tor_checkpoint_binlog_offset", "gauge", "Binlog offset of the saved checkpoint.",
          r.last_saved->position.offset);
  }
  if (r.last_saved_at.time_since_epoch().count() != 0) {
    w.one("tor_checkpoint_saved_time_seconds", "gauge", "When the checkpoint was last saved (seconds since the epoch).",
          seconds_since_epoch(r.last_saved_at));
    w.one("tor_checkpoint_age_seconds", "gauge", "Seconds since the checkpoint was last saved.",
          std::chrono::duration<double>(s.now - r.last_saved_at).count());
  }
  w.one("tor_checkpoint_save_failures", "gauge", "Failed checkpoint saves since the last successful one.",
        r.save_failures);
  if (!r.read_position.empty()) {
    w.one("tor_read_binlog_file", "gauge", "Binlog file number just after the last transaction read.",
          binlog_file_number(r.read_position.file));
    w.one("tor_read_binlog_offset", "gauge", "Binlog offset just after the last transaction read.",
          r.read_position.offset);
  }
  if (r.last_commit_time.time_since_epoch().count() != 0)
    w.one("tor_last_commit_time_seconds", "gauge", "Commit time of the last transaction read (seconds since the epoch).",
          seconds_since_epoch(r.last_commit_time));
  if (s.lag.server_end) {
    w.one("tor_source_binlog_end_file", "gauge", "Binlog file number of the end of the server's binlog.",
          binlog_file_number(s.lag.server_end->file));
    w.one("tor_source_binlog_end_offset", "gauge", "Offset of the end of the server's binlog.", s.lag.server_end->offset);
  }
  if (s.lag.bytes_behind)
    w.one("tor_source_bytes_behind", "gauge", "Bytes of binlog between the read position and the server's binlog end.",
          *s.lag.bytes_behind);
  if (s.lag.seconds_behind)
    w.one("tor_source_seconds_behind", "gauge",
          "Seconds behind the source: 0 when caught up, else the age of the last transaction read.",
          *s.lag.seconds_behind);
  w.one("tor_source_lag_check_failures", "gauge", "Consecutive failed queries of the server's binlog end.",
        s.lag.check_failures);
  return w.take();
}

}  // namespace tor_service

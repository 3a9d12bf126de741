#include "service.hpp"

#include <tor/core/lease_keeper.hpp>
#include <tor/core/router.hpp>
#include <tor/kafka/dispatcher.hpp>
#include <tor/redis/lease.hpp>
#include <tor/redis/state_store.hpp>
#include <tor/state/file_state_store.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <variant>

#include "http.hpp"
#include "lag.hpp"
#include "log.hpp"
#include "mapper.hpp"
#include "metrics.hpp"
#include "observed_source.hpp"
#include "source.hpp"

namespace tor_service {

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

/// Error texts may list several problems on several lines; a log line is one line.
std::string one_line(std::string_view text) {
  std::string s;
  for (char c : text) {
    if (c == '\n') {
      while (!s.empty() && s.back() == ' ') s.pop_back();
      s += "; ";
    } else if (c != ' ' || (!s.empty() && s.back() != ' ')) {
      s += c;
    }
  }
  return s;
}

std::string_view kind_name(tor::error_kind k) {
  switch (k) {
    case tor::error_kind::invalid_argument: return "invalid_argument";
    case tor::error_kind::transient: return "transient";
    case tor::error_kind::fenced: return "fenced";
    case tor::error_kind::source: return "source";
    case tor::error_kind::mapping: return "mapping";
    case tor::error_kind::dispatch: return "dispatch";
    case tor::error_kind::state: return "state";
  }
  return "?";
}

// ---- building the policies from the settings ---------------------------------

/// The kafka section is the dispatcher's config; the service adds what comes
/// from elsewhere: the log sink, and in exactly-once mode the transactional
/// id (which also keys the checkpoint record), by default the checkpoint's
/// Redis key (or the state file), so one checkpoint has one producer identity.
tor::kafka::config kafka_config_from(const config::settings& s) {
  tor::kafka::config c = s.kafka;
  if (c.transactional_id.empty()) c.transactional_id = s.redis.host.empty() ? "tor:" + s.state.file : s.redis.key;
  c.log = [](tor::kafka::log_level lv, std::string_view facility, std::string_view text) {
    using L = tor::kafka::log_level;
    const level l = lv == L::error ? level::error
                    : lv == L::warning ? level::warn
                    : lv == L::notice  ? level::info
                    : lv == L::info    ? level::debug
                                       : level::trace;
    log(l, "kafka", {{"facility", facility}, {"text", text}});
  };
  return c;
}

/// The checkpoint in Redis, or in a file when no Redis is configured.
class any_state_store {
 public:
  explicit any_state_store(const config::settings& s) {
    if (!s.redis.host.empty()) {
      store_.emplace<tor::redis::state_store>(s.redis);
    } else {
      store_.emplace<tor::file_state_store>(s.state.file);
      file_ = s.state.file;
    }
  }
  std::optional<tor::checkpoint> load() {
    return std::visit([](auto& s) -> std::optional<tor::checkpoint> {
      if constexpr (std::is_same_v<std::decay_t<decltype(s)>, std::monostate>) return std::nullopt;
      else return s.load();
    }, store_);
  }
  void save(const tor::checkpoint& c) {
    std::visit([&](auto& s) {
      if constexpr (!std::is_same_v<std::decay_t<decltype(s)>, std::monostate>) s.save(c);
    }, store_);
  }
  /// Reads without claiming ownership (for --check): never fences a running Tor.
  std::optional<tor::checkpoint> peek() {
    if (auto* r = std::get_if<tor::redis::state_store>(&store_)) {
      auto doc = r->peek();
      if (!doc) return std::nullopt;
      return doc->state;
    }
    return load();
  }
  [[nodiscard]] std::string describe() const {
    if (const auto* r = std::get_if<tor::redis::state_store>(&store_)) return r->where();
    if (std::holds_alternative<tor::file_state_store>(store_)) return "file " + file_;
    return "?";
  }

 private:
  std::variant<std::monostate, tor::redis::state_store, tor::file_state_store> store_;
  std::string file_;
};

static_assert(tor::state_store<any_state_store>);

// ---- what /metrics shows, across router restarts -------------------------------

class metrics_hub {
 public:
  metrics_hub() : started_(std::chrono::system_clock::now()) {}

  template <class Router>
  void attach(const Router& r, const tor::kafka::dispatcher& d, const lag_monitor& lag) {
    std::lock_guard lock(mutex_);
    live_router_ = [&r] { return r.stats(); };
    live_topics_ = [&d] { return d.counts(); };
    live_lag_ = &lag;
  }

  /// Before the policies go away: keep their totals.
  void detach() {
    std::lock_guard lock(mutex_);
    if (live_router_) {
      auto s = live_router_();
      add(s, last_);
      last_ = s;
    }
    if (live_topics_)
      for (const auto& [topic, c] : live_topics_()) add(carried_topics_[topic], c);
    if (live_lag_) last_lag_ = live_lag_->current();
    live_router_ = nullptr;
    live_topics_ = nullptr;
    live_lag_ = nullptr;
  }

  void restarted() { ++restarts_; }

  /// kafka.exactly_once: show the Kafka transactions' counters (at 0 before the first).
  void enable_exactly_once() {
    std::lock_guard lock(mutex_);
    exactly_once_ = true;
  }

  // Hot standby.
  void enable_ha() {
    std::lock_guard lock(mutex_);
    ha_.emplace();
  }
  void ha_became_active(std::uint64_t term, bool took_over) {
    std::lock_guard lock(mutex_);
    ha_->active = true;
    ha_->term = term;
    ++ha_->activations;
    if (took_over) ++ha_->failovers;
  }
  void ha_became_standby(bool lost) {
    std::lock_guard lock(mutex_);
    if (ha_->active && lost) ++ha_->losses;
    ha_->active = false;
  }

  /// Topics shown (at 0) before their first message, so rates and alerts have a series.
  void expect_topics(const std::set<std::string>& topics) {
    std::lock_guard lock(mutex_);
    for (const auto& t : topics) carried_topics_.try_emplace(t);
  }

  metrics_snapshot snapshot(bool ready) const {
    metrics_snapshot s;
    s.version = TOR_VERSION;
    s.now = std::chrono::system_clock::now();
    s.started = started_;
    s.ready = ready;
    s.restarts = restarts_;
    std::lock_guard lock(mutex_);
    // Counters add up over router restarts; the rest is the current router's.
    s.router = last_;
    if (live_router_) {
      s.router = live_router_();
      add(s.router, last_);
    }
    s.topics = carried_topics_;
    if (live_topics_)
      for (const auto& [topic, c] : live_topics_()) add(s.topics[topic], c);
    s.lag = live_lag_ ? live_lag_->current() : last_lag_;
    s.ha = ha_;
    s.exactly_once = exactly_once_;
    return s;
  }

  [[nodiscard]] std::uint64_t events_read() const {
    std::lock_guard lock(mutex_);
    return last_.events_read + (live_router_ ? live_router_().events_read : 0);
  }

 private:
  // Adds the counters of the routers before `r` (`before`) to r's own.
  static void add(tor::router_stats& r, const tor::router_stats& before) {
    r.events_read += before.events_read;
    r.transactions += before.transactions;
    r.rows += before.rows;
    r.rows_skipped += before.rows_skipped;
    r.messages_sent += before.messages_sent;
    r.messages_acknowledged += before.messages_acknowledged;
    r.messages_failed += before.messages_failed;
    r.commits += before.commits;
    r.aborts += before.aborts;
    r.tracker_peak_bytes = std::max(r.tracker_peak_bytes, before.tracker_peak_bytes);
  }
  static void add(topic_metrics& t, const tor::kafka::topic_counts& c) {
    t.sent += c.sent;
    t.acknowledged += c.acknowledged;
    t.failed += c.failed;
    t.skipped += c.skipped;
    t.dead_lettered += c.dead_lettered;
  }

  std::chrono::system_clock::time_point started_;
  mutable std::mutex mutex_;
  std::function<tor::router_stats()> live_router_;
  std::function<std::map<std::string, tor::kafka::topic_counts>()> live_topics_;
  const lag_monitor* live_lag_ = nullptr;
  // The last router's stats, its counters added up over every router so far.
  tor::router_stats last_;
  std::map<std::string, topic_metrics> carried_topics_;
  source_lag last_lag_;
  std::optional<ha_metrics> ha_;
  bool exactly_once_ = false;
  std::atomic<std::uint64_t> restarts_{0};
};

// ---- topics --------------------------------------------------------------------

/// Checks (and, with kafka.create_topics, creates) the topics known before
/// any row is read: the routes' topics and kafka.topics, each list with its
/// own partition and replication settings.
void prepare_topics(tor::kafka::dispatcher& d, const config::kafka_settings& k, const std::set<std::string>& routed) {
  std::map<std::pair<int, int>, std::set<std::string>> groups;  // (partitions, replication) -> topics
  std::set<std::string> listed;
  const auto& created = k.topics;  // partitions and replication of topics not listed
  for (const auto& t : k.topic_list) {
    groups[{t.partitions >= 0 ? t.partitions : created.partitions,
            t.replication_factor >= 0 ? t.replication_factor : created.replication_factor}]
        .insert(t.name);
    listed.insert(t.name);
  }
  for (const auto& t : routed)
    if (!listed.count(t)) groups[{created.partitions, created.replication_factor}].insert(t);
  if (k.on_poison == tor::kafka::poison_policy::dead_letter)
    groups[{created.partitions, created.replication_factor}].insert(k.dead_letter_topic);
  for (const auto& [settings, topics] : groups) {
    auto o = d.settings().topics;
    o.partitions = settings.first;
    o.replication_factor = settings.second;
    const auto partitions = d.check_topics(topics, o);
    for (const auto& [name, n] : partitions) debug("topic ready", {{"topic", name}, {"partitions", n}});
  }
}

std::string routes_text(const config::outbox_settings& o) {
  if (o.routes.empty()) return "template " + o.topic_template;
  std::string s;
  for (const auto& r : o.routes) s += (s.empty() ? "" : ", ") + r.pattern + " -> " + r.topic;
  return s;
}

/// Logs failing checkpoint saves without flooding: the first, then every 30 s.
class save_failure_log {
 public:
  void failed(const tor::error& e) {
    const auto now = steady::now();
    ++count_;
    if (count_ == 1 || now - last_ >= 30s) {
      warn("cannot save the checkpoint; publishing goes on and the save is retried",
           {{"error", e.what()}, {"failures", count_}});
      last_ = now;
    }
  }
  void lease_failed(const tor::error& e) {
    const auto now = steady::now();
    ++count_;
    if (count_ == 1 || now - last_ >= 30s) {
      warn("standby: cannot reach the lease store; retrying", {{"error", one_line(e.what())}, {"failures", count_}});
      last_ = now;
    }
  }
  void saved(const tor::checkpoint& c) {
    if (count_ > 0) info("checkpoint saved again", {{"checkpoint", c.to_string()}, {"failures", count_}});
    count_ = 0;
    trace("checkpoint saved", {{"checkpoint", c.to_string()}});
  }

 private:
  std::uint64_t count_ = 0;
  steady::time_point last_{};
};

/// Waits up to `d`, or until a stop is requested.
void sleep_for(std::stop_token stop, std::chrono::milliseconds d) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  cv.wait_for(lock, stop, d, [] { return false; });
}

}  // namespace

int run_service(const config::loaded_settings& loaded, std::stop_token stop) {
  const auto& s = loaded.values;
  service_state state;
  metrics_hub hub;
  if (s.kafka.exactly_once) hub.enable_exactly_once();
  std::stop_callback on_stop(stop, [&] { state.set(service_state::phase::stopping); });

  http_endpoint http(state, [&] { return hub.snapshot(state.ready()); });
  if (s.http.port != 0) {
    try {
      http.start(s.http.address, s.http.port);
    } catch (const std::exception& e) {
      error("cannot start", {{"error", e.what()}});
      return exit_startup;
    }
  }

  info("starting Tor",
       {{"version", TOR_VERSION},
        {"source", "mysql " + s.mysql.user + "@" + s.mysql.host + ":" + std::to_string(s.mysql.port)},
        {"tables", join(s.outbox.tables, ",")},
        {"routes", routes_text(s.outbox)},
        {"kafka", s.kafka.brokers},
        {"state", s.redis.host.empty() ? "file " + s.state.file
                                       : "redis " + s.redis.host + ":" + std::to_string(s.redis.port) + " key " +
                                             s.redis.key},
        {"http", s.http.port ? s.http.address + ":" + std::to_string(s.http.port) : std::string("off")}});
  if (!loaded.legacy_keys.empty())
    info("configuration uses the original Tor's keys; `tor --print-config` shows it in the new layout",
         {{"keys", join(loaded.legacy_keys, ",")}});
  if (!loaded.ignored_env.empty())
    debug("environment variables ignored (no such setting)", {{"names", join(loaded.ignored_env, ",")}});

  // Hot standby: the lease, and while active the keeper of this term's lease.
  std::optional<tor::redis::lease> lease;
  std::optional<tor::lease_keeper<tor::redis::lease>> keeper;
  if (s.ha.enabled) {
    tor::redis::lease_config lc;
    lc.server = s.redis;
    lc.ttl = s.ha.lease_ttl;
    try {
      lease.emplace(std::move(lc));
    } catch (const std::exception& e) {
      error("cannot start", {{"error", one_line(e.what())}});
      return exit_config;
    }
    state.set_ha(true);
    hub.enable_ha();
  }
  // Ends this instance's term: stops renewing and gives the lease up, so a
  // standby need not wait for it to expire (a no-op in Redis when another
  // instance holds it by now).
  const auto step_down = [&](bool lost) {
    if (!keeper) return;
    const bool released = keeper->release();
    keeper.reset();
    hub.ha_became_standby(lost);
    if (!lost) info(released ? "gave up the lease" : "could not give up the lease; it expires after ha.lease_ttl");
  };
  struct step_down_on_exit {
    const decltype(step_down)& f;
    ~step_down_on_exit() { f(false); }
  } step_down_at_exit{step_down};

  auto backoff = 1000ms;
  while (!stop.stop_requested()) {
    bool built = false, started = false;
    if (lease && !(keeper && keeper->active())) {
      if (keeper) {
        warn("lost the lease: dropping back to standby", {{"reason", keeper->lost_reason()}});
        step_down(true);
      }
      state.set(service_state::phase::standby);
      info("standby: waiting for the lease",
           {{"lease", lease->where()}, {"ttl_ms", static_cast<std::int64_t>(s.ha.lease_ttl.count())}});
      save_failure_log unreachable;  // the same pacing: the first failure, then every 30 s
      std::optional<tor::taken_lease> taken;
      try {
        taken = tor::wait_for_lease(*lease, stop, {}, [&](const tor::error& e) {
          state.set(service_state::phase::standby, one_line(e.what()));
          unreachable.lease_failed(e);
        });
      } catch (const tor::error& e) {
        state.set(service_state::phase::failed, one_line(e.what()));
        error("cannot start", {{"error", one_line(e.what())}, {"kind", kind_name(e.kind())}});
        return exit_startup;
      }
      if (!taken) break;
      const bool took_over = !taken->grant.previous_holder.empty();
      info(took_over ? "took the lease over from another instance: becoming active" : "took the lease: becoming active",
           {{"term", taken->grant.term},
            {"previous_holder", took_over ? taken->grant.previous_holder : std::string("(none)")},
            {"holder", lease->token()}});
      tor::lease_keeper_options ko;
      ko.on_lost = [](const std::string& why) { warn("the lease is lost; stopping publishing", {{"reason", why}}); };
      ko.on_error = [](const tor::error& e) {
        warn("cannot renew the lease; retrying until it would expire", {{"error", one_line(e.what())}});
      };
      keeper.emplace(*lease, *taken, std::move(ko));
      hub.ha_became_active(taken->grant.term, took_over);
      state.set(service_state::phase::starting);
    }
    const auto began = steady::now();
    try {
      // Build the policies (no I/O yet). What the adapters refuse here is a
      // configuration error even though the file parsed.
      tor::kafka::dispatcher dispatcher(kafka_config_from(s));
      any_state_store store(s);
      service_mapper mapper(s.outbox, [](const std::string& w) { warn("outbox row", {{"warning", one_line(w)}}); });
      tor::mysql::binlog_source source(source_config_from(s.mysql, s.outbox.tables));
      read_progress progress;
      built = true;

      // Ready once the stream is open: from then on every commit is seen.
      observed_source observed(source, progress, [&] {
        started = true;
        if (!stop.stop_requested()) state.set(service_state::phase::running);
        for (const auto& w : source.warnings()) warn("MySQL", {{"warning", one_line(w)}});
        info("reading the binlog",
             {{"server", source.server_identity()},
              {"replica_server_id", source.config().server_id},
              {"after", source.opened_at() ? source.opened_at()->to_string() : std::string("?")}});
      });

      prepare_topics(dispatcher, s.kafka, mapper.static_topics());
      hub.expect_topics(mapper.static_topics());
      // The router loads the checkpoint; without one it saves where the
      // source opened (mysql.start resolved in one consistent read) before
      // reading, so a restart resumes there even if nothing was published yet.
      if (dispatcher.transactional())
        info("exactly once: Kafka transactions carry the checkpoint; the one committed there is where to resume, "
             "and the state store mirrors it",
             {{"transactional_id", dispatcher.settings().transactional_id},
              {"checkpoint_topic", dispatcher.settings().checkpoint_topic},
              {"checkpoint_key", tor::kafka::checkpoint_record_key(dispatcher.settings())}});
      if (const auto resume = store.load()) {
        info(dispatcher.transactional() ? "the state store's mirror of the checkpoint" : "resuming after the saved checkpoint", {{"checkpoint", resume->to_string()}, {"state", store.describe()}});
      } else {
        info("no checkpoint saved yet: starting at the configured start",
             {{"start", s.mysql.start.to_string()}, {"state", store.describe()}});
      }

      save_failure_log saves;
      tor::router_options opt = s.router;
      opt.on_saved = [&](const tor::checkpoint& c) { saves.saved(c); };
      opt.on_save_failed = [&](const tor::error& e) { saves.failed(e); };
      if (keeper) opt.gate = &keeper->gate();
      tor::router router(observed, dispatcher, store, mapper, std::move(opt));

      // The server's binlog end comes from the source's status connection;
      // file sizes are needed only when Tor reads an older file.
      lag_monitor lag(
          [&] {
            binlog_end e;
            e.end = source.status().end;
            if (progress.get().position.file != e.end.file) e.files = source.binary_logs();
            return e;
          },
          progress, [&hub] { return hub.events_read(); }, s.log.progress_interval);
      hub.attach(router, dispatcher, lag);
      // Once the router ends, close the source first: that ends a status
      // query of the lag monitor waiting on a server that stopped answering,
      // so stopping the monitor does not wait for the server.
      struct detach_on_exit {
        metrics_hub& h;
        lag_monitor& l;
        tor::mysql::binlog_source& s;
        ~detach_on_exit() {
          s.close();
          l.stop();
          h.detach();
        }
      } detach{hub, lag, source};
      lag.start();

      router.run(stop);

      const auto st = router.stats();
      if (st.in_flight_messages > 0)
        warn("Kafka did not acknowledge everything within router.flush_timeout; the checkpoint stays before those "
             "messages and they are sent again at the next start",
             {{"unacknowledged", static_cast<std::uint64_t>(st.in_flight_messages)}});
      info("stopped cleanly", {{"checkpoint", st.last_saved ? st.last_saved->to_string() : std::string("(none)")},
                               {"messages_acknowledged", st.messages_acknowledged}});
      return exit_ok;
    } catch (const tor::error& e) {
      const auto why = one_line(e.what());
      if (e.kind() == tor::error_kind::fenced && lease && !stop.stop_requested()) {
        // Another instance took over (or may have: the lease could not be
        // renewed in time). Like a Kafka Connect worker that lost its
        // assignment, this one stays, as a standby. Once the lease ran out
        // the router reports whatever ended its run as fenced: the instance
        // that took over fenced its saves or its producer, or opened the
        // binlog with the same replica server id, which ends this one's dump.
        warn("another instance is active now: dropping back to standby",
             {{"error", why}, {"reason", keeper ? keeper->lost_reason() : std::string()}});
        step_down(true);
        backoff = 1000ms;
        continue;
      }
      if (e.kind() == tor::error_kind::fenced) {
        state.set(service_state::phase::failed, why);
        error("another Tor took over the checkpoint; stopping (run one Tor per checkpoint key)", {{"error", why}});
        return exit_fenced;
      }
      if (e.kind() == tor::error_kind::transient && !stop.stop_requested()) {
        if (steady::now() - began > 60s) backoff = 1000ms;  // it ran fine for a while
        state.set(service_state::phase::restarting, why);
        warn(started ? "router stopped on a transient error; restarting from the saved checkpoint"
                     : "a server is not reachable; retrying",
             {{"error", why}, {"retry_in_ms", backoff.count()}});
        hub.restarted();
        sleep_for(stop, backoff);
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, 30s);
        continue;
      }
      if (e.kind() == tor::error_kind::transient) {  // stopping anyway
        info("stopped before the router ran", {{"error", why}});
        return exit_ok;
      }
      state.set(service_state::phase::failed, why);
      error(started ? "stopped on an error" : "cannot start", {{"error", why}, {"kind", kind_name(e.kind())}});
      if (!built) return exit_config;
      return started ? exit_fatal : exit_startup;
    } catch (const std::exception& e) {
      const auto why = one_line(e.what());
      state.set(service_state::phase::failed, why);
      error(started ? "stopped on an error" : "cannot start", {{"error", why}});
      return started ? exit_fatal : exit_startup;
    }
  }
  info("stopped before the router ran");
  return exit_ok;
}

/// How the Kafka connection is secured, for --check: "sasl_ssl (SCRAM-SHA-512 as tor), broker certificates verified".
static std::string kafka_connection_text(const tor::kafka::config& k) {
  auto it = k.properties.find("security.protocol");
  std::string s = it != k.properties.end() ? it->second + " (from kafka.properties)"
                                           : std::string(tor::options::name_of(k.security.protocol));
  if (k.security.uses_sasl())
    s += " (" + std::string(tor::options::name_of(k.sasl.mechanism)) + " as " + k.sasl.username + ")";
  if (k.security.uses_tls())
    s += k.tls.verify ? ", broker certificates and host names verified" : ", broker certificates NOT verified";
  else if (it == k.properties.end())
    s += ", not encrypted";
  return s;
}

/// kafka.exactly_once, for --check: whether the brokers start transactions
/// for Tor. init_transactions runs under the configured transactional id
/// with ".check" appended (the configured one would fence a running Tor's
/// producer), with the configured settings. Throws with what to do.
static std::string check_transactions(const config::settings& s) {
  auto c = kafka_config_from(s);
  const std::string id = c.transactional_id;
  c.transactional_id = id + ".check";
  const auto timeout = c.topics.timeout;
  tor::kafka::dispatcher d(c);
  const std::unique_ptr<rd_kafka_error_t, decltype(&rd_kafka_error_destroy)> e{
      rd_kafka_init_transactions(d.native_handle(), static_cast<int>(timeout.count())), &rd_kafka_error_destroy};
  if (!e)
    return "transactions (kafka.exactly_once): started as '" + c.transactional_id + "' (Tor runs as '" + id + "')";
  const auto code = rd_kafka_error_code(e.get());
  std::string text = "transactions (kafka.exactly_once): init_transactions as '" + c.transactional_id +
                     "' failed: " + rd_kafka_err2name(code) + ": " + rd_kafka_error_string(e.get());
  switch (code) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
      text += ". No transaction coordinator answered within " + std::to_string(timeout.count()) +
              " ms: a cluster with fewer brokers than its transaction.state.log.replication.factor (default 3) or "
              "transaction.state.log.min.isr cannot start transactions; lower those in the brokers' settings, or "
              "set kafka.exactly_once: false";
      break;
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
      text += ". Grant Tor's user Write and Describe on the transactional id '" + id +
              "' (a prefixed ACL on it also covers this check's '" + c.transactional_id +
              "') and IdempotentWrite on the cluster";
      break;
    default:
      text += ". kafka.exactly_once needs brokers that run transactions (Kafka 0.11 or later with the transaction "
              "state topic available); or set kafka.exactly_once: false";
  }
  throw std::runtime_error(text);
}

int run_check(const config::loaded_settings& loaded) {
  const auto& s = loaded.values;
  int failures = 0;
  const auto report = [&](bool ok, const std::string& what, const std::string& detail) {
    std::printf("%-4s %-6s %s\n", ok ? "ok" : "FAIL", what.c_str(), detail.c_str());
    std::fflush(stdout);
    if (!ok) ++failures;
  };
  report(true, "config", "valid" + std::string(loaded.legacy_keys.empty() ? "" : " (original Tor keys translated)"));

  try {
    const auto checked = check_source(s.mysql, s.outbox.tables);
    tor::mysql::binlog_source source(source_config_from(s.mysql, s.outbox.tables));
    const auto status = source.status();
    std::string detail = (s.mysql.socket.empty() ? s.mysql.host + ":" + std::to_string(s.mysql.port) : s.mysql.socket) +
                         " " + checked.version + ", " + checked.tls + ", binlog end " + status.end.to_string();
    if (!status.gtids.empty()) detail += ", gtid " + status.gtids.to_string();
    for (const auto& w : checked.warnings) detail += "; warning: " + one_line(w);
    report(true, "mysql", detail);
  } catch (const std::exception& e) {
    report(false, "mysql", one_line(e.what()));
  }

  try {
    tor::kafka::dispatcher d(kafka_config_from(s));
    service_mapper mapper(s.outbox, nullptr);
    auto wanted = mapper.static_topics();
    for (const auto& t : s.kafka.topic_list) wanted.insert(t.name);
    if (s.kafka.on_poison == tor::kafka::poison_policy::dead_letter) wanted.insert(s.kafka.dead_letter_topic);
    const auto known = d.list_topics(10s);
    std::vector<std::string> present, missing;
    for (const auto& t : wanted) (known.count(t) ? present : missing).push_back(t);
    std::string detail = s.kafka.brokers + " over " + kafka_connection_text(s.kafka) + ", " +
                         std::to_string(known.size()) + " topics";
    if (!present.empty()) detail += "; routed topics present: " + join(present, ",");
    if (!missing.empty())
      detail += s.kafka.topics.create_missing ? "; will be created at start: " + join(missing, ",")
                                      : "; MISSING: " + join(missing, ",") +
                                            " (create them, or set kafka.create_topics: true)";
    if (s.outbox.routes.empty()) detail += "; topics from template " + s.outbox.topic_template + " must exist";
    report(missing.empty() || s.kafka.topics.create_missing, "kafka", detail);
  } catch (const std::exception& e) {
    report(false, "kafka", one_line(e.what()));
  }
  if (s.kafka.exactly_once) {
    try {
      report(true, "kafka", check_transactions(s));
    } catch (const std::exception& e) {
      report(false, "kafka", one_line(e.what()));
    }
  }

  try {
    any_state_store store(s);
    const auto c = store.peek();
    const auto& start = s.mysql.start;
    const std::string first_start =
        !start.position.empty() ? start.to_string() + " (mysql.start)"
        : start.at == tor::mysql::start_at::earliest
            ? "the oldest binlog on the server (mysql.start: beginning)"
            : "the end of the binlog (mysql.start: end): rows already in it are not sent";
    report(true, "state", store.describe() + ": " +
                              (c ? "checkpoint " + c->to_string()
                                 : "no checkpoint yet: the first start begins at " + first_start));
  } catch (const std::exception& e) {
    report(false, "state", one_line(e.what()));
  }
  return failures ? exit_startup : exit_ok;
}

}  // namespace tor_service

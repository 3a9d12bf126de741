// Definitions for tor/mysql/binlog_source.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <charconv>

#include <tor/mysql/binlog_source.hpp>

namespace tor::mysql {

TOR_DECL void binlog_source::open(const std::optional<checkpoint>& from) {
  if (reader_.joinable()) throw tor::error(error_kind::invalid_argument, "binlog source is already open");
  detail::connection meta(opts_);
  info_ = detail::inspect_server(meta, cfg_);

  checkpoint start;
  gtid_mode_ = false;
  if (from && !from->empty()) {
    start = *from;
    const bool gtids_usable = info_.flavor == server_flavor::mariadb || info_.mysql_gtid_mode;
    if (cfg_.resume_by_gtid && gtids_usable && !from->gtids.empty() &&
        from->gtids.flavor() == detail::gtid_flavor_of(info_.flavor)) {
      gtid_mode_ = true;
    } else {
      if (from->position.empty())
        throw tor::error(error_kind::invalid_argument, "checkpoint " + from->to_string() +
                                                           " has no binlog position and cannot be resumed by GTID here");
      if (!from->server_id.empty() && from->server_id != info_.identity && !cfg_.allow_different_server)
        throw tor::error(error_kind::source,
                         "the checkpoint " + from->to_string() + " was taken on server \"" + from->server_id +
                             "\" but " + opts_.where() + " is \"" + info_.identity +
                             "\": a binlog position means nothing on another server. Resume by GTID, or set "
                             "allow_different_server if this really is the same server");
      if (start.gtids.empty() && info_.flavor == server_flavor::mariadb) start.gtids = gtids_at(meta, start.position);
    }
  } else {
    if (!cfg_.start.position.empty()) {
      start.position = cfg_.start.position;
      if (info_.flavor == server_flavor::mariadb) start.gtids = gtids_at(meta, start.position);
    } else if (cfg_.start.at == start_at::earliest) {
      const auto logs = meta.query("SHOW BINARY LOGS");
      if (logs.empty() || !logs[0][0]) throw tor::error(error_kind::source, "SHOW BINARY LOGS on " + opts_.where() + " returned nothing: is binary logging on?");
      start.position = {*logs[0][0], 4};
      // At the start of a file the state is its GTID list: cheap to ask for.
      if (info_.flavor == server_flavor::mariadb) start.gtids = gtids_at(meta, start.position);
    } else {
      end_with_gtids(meta, start);
    }
  }
  start.server_id = info_.identity;
  opened_at_ = start;

  change_decoder_options dopt;
  if (!cfg_.tables.empty()) {
    dopt.capture = [tables = cfg_.tables](std::string_view schema, std::string_view table) {
      std::string name;
      name.reserve(schema.size() + table.size() + 1);
      name.append(schema).append(1, '.').append(table);
      for (const auto& t : tables)
        if (detail::glob_match(t, name)) return true;
      return false;
    };
  }
  dopt.schema_lookup = [this](const table_map& m) { return schema_of(m); };
  dopt.checksums = info_.checksums;
  decoder_ = std::make_unique<change_decoder>(std::move(dopt));
  decoder_->start(start);
  assembler_ = change_assembler(start);
  queue_ = std::make_unique<queue>(cfg_.queue_max_events, cfg_.queue_max_bytes);
  stop_ = false;
  started_ = false;
  start_error_ = nullptr;
  local_.clear();
  local_next_ = 0;
  expanded_.clear();
  expanded_next_ = 0;
  failed_ = nullptr;
  reader_ = std::thread([this] { run(); });

  // Wait for the stream to be running, so a purged binlog or a refused
  // dump is reported by open() itself.
  std::unique_lock lock(start_m_);
  start_cv_.wait_for(lock, cfg_.connect_timeout + std::chrono::seconds(5), [&] { return started_ || start_error_; });
  if (start_error_) {
    lock.unlock();
    const auto e = start_error_;
    close();
    std::rethrow_exception(e);
  }
}

TOR_DECL std::optional<change_event> binlog_source::next(std::chrono::milliseconds wait) {
  if (!queue_) throw tor::error(error_kind::invalid_argument, "binlog source is not open");
  if (failed_) std::rethrow_exception(failed_);  // never skip past rows that failed to decode
  // The clock is read only when there is nothing to hand out: in catch-up
  // an event is nearly always ready, and reading the clock per event costs
  // more than the event.
  std::chrono::steady_clock::time_point deadline{};
  while (true) {
    if (expanded_next_ < expanded_.size()) return std::move(expanded_[expanded_next_++]);
    if (local_next_ < local_.size()) {
      expanded_.clear();
      expanded_next_ = 0;
      try {
        assembler_.assemble(std::move(local_[local_next_++]), expanded_);
      } catch (const tor::error&) {
        failed_ = std::current_exception();
        throw;
      }
      continue;
    }
    // A batch may hold only items that build no event (a file change):
    // then wait again, until the same deadline. The deadline is a time
    // point, not milliseconds left: those would round a wait shorter than
    // a millisecond down to none, and a caller asking for 1 ms would spin.
    if (wait.count() > 0 && deadline == std::chrono::steady_clock::time_point{})
      deadline = std::chrono::steady_clock::now() + wait;
    auto b = queue_->pop_until(deadline);
    if (!b) return std::nullopt;
    local_ = std::move(b->events);
    local_next_ = 0;
  }
}

TOR_DECL void binlog_source::close() {
  {
    // Set under the mutex the reader's backoff waits on: otherwise the
    // flag can change between the reader testing it and going to sleep,
    // and the notification below finds no one waiting yet, so the reader
    // sleeps through its whole backoff.
    std::lock_guard lock(wake_m_);
    stop_ = true;
  }
  if (queue_) queue_->close();
  ++closes_;
  {
    std::lock_guard lock(live_m_);
    if (live_) live_->interrupt();
    if (status_live_) status_live_->interrupt();
  }
  wake_cv_.notify_all();
  if (reader_.joinable()) reader_.join();
  {
    // A status query interrupted above fails now instead of waiting on the
    // server; a later status() opens a new connection.
    std::lock_guard status(status_m_);
    std::lock_guard lock(live_m_);
    status_live_ = nullptr;
    status_conn_.reset();
  }
  schema_conn_.reset();
  queue_.reset();
  local_.clear();
  local_next_ = 0;
  expanded_.clear();
  expanded_next_ = 0;
}

TOR_DECL void binlog_source::on_status_connection(const std::function<void(detail::connection&)>& query) {
  std::lock_guard lock(status_m_);
  // close() counts itself before it interrupts the registered connection:
  // a call it overlaps sees the count change, and neither waits on the
  // server again nor retries.
  const auto closes = closes_.load();
  const auto closed = [&] {
    if (closes_.load() != closes)
      throw tor::error(error_kind::transient, "status query on " + opts_.where() + " ended: the source was closed");
  };
  for (int attempt = 0;; ++attempt) {
    try {
      if (!status_conn_) {
        auto conn = std::make_unique<detail::connection>(opts_);
        std::lock_guard live(live_m_);
        status_conn_ = std::move(conn);
        status_live_ = status_conn_.get();
      }
      closed();
      query(*status_conn_);
      return;
    } catch (const detail::server_error& e) {
      {
        std::lock_guard live(live_m_);
        status_live_ = nullptr;
      }
      status_conn_.reset();
      closed();
      if (!e.transient() || attempt > 0) throw;
    }
  }
}

TOR_DECL server_status binlog_source::status() {
  server_status s;
  on_status_connection([&](detail::connection& c) {
    const auto version = detail::value_or(c.scalar("SELECT @@version"));
    const auto flavor = version.find("MariaDB") != std::string::npos ? server_flavor::mariadb : server_flavor::mysql;
    s = server_status{};
    s.version = version;
    if (auto end = detail::binlog_end(c)) s.end = *end;
    s.gtids = detail::executed_gtids(c, flavor);
    s.identity = detail::server_identity(c, flavor);
  });
  return s;
}

TOR_DECL std::vector<std::pair<std::string, std::uint64_t>> binlog_source::binary_logs() {
  std::vector<std::pair<std::string, std::uint64_t>> files;
  on_status_connection([&](detail::connection& c) {
    files.clear();
    for (const auto& row : c.query("SHOW BINARY LOGS")) {
      if (row.size() < 2 || !row[0]) continue;
      std::uint64_t size = 0;
      if (row[1]) std::from_chars(row[1]->data(), row[1]->data() + row[1]->size(), size);
      files.emplace_back(*row[0], size);
    }
  });
  return files;
}

TOR_DECL void binlog_source::end_with_gtids(detail::connection& c, checkpoint& at) const {
  const bool maria = info_.flavor == server_flavor::mariadb;
  for (int attempt = 0; attempt < 5; ++attempt) {
    const auto before = detail::binlog_end(c);
    if (!before)
      throw tor::error(error_kind::source, "SHOW MASTER STATUS on " + opts_.where() + " returned nothing: is binary logging on?");
    auto state = detail::executed_gtids(c, info_.flavor);
    if (detail::binlog_end(c) == before) {
      at.position = *before;
      at.gtids = std::move(state);
      return;
    }
  }
  // A busy server: ask it to work the state out for the position.
  at.position = *detail::binlog_end(c);
  at.gtids = maria ? gtids_at(c, at.position) : gtid_set(gtid_flavor::mysql);
}

TOR_DECL gtid_set binlog_source::gtids_at(detail::connection& c, const binlog_position& p) {
  try {
    const auto g = c.scalar("SELECT BINLOG_GTID_POS(" + c.quote(p.file) + ", " + std::to_string(p.offset) + ")");
    return g ? gtid_set::parse(*g, gtid_flavor::mariadb) : gtid_set(gtid_flavor::mariadb);
  } catch (const detail::server_error&) {
    return gtid_set(gtid_flavor::mariadb);
  }
}

TOR_DECL std::vector<schema_column> binlog_source::schema_of(const table_map& m) {
  for (int attempt = 0;; ++attempt) {
    try {
      if (!schema_conn_) schema_conn_ = std::make_unique<detail::connection>(opts_);
      return detail::read_schema(*schema_conn_, m);
    } catch (const detail::server_error& e) {
      schema_conn_.reset();  // a connection from before a server restart is stale: once more with a new one
      if (!e.transient() || attempt > 0) throw;
    }
  }
}

TOR_DECL void binlog_source::signal_started(std::exception_ptr error) {
  std::lock_guard lock(start_m_);
  if (started_ || start_error_) return;
  if (error) start_error_ = std::move(error);
  else started_ = true;
  start_cv_.notify_all();
}

TOR_DECL std::string binlog_source::refusal_message(const detail::server_error& e) {
  detail::refusal_context ctx;
  ctx.server = std::string(info_.flavor == server_flavor::mariadb ? "MariaDB" : "MySQL") + " at " + opts_.where();
  ctx.resume = decoder_->committed();
  ctx.by_gtid = gtid_mode_;
  ctx.replica_server_id = cfg_.server_id;
  try {
    detail::connection c(opts_);
    const auto logs = c.query("SHOW BINARY LOGS");
    if (!logs.empty() && logs.front()[0]) ctx.oldest_binlog = *logs.front()[0];
    if (!logs.empty() && logs.back()[0]) ctx.newest_binlog = *logs.back()[0];
    ctx.server_gtids = detail::executed_gtids(c, info_.flavor).to_string();
  } catch (const tor::error&) {
    // The message is still useful without what the server has.
  }
  const auto& text = e.server_text().empty() ? std::string(e.what()) : e.server_text();
  return detail::describe_dump_refusal(e.code(), text, ctx);
}

TOR_DECL void binlog_source::run() {
  auto backoff = cfg_.reconnect_backoff;
  auto failing_since = std::chrono::steady_clock::time_point{};
  queue::batch batch;
  auto flush = [&] {
    if (batch.events.empty()) return true;
    const bool ok = queue_->push(std::move(batch));
    batch = {};
    batch.events.reserve(cfg_.batch_events);
    return ok;
  };
  batch.events.reserve(cfg_.batch_events);
  bool connected_once = false;
  while (!stop_) {
    try {
      const auto hb = std::max<std::chrono::milliseconds>(cfg_.heartbeat_period, std::chrono::milliseconds(1));
      auto conn = std::make_unique<detail::connection>(opts_);
      {
        std::lock_guard lock(live_m_);
        live_ = conn.get();
      }
      struct unregister {
        binlog_source* s;
        ~unregister() {
          std::lock_guard lock(s->live_m_);
          s->live_ = nullptr;
        }
      } unreg{this};
      if (stop_) break;
      const auto& resume = decoder_->committed();
      if (connected_once && !gtid_mode_ && !cfg_.allow_different_server) {
        const auto id = detail::server_identity(*conn, info_.flavor);
        if (id != info_.identity)
          throw tor::error(error_kind::source, "after reconnecting, " + opts_.where() + " is server \"" + id +
                                                   "\", not \"" + info_.identity + "\" that was being read");
      }
      conn->execute("SET @master_binlog_checksum = @@global.binlog_checksum, @source_binlog_checksum = @@global.binlog_checksum");
      const auto ns = std::to_string(static_cast<long long>(hb.count()) * 1000000LL);
      conn->execute("SET @master_heartbeat_period = " + ns + ", @source_heartbeat_period = " + ns);
      conn->execute("SET @mariadb_slave_capability = 4");
      detail::dump_request request{cfg_.server_id, std::string(resume.position.file), resume.position.offset, std::nullopt};
      if (gtid_mode_ && info_.flavor == server_flavor::mysql) {
        request.mysql_gtids = resume.gtids;
      } else if (gtid_mode_) {
        conn->execute("SET @slave_connect_state = " + conn->quote(resume.gtids.to_string()));
        conn->execute("SET @slave_gtid_strict_mode = 1, @slave_gtid_ignore_duplicates = 0");
        request.file.clear();
        request.position = 4;
      }
      detail::replication_stream stream(*conn, request);
      connected_once = true;
      bool signalled = false;
      while (!stop_) {
        const auto ev = stream.next();
        if (!signalled) {
          signal_started(nullptr);
          signalled = true;
        }
        backoff = cfg_.reconnect_backoff;
        failing_since = {};
        decoder_->feed_deferred(ev, batch.events);
        batch.bytes += ev.size();
        // Hand over whole transactions, in batches: each hand-over takes
        // the queue's lock on both threads (and may wake the consumer),
        // which costs more than a small transaction. While the server's
        // next events are already here, gather more; once the stream
        // pauses, hand over at once, so latency stays low.
        const bool full = batch.events.size() >= cfg_.batch_events || batch.bytes >= cfg_.queue_max_bytes / 4;
        if (full || (!decoder_->in_transaction() && !batch.events.empty() && !conn->readable())) {
          if (!flush()) return;
        }
      }
    } catch (const tor::error& e) {
      // Server errors, and errors of lookups made while decoding: the
      // transient ones (connection lost, server restarting) reconnect.
      if (stop_) break;
      const auto* se = dynamic_cast<const detail::server_error*>(&e);
      if (se && detail::is_dump_refusal(se->code(), info_.flavor == server_flavor::mariadb)) {
        fail(std::make_exception_ptr(tor::error(error_kind::source, refusal_message(*se))));
        return;
      }
      if (!e.transient()) {
        fail(std::current_exception());
        return;
      }
      // Deliver what was read, then come back at the last committed transaction.
      if (!flush()) return;
      decoder_->restart_after_reconnect();
      const auto now = std::chrono::steady_clock::now();
      if (failing_since == std::chrono::steady_clock::time_point{}) failing_since = now;
      if (cfg_.reconnect_give_up.count() > 0 && now - failing_since >= cfg_.reconnect_give_up) {
        fail(std::make_exception_ptr(tor::error(
            error_kind::transient, "gave up reconnecting to " + opts_.where() + " after " +
                                       std::to_string(cfg_.reconnect_give_up.count()) + " ms: " + e.what())));
        return;
      }
      ++reconnects_;
      std::unique_lock lock(wake_m_);
      wake_cv_.wait_for(lock, backoff, [&] { return stop_.load(); });
      backoff = std::min(backoff * 2, cfg_.reconnect_backoff_max);
    } catch (const std::exception& e) {
      if (!stop_) fail(std::make_exception_ptr(tor::error(error_kind::source, std::string("binlog reader failed: ") + e.what())));
      return;
    }
  }
}

TOR_DECL void binlog_source::fail(std::exception_ptr e) {
  signal_started(e);
  queue_->fail(std::move(e));
}

}  // namespace tor::mysql

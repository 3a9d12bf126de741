// Definitions for tor/mysql/change_decoder.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <algorithm>
#include <cctype>

#include <tor/mysql/change_decoder.hpp>

namespace tor::mysql {

TOR_DECL void change_assembler::assemble(stream_item&& item, std::vector<change_event>& out) {
  std::visit([&](auto&& i) { build(std::move(i), out); }, std::move(item));
}

TOR_DECL void change_assembler::build(change_event&& e, std::vector<change_event>& out) { out.push_back(std::move(e)); }

TOR_DECL void change_assembler::build(file_change&& f, std::vector<change_event>&) { current_.position.file = std::move(f.file); }

TOR_DECL void change_assembler::build(pending_begin&& b, std::vector<change_event>& out) {
  out.emplace_back(begin_event{b.id ? b.id->to_string() : std::string(), {current_.position.file, b.offset},
                               time_of(b.timestamp)});
}

TOR_DECL void change_assembler::build(pending_commit&& c, std::vector<change_event>& out) {
  if (c.id) current_.gtids.add(*c.id);
  current_.position.offset = c.offset;
  out.emplace_back(commit_event{current_, time_of(c.timestamp)});
}

TOR_DECL void change_assembler::build(pending_rows&& p, std::vector<change_event>& out) {
  try {
    const auto rows = parse_rows_event(p.type, p.data, scratch_, p.format);
    std::uint32_t index = 0;
    const auto ts = time_of(p.timestamp);
    decode_rows(*p.map, rows, [&](row_image&& before, row_image&& after) {
      row_change rc;
      rc.op = rows.op;
      rc.table = p.info;
      rc.before = std::move(before);
      rc.after = std::move(after);
      rc.position.file = current_.position.file;
      rc.position.offset = p.offset;
      rc.row_index = index++;
      rc.timestamp = ts;
      out.emplace_back(std::move(rc));
    });
  } catch (const tor::error& e) {
    throw tor::error(error_kind::source, std::string(e.what()) + " (binlog position " +
                                             binlog_position{current_.position.file, p.offset}.to_string() + ")");
  }
}

TOR_DECL void change_decoder::start(const checkpoint& at) {
  committed_ = at;
  assembler_ = change_assembler(at);
  file_ = at.position.file;
  pos_ = at.position.offset;
  txn_ = {};
  skip_ = {};
}

TOR_DECL void change_decoder::feed(std::span<const std::uint8_t> event, std::vector<change_event>& out) {
  items_.clear();
  handle(event, items_, false, {});
  for (auto& i : items_) assembler_.assemble(std::move(i), out);
}

TOR_DECL void change_decoder::feed_deferred(std::span<const std::uint8_t> event, std::vector<stream_item>& out) { handle(event, out, false, {}); }

TOR_DECL void change_decoder::restart_after_reconnect() {
  if (txn_.open && txn_.begun && !txn_.buffered) {
    skip_.active = true;
    skip_.id = txn_.id;
    skip_.begin = {file_, txn_.begin};
    skip_.rows_events = txn_.rows_events;
  }
  txn_ = {};
  file_ = committed_.position.file;
  pos_ = committed_.position.offset;
}

TOR_DECL std::string change_decoder::at(const event_header& h) const {
  return file_ + ':' + std::to_string(h.log_pos >= h.size ? h.log_pos - h.size : h.log_pos);
}

TOR_DECL std::string change_decoder::begin_text() const { return file_ + ':' + std::to_string(txn_.begin); }

TOR_DECL std::string change_decoder::gtid_text(const std::optional<tor::gtid>& id) { return id ? id->to_string() : std::string(); }

TOR_DECL void change_decoder::fail_at(const event_header& h, const std::string& what) const {
  throw tor::error(error_kind::source, what + " (binlog position " + at(h) + ")");
}

TOR_DECL void change_decoder::handle(std::span<const std::uint8_t> raw, std::vector<stream_item>& out, bool inner,
            const event_header& outer) {
  event_view ev;
  if (!inner && raw.size() >= event_header_size && raw[4] == event_types::format_description) {
    fd_ = parse_format_description(raw);
    checksums_ = fd_.checksums;
    ev = {parse_event_header(raw), {}};
    if (ev.header.log_pos != 0 && !ev.header.artificial()) pos_ = ev.header.log_pos;
    return;
  }
  try {
    ev = split_event(raw, inner ? false : checksums_);
  } catch (const tor::error& e) {
    throw tor::error(error_kind::source, std::string(e.what()) + " (after binlog position " + file_ + ":" +
                                             std::to_string(pos_) + ")");
  }
  const auto& h = ev.header;
  const event_header& placed = inner ? outer : h;  // where the event sits in the file
  const bool real = !inner && h.log_pos != 0 && !h.artificial();

  switch (h.type) {
    case event_types::rotate: {
      const auto r = parse_rotate(ev.data);
      file_ = r.file;
      out.emplace_back(file_change{file_});
      pos_ = r.position;
      return;
    }
    case event_types::mariadb_gtid: {
      const auto g = parse_mariadb_gtid(ev.data, h.server_id);
      const bool standalone = (g.flags & mariadb_gtid_event::standalone) != 0;
      const bool xa = (g.flags & mariadb_gtid_event::prepared_xa) != 0;
      // A group that is not transactional may still end in ROLLBACK
      // (it changed a non-transactional table): hold its rows until it ends.
      const bool hold = !standalone && !xa && !(g.flags & mariadb_gtid_event::transactional);
      open_transaction(placed, g.id, out, hold);
      txn_.standalone = standalone;
      txn_.xa = xa;
      break;
    }
    case event_types::mysql_gtid:
    case event_types::mysql_anonymous_gtid:
    case event_types::mysql_gtid_tagged: {
      const auto g = parse_mysql_gtid(h.type, ev.data);
      open_transaction(placed, g.anonymous ? std::nullopt : std::optional<gtid>(g.id), out);
      txn_.mysql_gtid = true;
      break;
    }
    case event_types::query:
    case event_types::query_compressed: {
      const auto q = parse_query(h.type, ev.data, fd_.post_header_length(event_types::query));
      if (real) pos_ = h.log_pos;
      on_query(placed, q, out);
      return;
    }
    case event_types::xid:
      if (real) pos_ = h.log_pos;
      if (!txn_.open) fail_at(h, "XID event outside a transaction");
      commit(placed, out);
      return;
    case event_types::xa_prepare:
      if (real) pos_ = h.log_pos;
      if (!txn_.open) fail_at(h, "XA PREPARE event outside a transaction");
      commit(placed, out);
      return;
    case event_types::table_map: on_table_map(h, ev.data); break;
    case event_types::transaction_payload: {
      const auto p = parse_transaction_payload(ev.data);
      std::span<const std::uint8_t> events;
      try {
        events = transaction_payload_events(p, payload_);
      } catch (const tor::error& e) {
        fail_at(h, e.what());
      }
      if (real) pos_ = h.log_pos;
      for_each_event(events, [&](std::span<const std::uint8_t> e) { handle(e, out, true, h); });
      return;
    }
    case event_types::incident: {
      const auto i = parse_incident(ev.data);
      fail_at(h, "the server logged incident " + std::to_string(i.number) + " (" + i.message +
                     "): changes may be missing from the binlog here. Check the server's error log; after "
                     "repairing downstream state, restart Tor without a checkpoint past this position");
    }
    case event_types::heartbeat:
      if (!txn_.open) out.emplace_back(change_event{heartbeat_event{{file_, pos_}}});
      return;
    default:
      if (is_rows_event(h.type)) {
        on_rows(h, placed, ev.data, out);
        break;
      }
      if (known_ignorable(h.type) || (h.flags & event_flags::ignorable)) break;
      fail_at(h, "unknown binlog event type " + std::to_string(h.type) +
                     " that the server does not mark ignorable; this version of Tor cannot tell whether it "
                     "changes data");
  }
  if (real) pos_ = h.log_pos;
}

TOR_DECL bool change_decoder::known_ignorable(std::uint8_t t) {
  switch (t) {
    case event_types::stop:
    case event_types::intvar:
    case event_types::rand:
    case event_types::user_var:
    case event_types::ignorable:
    case event_types::rows_query:
    case event_types::mysql_previous_gtids:
    case event_types::transaction_context:
    case event_types::view_change:
    case event_types::heartbeat_v2:
    case event_types::annotate_rows:
    case event_types::binlog_checkpoint:
    case event_types::mariadb_gtid_list:
    case event_types::start_encryption: return true;
    default: return false;
  }
}

TOR_DECL std::string change_decoder::upper_trimmed(std::string_view q, std::size_t max) {
  while (!q.empty() && std::isspace(static_cast<unsigned char>(q.front()))) q.remove_prefix(1);
  while (!q.empty() && (std::isspace(static_cast<unsigned char>(q.back())) || q.back() == ';')) q.remove_suffix(1);
  std::string s(q.substr(0, max));
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

TOR_DECL void change_decoder::open_transaction(const event_header& h, std::optional<gtid> id, std::vector<stream_item>& out,
                      bool hold) {
  if (txn_.open) fail_at(h, "a new transaction starts before the previous one (" + begin_text() + ") ended");
  txn_ = {};
  txn_.open = true;
  txn_.id = std::move(id);
  txn_.begin = h.log_pos >= h.size ? h.log_pos - h.size : 0;
  txn_.timestamp = time_of(h);
  txn_.stamp = h.timestamp;
  txn_.buffered = hold;
  if (skip_.active && !hold) {
    // Reading again, after a reconnect, the transaction that was half delivered.
    if (skip_.id != txn_.id || (!skip_.id && !(skip_.begin.file == file_ && skip_.begin.offset == txn_.begin)))
      fail_at(h, "after reconnecting, the transaction at " + begin_text() + " (" + gtid_text(txn_.id) +
                     ") is not the one that was being read (" + skip_.begin.to_string() + " " + gtid_text(skip_.id) +
                     "): the binlog changed under the reader");
    txn_.begun = true;
    txn_.skip_rows_events = skip_.rows_events;
    skip_ = {};
    return;
  }
  if (!hold) out.emplace_back(pending_begin{txn_.id, txn_.begin, txn_.stamp});
  txn_.begun = !hold;
}

TOR_DECL void change_decoder::on_query(const event_header& h, const query_event& q, std::vector<stream_item>& out) {
  const auto head = upper_trimmed(q.query, 16);
  if (head == "BEGIN" || head.starts_with("XA START") || head.starts_with("XA BEGIN")) {
    if (!txn_.open) open_transaction(h, std::nullopt, out);
    if (head != "BEGIN") txn_.xa = true;
    txn_.mysql_gtid = false;
    return;
  }
  if (head == "COMMIT") {
    if (!txn_.open) fail_at(h, "COMMIT outside a transaction");
    commit(h, out);
    return;
  }
  if (head.starts_with("XA COMMIT") || head.starts_with("XA ROLLBACK")) {
    // The second phase of an XA transaction: its own group, with no rows.
    if (!txn_.open) open_transaction(h, std::nullopt, out);
    commit(h, out);
    return;
  }
  if (head == "ROLLBACK") {
    if (!txn_.open) fail_at(h, "ROLLBACK outside a transaction");
    rollback(h, out);
    return;
  }
  if (!txn_.open) {
    // A statement outside any group (servers without GTID events): frame it alone.
    open_transaction(h, std::nullopt, out);
    commit(h, out);
    return;
  }
  if (txn_.standalone || txn_.mysql_gtid) {
    commit(h, out);  // DDL: the statement is the whole transaction
    return;
  }
  // Anything else inside a transaction (SAVEPOINT, XA END, statement-based
  // changes) carries no rows to capture.
}

TOR_DECL void change_decoder::commit(const event_header& h, std::vector<stream_item>& out) {
  if (txn_.skip_rows_events)
    fail_at(h, "after reconnecting, the transaction being read again has fewer rows than were delivered");
  if (txn_.id) committed_.gtids.add(*txn_.id);
  committed_.position.file = file_;  // shared: no allocation per transaction
  committed_.position.offset = pos_;
  if (txn_.buffered) {
    out.emplace_back(pending_begin{txn_.id, txn_.begin, txn_.stamp});
    for (auto& e : txn_.held) out.push_back(std::move(e));
  }
  out.emplace_back(pending_commit{txn_.id, pos_, h.timestamp});
  txn_ = {};
}

TOR_DECL void change_decoder::rollback(const event_header& h, std::vector<stream_item>& out) {
  if (txn_.rows_events && !txn_.buffered)
    fail_at(h, "the transaction starting at " + begin_text() +
                   " ends with ROLLBACK after rows of captured tables were read; this happens only when it also "
                   "changed non-transactional tables. Keep captured tables on a transactional engine (InnoDB)");
  txn_.held.clear();
  txn_.rows_events = 0;
  commit(h, out);  // frame it, with no rows, so the position moves past it
}

TOR_DECL void change_decoder::on_table_map(const event_header& h, std::span<const std::uint8_t> data) {
  table_map_header th;
  try {
    th = parse_table_map_header(data, fd_.options());
  } catch (const tor::error& e) {
    fail_at(h, e.what());
  }
  auto& entry = tables_[th.table_id];
  if (entry.raw.size() == data.size() && std::equal(data.begin(), data.end(), entry.raw.begin())) return;
  entry.raw.assign(data.begin(), data.end());
  entry.captured = !opt_.capture || opt_.capture(th.schema, th.table);
  entry.map.reset();
  entry.info.reset();
  if (!entry.captured) return;
  try {
    auto m = std::make_shared<table_map>(parse_table_map(data, fd_.options()));
    if (!m->has_names && opt_.schema_lookup) apply_schema(*m, opt_.schema_lookup(*m));
    auto info = std::make_shared<table_info>();
    info->schema = m->schema;
    info->table = m->table;
    info->columns = m->column_names();
    entry.map = std::move(m);
    entry.info = std::move(info);
  } catch (const tor::error& e) {
    entry.raw.clear();  // parse it again next time rather than trust a half-built entry
    // Keep the kind: a schema lookup that lost its connection is transient.
    throw tor::error(e.kind(), std::string(e.what()) + " (binlog position " + at(h) + ")");
  }
}

TOR_DECL void change_decoder::on_rows(const event_header& h, const event_header& placed, std::span<const std::uint8_t> data,
             std::vector<stream_item>& out) {
  const auto table_id = detail::byte_reader(data).le(std::min<std::size_t>(fd_.options().table_id_size, data.size()));
  const auto it = tables_.find(table_id);
  if (it == tables_.end()) fail_at(h, "rows event for table id " + std::to_string(table_id) + " without its table map");
  const auto& entry = it->second;
  if (!entry.captured) return;
  if (!entry.map) fail_at(h, "rows event for table id " + std::to_string(table_id) + " whose table map could not be read");
  if (!txn_.open) fail_at(h, "rows of " + entry.map->qualified_name() + " outside a transaction");
  if (txn_.xa)
    fail_at(h, "an XA transaction changes captured table " + entry.map->qualified_name() +
                   "; XA transactions are not supported on captured tables (their rows could be rolled back "
                   "after being published)");
  if (txn_.skip_rows_events) {  // delivered before the reconnect
    --txn_.skip_rows_events;
    ++txn_.rows_events;
    return;
  }
  if (h.type == event_types::partial_update_rows || !is_rows_event(h.type)) {
    std::string scratch;
    try {
      (void)parse_rows_event(h.type, data, scratch, fd_.options());
    } catch (const tor::error& e) {
      fail_at(h, e.what());
    }
  }
  pending_rows p;
  p.map = entry.map;
  p.info = entry.info;
  p.type = h.type;
  p.format = fd_.options();
  p.data.assign(data.begin(), data.end());
  p.offset = placed.log_pos >= placed.size ? placed.log_pos - placed.size : 0;
  p.timestamp = h.timestamp;
  ++txn_.rows_events;
  if (txn_.buffered) {
    if (txn_.held.size() >= opt_.max_buffered_events)
      fail_at(h, "transaction at " + begin_text() + " on non-transactional tables holds more than " +
                     std::to_string(opt_.max_buffered_events) + " rows events; keep captured tables on InnoDB");
    txn_.held.emplace_back(std::move(p));
  } else {
    out.emplace_back(std::move(p));
  }
}

}  // namespace tor::mysql

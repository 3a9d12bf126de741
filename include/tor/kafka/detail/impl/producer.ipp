// Definitions for tor/kafka/detail/producer.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <tor/state/checkpoint_json.hpp>
#include <tor/kafka/detail/producer.hpp>

namespace tor::kafka::detail {

TOR_DECL producer::producer(config cfg) : cfg_(std::move(cfg)) {
  validate(cfg_);
  conf_handle conf{rd_kafka_conf_new()};
  char errstr[512] = {};
  for (const auto& [name, value] : producer_properties(cfg_))
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
      throw error(error_kind::invalid_argument,
                  "kafka dispatcher: property " + name + "=" + value + " rejected by librdkafka: " + errstr);
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &producer::on_delivery);
  rd_kafka_conf_set_error_cb(conf.get(), &producer::on_error);
  rd_kafka_conf_set_log_cb(conf.get(), &producer::on_log);
  rk_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr));
  if (!rk_) throw error(error_kind::invalid_argument, std::string("kafka dispatcher: cannot create the producer: ") + errstr);
  (void)conf.release();  // rd_kafka_new took it over
  // With log.queue=true the lines wait in librdkafka until this is set;
  // forwarding them to the main queue makes poll() serve them.
  rd_kafka_set_log_queue(rk_.get(), nullptr);
}

TOR_DECL producer::~producer() {
  // Unacknowledged messages are dropped rather than waited for: the
  // router never counted them as delivered, so they will be sent again.
  if (rk_) rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT | RD_KAFKA_PURGE_F_NON_BLOCKING);
  topics_.clear();  // topic handles go before the client
}

TOR_DECL void producer::send(message&& m, std::uint64_t token) {
  if (m.topic.empty())
    throw error(error_kind::invalid_argument,
                "kafka dispatcher: message with key " + describe_key(m.key) + " (" + position_of(m) +
                    ") has no topic; check the mapper's topic routing");
  topic_state& t = topic(m.topic);
  const place at{&t, m.partition.value_or(RD_KAFKA_PARTITION_UA), ++next_seq_};
  ++outstanding_;
  t.sent.fetch_add(1, std::memory_order_relaxed);

  headers_handle hdrs;
  if (!m.headers.empty()) {
    hdrs.reset(rd_kafka_headers_new(m.headers.size()));
    for (const auto& h : m.headers)
      rd_kafka_header_add(hdrs.get(), h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                          static_cast<ssize_t>(h.value.size()));
  }
  const std::int64_t ts = timestamp_ms(m.timestamp);
  const auto index = acquire({token, at.seq, false});

  rd_kafka_vu_t vu[8] = {};
  std::size_t n = 0;
  vu[n].vtype = RD_KAFKA_VTYPE_RKT, vu[n++].u.rkt = t.rkt.get();
  vu[n].vtype = RD_KAFKA_VTYPE_PARTITION, vu[n++].u.i32 = at.partition;
  vu[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS, vu[n++].u.i = RD_KAFKA_MSG_F_COPY;
  if (!m.key.empty()) {  // an empty key is no key: the partitioner then spreads messages
    vu[n].vtype = RD_KAFKA_VTYPE_KEY;
    vu[n++].u.mem = {m.key.data(), m.key.size()};
  }
  if (m.value) {  // no value at all is a tombstone; an empty value stays an empty value
    vu[n].vtype = RD_KAFKA_VTYPE_VALUE;
    vu[n++].u.mem = {m.value->data(), m.value->size()};
  }
  if (hdrs) vu[n].vtype = RD_KAFKA_VTYPE_HEADERS, vu[n++].u.headers = hdrs.get();
  if (ts) vu[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP, vu[n++].u.i64 = ts;
  vu[n].vtype = RD_KAFKA_VTYPE_OPAQUE, vu[n++].u.ptr = to_opaque(index);

  for (;;) {
    error_handle e{rd_kafka_produceva(rk_.get(), vu, n)};
    if (!e) {
      (void)hdrs.release();  // librdkafka owns them now
      return;
    }
    const auto code = rd_kafka_error_code(e.get());
    if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      // Backpressure: wait for deliveries to make room; never drop.
      serve(std::chrono::milliseconds(100));
      continue;
    }
    release(to_opaque(index));
    refused_message r{at, token, code, rd_kafka_error_string(e.get()), std::move(m.key), std::move(m.value),
                      std::move(m.headers), ts};
    refuse(std::move(r));
    return;
  }
}

TOR_DECL std::size_t producer::poll(std::vector<delivery>& out, std::chrono::milliseconds wait) {
  serve(std::chrono::milliseconds(0));
  throw_if_fenced();
  if (ready_.empty() && wait.count() > 0) {  // no clock read when not waiting: this runs every few messages
    const auto end = std::chrono::steady_clock::now() + wait;
    while (ready_.empty()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      serve(left);
    }
  }
  throw_if_fenced();
  const auto n = ready_.size();
  out.insert(out.end(), std::make_move_iterator(ready_.begin()), std::make_move_iterator(ready_.end()));
  ready_.clear();
  return n;
}

TOR_DECL bool producer::flush(std::chrono::milliseconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    serve(std::chrono::milliseconds(0));
    if (outstanding_ == 0) return true;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    // In slices, so dead-letter copies queued meanwhile are produced too.
    rd_kafka_flush(rk_.get(), static_cast<int>(std::min<std::int64_t>(left.count(), 100)));
    rethrow_callback_error();
  }
}

TOR_DECL std::map<std::string, topic_counts> producer::counts() const {
  std::map<std::string, topic_counts> out;
  std::lock_guard lock(topics_mutex_);
  for (const auto& [name, t] : topics_)
    out[name] = {t->sent.load(std::memory_order_relaxed), t->acknowledged.load(std::memory_order_relaxed),
                 t->failed.load(std::memory_order_relaxed), t->skipped.load(std::memory_order_relaxed),
                 t->dead_lettered.load(std::memory_order_relaxed)};
  return out;
}

TOR_DECL void producer::await_brokers(std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    serve(std::chrono::milliseconds(0));
    if (!security_error_.empty())
      throw error(error_kind::invalid_argument, "kafka: cannot connect to " + cfg_.brokers + ": " + security_error_ +
                                                    security_hint());
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    const rd_kafka_metadata_t* raw = nullptr;
    const auto err = rd_kafka_metadata(rk_.get(), 0, nullptr, &raw,
                                       static_cast<int>(std::min<std::int64_t>(left.count(), 250)));
    metadata_handle md{raw};
    if (!err) return;
  }
}

TOR_DECL std::optional<checkpoint> producer::committed_checkpoint() {
  require_transactional("committed_checkpoint");
  const auto timeout = cfg_.topics.timeout;
  if (!initialized_) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      error_handle e{rd_kafka_init_transactions(rk_.get(), static_cast<int>(timeout.count()))};
      serve(std::chrono::milliseconds(0));
      if (!e) break;
      if (rd_kafka_error_is_retriable(e.get()) && std::chrono::steady_clock::now() < end) continue;
      transaction_failed("initialize transactions", e.get(), /*abortable_is_transient=*/false);
    }
    initialized_ = true;
  }
  topic_options o = cfg_.topics;
  o.create_missing = true;
  o.partitions = 1;
  o.configs = {{"cleanup.policy", "compact"}};
  await_brokers(timeout);
  const auto parts = check_topics(rk_.get(), {cfg_.checkpoint_topic}, o, cfg_.brokers, cfg_.log);
  const int partitions = parts.count(cfg_.checkpoint_topic) ? parts.at(cfg_.checkpoint_topic) : 1;
  return read_committed_checkpoint(cfg_, cfg_.checkpoint_topic, partitions, checkpoint_record_key(cfg_), timeout);
}

TOR_DECL void producer::begin_transaction() {
  require_transactional("begin_transaction");
  if (!initialized_)
    throw error(error_kind::invalid_argument,
                "kafka dispatcher: begin_transaction before committed_checkpoint (which initializes transactions)");
  error_handle e{rd_kafka_begin_transaction(rk_.get())};
  if (e) transaction_failed("begin a transaction", e.get(), true);
}

TOR_DECL void producer::commit_transaction(const checkpoint& c) {
  require_transactional("commit_transaction");
  const std::string value = encode_checkpoint_json(
      {c, utc_timestamp(std::chrono::system_clock::now()), cfg_.transactional_id, 0, checkpoint_format::tor_v1});
  const std::string& key = checkpoint_record_key(cfg_);
  if (!checkpoint_rkt_) {  // not in topics_: it is no routed topic, and has no counters
    checkpoint_rkt_.reset(rd_kafka_topic_new(rk_.get(), cfg_.checkpoint_topic.c_str(), nullptr));
    if (!checkpoint_rkt_)
      throw error(error_kind::invalid_argument, "kafka dispatcher: cannot use checkpoint topic name '" +
                                                    cfg_.checkpoint_topic + "': " +
                                                    rd_kafka_err2str(rd_kafka_last_error()));
  }
  for (;;) {
    const auto err = rd_kafka_producev(rk_.get(), RD_KAFKA_V_RKT(checkpoint_rkt_.get()),
                                       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key.data(), key.size()),
                                       RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                       RD_KAFKA_V_OPAQUE(nullptr), RD_KAFKA_V_END);
    if (!err) break;
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      serve(std::chrono::milliseconds(100));
      continue;
    }
    // Never commit without the checkpoint: sort the error as librdkafka's
    // transaction calls report it, aborting unless it is fatal.
    error_handle e{rd_kafka_error_new(err, "%s", rd_kafka_err2str(err))};
    const std::string what = "write the checkpoint record to topic '" + cfg_.checkpoint_topic + "'";
    if (err == RD_KAFKA_RESP_ERR__FATAL) transaction_failed(what, e.get(), true);
    abort_transaction();
    throw error(error_kind::transient, "kafka: cannot " + what + ": " + rd_kafka_err2str(err) +
                                           ". The transaction was aborted: none of its messages is visible to "
                                           "read-committed consumers");
  }
  const auto timeout = cfg_.transaction_timeout;
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    error_handle e{rd_kafka_commit_transaction(rk_.get(), static_cast<int>(timeout.count()))};
    serve(std::chrono::milliseconds(0));
    if (!e) return;
    if (rd_kafka_error_is_retriable(e.get()) && std::chrono::steady_clock::now() < end) continue;
    transaction_failed("commit the transaction with checkpoint " + c.to_string(), e.get(), true);
  }
}

TOR_DECL void producer::abort_transaction() {
  require_transactional("abort_transaction");
  const auto timeout = cfg_.transaction_timeout;
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    error_handle e{rd_kafka_abort_transaction(rk_.get(), static_cast<int>(timeout.count()))};
    serve(std::chrono::milliseconds(0));
    if (!e) break;
    if (rd_kafka_error_is_retriable(e.get()) && std::chrono::steady_clock::now() < end) continue;
    transaction_failed("abort the transaction", e.get(), false);
  }
  // The purged messages' failures belong to the aborted transaction: the
  // next one starts with no failure standing in front of its messages.
  stops_.clear();
}

TOR_DECL void producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<producer*>(opaque);
  try {
    self->delivered(*m);
  } catch (...) {
    if (!self->callback_error_) self->callback_error_ = std::current_exception();
  }
}

TOR_DECL void producer::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<producer*>(opaque);
  try {
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      self->note_fatal();
      self->log(log_level::error, "FATAL", self->fatal_);
    } else {
      // A refused certificate or password: remembered for await_brokers.
      const std::string_view why = reason ? reason : "";
      if ((err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR__SSL ||
           why.find("SSL handshake failed") != std::string_view::npos) &&
          self->security_error_.empty())
        self->security_error_ = std::string(why);
      // Connection trouble and the like: librdkafka retries by itself.
      self->log(log_level::warning, rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason);
    }
  } catch (...) {
    if (!self->callback_error_) self->callback_error_ = std::current_exception();
  }
  (void)rk;
}

TOR_DECL void producer::on_log(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  auto* self = static_cast<producer*>(rd_kafka_opaque(rk));
  if (!self || !self->cfg_.log) return;
  const log_level l = level <= 3 ? log_level::error
                      : level == 4 ? log_level::warning
                      : level == 5 ? log_level::notice
                      : level == 6 ? log_level::info
                                   : log_level::debug;
  try {
    self->cfg_.log(l, facility, text);
  } catch (...) {
    if (!self->callback_error_) self->callback_error_ = std::current_exception();
  }
}

TOR_DECL void producer::serve(std::chrono::milliseconds wait) {
  rd_kafka_poll(rk_.get(), static_cast<int>(wait.count()));
  rethrow_callback_error();
  pump_dead_letters();
}

TOR_DECL void producer::rethrow_callback_error() {
  if (auto e = std::exchange(callback_error_, nullptr)) std::rethrow_exception(e);
}

TOR_DECL void producer::log(log_level level, std::string_view facility, std::string_view text) const {
  if (cfg_.log) cfg_.log(level, facility, text);
}

TOR_DECL std::string producer::security_hint() const {
  const auto& e = security_error_;
  const auto& s = cfg_.tls;
  if (e.find("SASL authentication") != std::string::npos || e.find("Authentication failed") != std::string::npos)
    return "; check the SASL username and password (and mechanism " +
           std::string(options::name_of(cfg_.sasl.mechanism)) + ")";
  if (e.find("expired") != std::string::npos) return "; the broker's certificate has expired: renew it on the broker";
  if (e.find("certificate verify failed") != std::string::npos || e.find("could not be verified") != std::string::npos)
    return "; the broker's certificate was not issued by the CA " +
           (s.ca.empty() ? std::string("the system trusts") : "in " + s.ca) + ", or does not name the broker's host";
  return "; check the TLS settings";
}

TOR_DECL void producer::require_transactional(const char* what) const {
  if (!cfg_.exactly_once)
    throw error(error_kind::invalid_argument,
                std::string("kafka dispatcher: ") + what + " needs exactly_once (and a transactional_id)");
}

TOR_DECL void producer::transaction_failed(const std::string& what, const rd_kafka_error_t* e, bool abortable_is_transient) {
  const auto code = rd_kafka_error_code(e);
  std::string text = "kafka: cannot " + what + " (transactional.id '" + cfg_.transactional_id + "'): " +
                     rd_kafka_err2name(code) + ": " + rd_kafka_error_string(e);
  if (rd_kafka_error_is_fatal(e) || code == RD_KAFKA_RESP_ERR__FATAL) {
    note_fatal();
    char buf[512] = {};
    const auto underlying = rd_kafka_fatal_error(rk_.get(), buf, sizeof buf);
    if (is_fenced(code) || is_fenced(underlying))
      throw error(error_kind::fenced,
                  text + ". A newer producer with the same transactional id took over (another Tor with this "
                         "transactional id started): this one stops; nothing of its open transaction becomes visible");
    throw error(error_kind::dispatch, text + (fatal_.empty() ? std::string() : "; " + fatal_) +
                                          ". The producer cannot go on: restart Tor (it resumes from the last "
                                          "committed checkpoint)");
  }
  if (rd_kafka_error_txn_requires_abort(e)) {
    try {
      abort_transaction();
    } catch (const error& again) {
      throw error(again.kind(), text + "; aborting it failed too: " + again.what());
    }
    if (abortable_is_transient)
      throw error(error_kind::transient, text + ". The transaction was aborted: none of its messages is visible "
                                                "to read-committed consumers");
  }
  throw error(rd_kafka_error_is_retriable(e) || code == RD_KAFKA_RESP_ERR__TIMED_OUT ? error_kind::transient
                                                                                      : error_kind::dispatch,
              text);
}

TOR_DECL void producer::note_fatal() {
  if (!fatal_.empty()) return;
  char buf[512] = {};
  const auto code = rd_kafka_fatal_error(rk_.get(), buf, sizeof buf);
  if (code) fatal_ = std::string("fatal producer error ") + rd_kafka_err2name(code) + ": " + buf;
  fenced_ = is_fenced(code);
}

TOR_DECL bool producer::is_fenced(rd_kafka_resp_err_t c) noexcept {
  return c == RD_KAFKA_RESP_ERR__FENCED || c == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
         c == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
}

TOR_DECL void producer::throw_if_fenced() const {
  if (cfg_.exactly_once && fenced_)
    throw error(error_kind::fenced, "kafka: " + fatal_ + " (transactional.id '" + cfg_.transactional_id +
                                        "'). A newer producer with the same transactional id took over (another "
                                        "Tor with this transactional id started): this one stops; nothing of its "
                                        "open transaction becomes visible");
}

TOR_DECL topic_state& producer::topic(const shared_string& name) {
  if (sent_topic_ && !name.empty() && sent_name_.shares_with(name)) return *sent_topic_;
  sent_topic_ = &topic_named(name);
  sent_name_ = name;
  return *sent_topic_;
}

TOR_DECL topic_state& producer::topic_named(std::string_view view) {
  if (last_topic_ && last_topic_->name == view) return *last_topic_;
  const std::string name(view);
  auto it = topics_.find(name);
  if (it == topics_.end()) {
    auto t = std::make_unique<topic_state>(name);
    topic_conf_handle tconf{rd_kafka_default_topic_conf_dup(rk_.get())};  // keeps acks etc. from the global conf
    rd_kafka_topic_conf_set_opaque(tconf.get(), t.get());
    t->rkt.reset(rd_kafka_topic_new(rk_.get(), name.c_str(), tconf.release()));
    if (!t->rkt)
      throw error(error_kind::invalid_argument, "kafka dispatcher: cannot use topic name '" + name +
                                                    "': " + rd_kafka_err2str(rd_kafka_last_error()));
    std::lock_guard lock(topics_mutex_);
    it = topics_.emplace(name, std::move(t)).first;
  }
  last_topic_ = it->second.get();
  return *last_topic_;
}

TOR_DECL topic_state* producer::topic_of(const rd_kafka_message_t& m) {
  if (auto* t = static_cast<topic_state*>(rd_kafka_topic_opaque(m.rkt))) return t;
  return &topic_named(rd_kafka_topic_name(m.rkt));
}

TOR_DECL void* producer::to_opaque(std::size_t index) noexcept {
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(index) + 1);
}

TOR_DECL std::size_t producer::acquire(slot s) {
  if (free_.empty()) {
    slots_.push_back(s);
    return slots_.size() - 1;
  }
  const auto i = free_.back();
  free_.pop_back();
  slots_[i] = s;
  return i;
}

TOR_DECL slot producer::release(void* opaque) {
  const auto i = static_cast<std::size_t>(reinterpret_cast<std::uintptr_t>(opaque) - 1);
  free_.push_back(i);
  return slots_[i];
}

TOR_DECL void producer::delivered(const rd_kafka_message_t& m) {
  if (!m._private) {  // the checkpoint record: its outcome is the commit's
    if (m.err) log(log_level::warning, "tor", std::string("the checkpoint record failed: ") + rd_kafka_err2str(m.err));
    return;
  }
  const slot s = release(m._private);
  topic_state* t = topic_of(m);
  if (s.dead_letter) {
    dead_letter_done(s, m, *t);
    return;
  }
  const place at{t, m.partition, s.seq};
  if (!m.err) {
    settle({{s.token, {}}, at, outcome::acknowledged});
    return;
  }
  refused_message r{at, s.token, m.err, {}, {}, {}, {}, 0};
  if (m.key) r.key.assign(static_cast<const char*>(m.key), m.key_len);
  if (m.payload) r.value.emplace(static_cast<const char*>(m.payload), m.len);
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(&m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    for (std::size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
      r.headers.push_back({name, value ? std::string(static_cast<const char*>(value), size) : std::string()});
  }
  rd_kafka_timestamp_type_t tstype{};
  r.timestamp_ms = rd_kafka_message_timestamp(&m, &tstype);
  if (r.timestamp_ms < 0) r.timestamp_ms = 0;
  refuse(std::move(r));
}

TOR_DECL void producer::refuse(refused_message&& r) {
  note_fatal();
  const bool fatal = !fatal_.empty() || r.err == RD_KAFKA_RESP_ERR__FATAL;
  std::string text = describe(r);
  if (!fatal && is_poison(r.err) && cfg_.on_poison == poison_policy::skip) {
    log(log_level::warning, "tor", "skipped a message the broker will never accept (poison policy skip): " + text);
    settle({{r.token, {}}, r.at, outcome::skipped});
    return;
  }
  if (!fatal && is_poison(r.err) && cfg_.on_poison == poison_policy::dead_letter) {
    log(log_level::warning, "tor", "sending a message the broker will never accept to dead-letter topic '" +
                                       cfg_.dead_letter_topic + "': " + text);
    dead_letters_.push_back({std::move(r), std::move(text), false});
    return;  // reported when the copy is acknowledged (pump_dead_letters, dead_letter_done)
  }
  add_stop(r.at);
  settle({{r.token, std::move(text)}, r.at, outcome::failed});
}

TOR_DECL std::string producer::describe(const refused_message& r) const {
  std::string s = "kafka: message to topic '" + r.at.topic->name + "'";
  if (r.at.partition != RD_KAFKA_PARTITION_UA) s += " partition " + std::to_string(r.at.partition);
  s += " (key " + describe_key(r.key) + ", " +
       describe_position(r.find_header(headers::binlog_file), r.find_header(headers::binlog_pos));
  if (r.value) s += ", " + std::to_string(r.value->size()) + "-byte value";
  s += ") failed: " + describe_error(r.err);
  if (!r.detail.empty() && r.detail != rd_kafka_err2str(r.err)) s += " (" + r.detail + ")";
  if (!fatal_.empty()) s += "; " + fatal_;
  if (auto h = hint(fatal_.empty() ? r.err : RD_KAFKA_RESP_ERR__FATAL); !h.empty()) s += "; " + std::string(h);
  return s;
}

TOR_DECL void producer::settle(report r) {
  for (const auto& d : dead_letters_)
    if (follows(r.at, d.original.at)) {
      // Keep held reports in send order so releasing them keeps partition order.
      auto pos = std::upper_bound(held_.begin(), held_.end(), r.at.seq,
                                  [](std::uint64_t seq, const report& h) { return seq < h.at.seq; });
      held_.insert(pos, std::move(r));
      return;
    }
  finish(std::move(r));
}

TOR_DECL void producer::finish(report r) {
  if (r.how != outcome::failed && stopped(r.at)) {
    r.d.error = "kafka: message to topic '" + r.at.topic->name + "'" +
                (r.at.partition == RD_KAFKA_PARTITION_UA ? std::string()
                                                         : " partition " + std::to_string(r.at.partition)) +
                " not counted as delivered: an earlier message of that partition failed (see its report), "
                "and an acknowledgement must not skip a failure";
    r.how = outcome::failed;
  }
  auto& t = *r.at.topic;
  switch (r.how) {
    case outcome::acknowledged: t.acknowledged.fetch_add(1, std::memory_order_relaxed); break;
    case outcome::skipped: t.skipped.fetch_add(1, std::memory_order_relaxed); break;
    case outcome::dead_lettered: t.dead_lettered.fetch_add(1, std::memory_order_relaxed); break;
    case outcome::failed: t.failed.fetch_add(1, std::memory_order_relaxed); break;
  }
  ready_.push_back(std::move(r.d));
  --outstanding_;
}

TOR_DECL void producer::add_stop(const place& at) {
  auto [it, inserted] = stops_.emplace(std::pair{at.topic, at.partition}, at.seq);
  if (!inserted) it->second = std::min(it->second, at.seq);
}

TOR_DECL bool producer::stopped(const place& at) const {
  if (stops_.empty()) return false;
  auto before = [&](std::int32_t partition) {
    auto it = stops_.find({at.topic, partition});
    return it != stops_.end() && at.seq > it->second;
  };
  if (at.partition != RD_KAFKA_PARTITION_UA) return before(at.partition) || before(RD_KAFKA_PARTITION_UA);
  for (auto it = stops_.lower_bound({at.topic, std::numeric_limits<std::int32_t>::min()}); it != stops_.end() && it->first.first == at.topic; ++it)
    if (at.seq > it->second) return true;
  return false;
}

TOR_DECL void producer::release_held() {
  std::deque<report> still;
  while (!held_.empty()) {
    report r = std::move(held_.front());
    held_.pop_front();
    const bool blocked = std::any_of(dead_letters_.begin(), dead_letters_.end(),
                                     [&](const pending_dead_letter& d) { return follows(r.at, d.original.at); });
    if (blocked) still.push_back(std::move(r));
    else finish(std::move(r));
  }
  held_ = std::move(still);
}

TOR_DECL void producer::pump_dead_letters() {
  for (auto it = dead_letters_.begin(); it != dead_letters_.end();) {
    if (it->produced) {
      ++it;
      continue;
    }
    auto& d = *it;
    topic_state& t = topic_named(cfg_.dead_letter_topic);
    headers_handle hdrs{rd_kafka_headers_new(d.original.headers.size() + 4)};
    for (const auto& h : d.original.headers)
      rd_kafka_header_add(hdrs.get(), h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                          static_cast<ssize_t>(h.value.size()));
    const std::string partition = std::to_string(d.original.at.partition);
    rd_kafka_header_add(hdrs.get(), "tor.dlq.topic", -1, d.original.at.topic->name.data(),
                        static_cast<ssize_t>(d.original.at.topic->name.size()));
    rd_kafka_header_add(hdrs.get(), "tor.dlq.partition", -1, partition.data(), static_cast<ssize_t>(partition.size()));
    rd_kafka_header_add(hdrs.get(), "tor.dlq.error", -1, d.reason.data(), static_cast<ssize_t>(d.reason.size()));

    const auto index = acquire({d.original.token, d.original.at.seq, true});
    rd_kafka_vu_t vu[8] = {};
    std::size_t n = 0;
    vu[n].vtype = RD_KAFKA_VTYPE_RKT, vu[n++].u.rkt = t.rkt.get();
    vu[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS, vu[n++].u.i = RD_KAFKA_MSG_F_COPY;
    if (!d.original.key.empty()) {
      vu[n].vtype = RD_KAFKA_VTYPE_KEY;
      vu[n++].u.mem = {d.original.key.data(), d.original.key.size()};
    }
    if (d.original.value) {
      vu[n].vtype = RD_KAFKA_VTYPE_VALUE;
      vu[n++].u.mem = {d.original.value->data(), d.original.value->size()};
    }
    vu[n].vtype = RD_KAFKA_VTYPE_HEADERS, vu[n++].u.headers = hdrs.get();
    if (d.original.timestamp_ms) vu[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP, vu[n++].u.i64 = d.original.timestamp_ms;
    vu[n].vtype = RD_KAFKA_VTYPE_OPAQUE, vu[n++].u.ptr = to_opaque(index);

    error_handle e{rd_kafka_produceva(rk_.get(), vu, n)};
    if (!e) {
      (void)hdrs.release();
      d.produced = true;
      t.sent.fetch_add(1, std::memory_order_relaxed);
      ++it;
      continue;
    }
    release(to_opaque(index));
    const auto code = rd_kafka_error_code(e.get());
    if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL) return;  // try again after the next poll
    t.sent.fetch_add(1, std::memory_order_relaxed);
    t.failed.fetch_add(1, std::memory_order_relaxed);
    it = dead_letter_failed(it, describe_error(code) + " (" + rd_kafka_error_string(e.get()) + ")");
  }
}

TOR_DECL void producer::dead_letter_done(const slot& s, const rd_kafka_message_t& m, topic_state& dlq) {
  auto it = std::find_if(dead_letters_.begin(), dead_letters_.end(), [&](const pending_dead_letter& d) {
    return d.produced && d.original.token == s.token && d.original.at.seq == s.seq;
  });
  if (it == dead_letters_.end()) return;  // cannot happen: every copy has its entry
  if (m.err) {
    dlq.failed.fetch_add(1, std::memory_order_relaxed);
    dead_letter_failed(it, describe_error(m.err));
    return;
  }
  dlq.acknowledged.fetch_add(1, std::memory_order_relaxed);
  report r{{it->original.token, {}}, it->original.at, outcome::dead_lettered};
  dead_letters_.erase(it);
  settle(std::move(r));
  release_held();
}

TOR_DECL auto producer::dead_letter_failed(std::list<pending_dead_letter>::iterator it, const std::string& why)
    -> std::list<pending_dead_letter>::iterator {
  const place at = it->original.at;
  report r{{it->original.token, "could not write it to dead-letter topic '" + cfg_.dead_letter_topic + "' (" + why +
                                    "); the original failure: " + it->reason},
           at, outcome::failed};
  auto next = dead_letters_.erase(it);
  add_stop(at);
  settle(std::move(r));
  release_held();
  return next;
}

TOR_DECL std::int64_t producer::timestamp_ms(std::chrono::system_clock::time_point tp) noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count();
}

TOR_DECL std::string producer::position_of(const message& m) {
  return describe_position(m.find_header(headers::binlog_file), m.find_header(headers::binlog_pos));
}

}  // namespace tor::kafka::detail

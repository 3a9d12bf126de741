// Definitions for tor/redis/state_store.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <tor/redis/state_store.hpp>

namespace tor::redis {

TOR_DECL state_store::state_store(state_store_config config) : config_(std::move(config)) {
  config_.validate();
  if (config_.holder.empty()) config_.holder = tor::detail::process_identity();
  owner_key_ = config_.key + ":owner";
}

TOR_DECL std::optional<checkpoint> state_store::load() {
  auto doc = load_document();
  if (!doc) return std::nullopt;
  return std::move(doc->state);
}

TOR_DECL std::optional<checkpoint_document> state_store::load_document() {
  if (!epoch_) return claim_and_read();
  return read("load the checkpoint", false);
}

TOR_DECL std::uint64_t state_store::claim() {
  if (!epoch_) (void)claim_and_read();
  return *epoch_;
}

TOR_DECL void state_store::save(const checkpoint& c) {
  if (!epoch_) (void)claim_and_read(true, false);
  const auto now = state_store_status::clock::now();
  const auto doc = encode_checkpoint_json({c, utc_timestamp(now), config_.holder, *epoch_, checkpoint_format::tor_v1});
  const auto epoch_text = std::to_string(*epoch_);
  const auto now_text = utc_timestamp(now);
  run("save the checkpoint", true, [&](detail::connection& conn) {
    auto r = eval(conn, save_sha_, detail::save_script,
                  {config_.key, owner_key_}, {epoch_text, doc, config_.holder, now_text});
    if (r->type == REDIS_REPLY_ERROR) {
      const auto reply = detail::parse_error(*r);
      if (reply.code == "TORFENCED") throw fenced(reply.message);
      if (reply.code == "TORWRONGTYPE")
        throw error(error_kind::state, "cannot save the checkpoint to " + where() + ": the key holds a Redis " +
                                           std::string(reply.message) +
                                           ", not a checkpoint string. Tor does not overwrite it: find out what "
                                           "wrote it, then delete it or choose another key");
      throw reply_error(*r, "save the checkpoint");
    }
    if (r->type != REDIS_REPLY_INTEGER) throw unexpected(*r, "the save script");
    if (config_.wait_replicas > 0) wait_for_replicas(conn);
  });
  status_.record_success(now);
}

TOR_DECL std::optional<checkpoint_document> state_store::claim_and_read(bool during_save, bool decode) {
  const auto now = utc_timestamp(state_store_status::clock::now());
  std::optional<checkpoint_document> result;
  run("claim the checkpoint key", during_save, [&](detail::connection& conn) {
    auto r = eval(conn, claim_sha_, detail::claim_script, {config_.key, owner_key_}, {config_.holder, now});
    if (r->type == REDIS_REPLY_ERROR) throw reply_error(*r, "claim the checkpoint key");
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 || r->element[0]->type != REDIS_REPLY_INTEGER ||
        r->element[1]->type != REDIS_REPLY_STRING)
      throw unexpected(*r, "the claim script");
    const auto epoch = static_cast<std::uint64_t>(r->element[0]->integer);
    const auto kind = detail::text_of(*r->element[1]);
    // The claim holds even when what is stored turns out unreadable: this
    // instance is the owner now, and an operator fixes the value.
    epoch_ = epoch;
    if (kind == "none" || (!decode && kind == "string")) return;
    if (kind != "string" || r->elements < 3 || r->element[2]->type != REDIS_REPLY_STRING) throw wrong_type(kind);
    result = decode_checkpoint_json(detail::text_of(*r->element[2]), where());
  });
  return result;
}

TOR_DECL std::optional<checkpoint_document> state_store::read(const char* action, bool during_save) {
  std::optional<checkpoint_document> result;
  run(action, during_save, [&](detail::connection& conn) {
    auto r = conn.command({"GET", config_.key});
    if (r->type == REDIS_REPLY_NIL) return;
    if (r->type == REDIS_REPLY_ERROR && detail::error_code(*r) == "WRONGTYPE") {
      auto t = conn.command({"TYPE", config_.key});
      throw wrong_type(t->type == REDIS_REPLY_STATUS ? detail::text_of(*t) : "non-string value");
    }
    if (r->type == REDIS_REPLY_ERROR) throw reply_error(*r, action);
    if (r->type != REDIS_REPLY_STRING) throw unexpected(*r, "GET");
    result = decode_checkpoint_json(detail::text_of(*r), where());
  });
  return result;
}

TOR_DECL void state_store::wait_for_replicas(detail::connection& conn) {
  const auto n = std::to_string(config_.wait_replicas);
  auto r = conn.command({"WAIT", n, std::to_string(config_.wait_timeout.count())});
  if (r->type == REDIS_REPLY_ERROR) throw reply_error(*r, "wait for replicas");
  if (r->type != REDIS_REPLY_INTEGER) throw unexpected(*r, "WAIT");
  if (r->integer < config_.wait_replicas)
    throw error(error_kind::transient,
                "the checkpoint was saved on the Redis primary (" + where() + ") but only " +
                    std::to_string(r->integer) + " of " + n + " replicas acknowledged it within " +
                    std::to_string(config_.wait_timeout.count()) +
                    " ms (wait_replicas); a failover now could lose it. Saves are retried; check the replicas "
                    "(INFO replication) or lower wait_replicas");
}

TOR_DECL detail::reply_ptr state_store::eval(detail::connection& conn, std::string& sha, std::string_view script,
                       std::initializer_list<std::string_view> keys, std::initializer_list<std::string_view> args) {
  return detail::eval_script(conn, sha, script, keys, args, [&](const redisReply& loaded) {
    if (loaded.type == REDIS_REPLY_ERROR) throw reply_error(loaded, "load a Lua script (SCRIPT LOAD)");
    throw unexpected(loaded, "SCRIPT LOAD");
  });
}

TOR_DECL detail::connection& state_store::connect(const char* action) {
  if (conn_) return *conn_;
  const auto now = steady::now();
  if (now < next_attempt_)
    throw error(error_kind::transient,
                "cannot " + std::string(action) + " in " + where() + ": Redis was unreachable (" +
                    last_connect_error_ + "); next connection attempt in " +
                    std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now).count()) +
                    " ms");
  try {
    auto conn = std::make_unique<detail::connection>(config_.host, config_.port, config_.unix_socket,
                                                     config_.timeout, config_.timeout, config_.tls);
    if (!config_.password.empty()) {
      auto r = config_.username.empty() ? conn->command({"AUTH", config_.password})
                                        : conn->command({"AUTH", config_.username, config_.password});
      if (r->type == REDIS_REPLY_ERROR) throw reply_error(*r, "authenticate (AUTH)");
    }
    if (config_.database != 0) {
      auto r = conn->command({"SELECT", std::to_string(config_.database)});
      if (r->type == REDIS_REPLY_ERROR) throw reply_error(*r, "select database " + std::to_string(config_.database));
    }
    conn_ = std::move(conn);
    // Script SHAs are looked up again on a new connection: the server may be a new one.
    claim_sha_.clear();
    save_sha_.clear();
    backoff_ = {};
    return *conn_;
  } catch (const detail::io_failure& f) {
    last_connect_error_ = f.what();
    backoff_after_failure();
    // A refused certificate is a configuration problem, like a wrong password.
    throw error(f.rejected ? error_kind::state : error_kind::transient,
                "cannot " + std::string(action) + " in " + where() + ": cannot connect (" + std::string(f.what()) + ")");
  }
}

TOR_DECL void state_store::backoff_after_failure() {
  backoff_ = backoff_.count() == 0 ? config_.reconnect_backoff_min
                                   : std::min(backoff_ * 2, config_.reconnect_backoff_max);
  next_attempt_ = steady::now() + backoff_;
}

TOR_DECL std::string state_store::consequence(bool during_save) {
  return during_save ? "; the router keeps publishing and retries the save, the saved checkpoint lags meanwhile"
                     : "; retry when Redis is reachable";
}

TOR_DECL error state_store::reply_error(const redisReply& r, const std::string& action) const {
  const auto [code, message] = detail::parse_error(r);
  const auto text = detail::text_of(r);
  const std::string quoted = "\"" + std::string(text.substr(0, 300)) + "\"";
  const std::string head = "cannot " + action + " in " + where() + ": Redis answered " + quoted;
  for (const std::string_view passing : {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY",
                                         "OOM", "MISCONF", "NOREPLICAS"})
    if (code == passing)
      return error(error_kind::transient, head + " (the server is loading, busy, failing over, read-only or out "
                                                 "of memory; this passes or needs an operator, saves are retried)");
  const std::string user = config_.username.empty() ? std::string("the default user") : "user '" + config_.username + "'";
  if (code == "NOAUTH")
    return error(error_kind::state, head + ". Redis requires a password: set the password (and the username "
                                           "for an ACL user) in the Redis settings");
  if (code == "WRONGPASS" || text.find("invalid password") != std::string_view::npos ||
      text.find("without any password configured") != std::string_view::npos)
    return error(error_kind::state, head + ". Redis refused the credentials of " + user +
                                        ": check the username and password in the Redis settings");
  if (code == "NOPERM")
    return error(error_kind::state, head + ". " + user +
                                        " lacks a permission Tor needs: grant the ACL rules listed in "
                                        "docs/state-stores.md for keys '" + config_.key + "' and '" + owner_key_ + "'");
  if (code == "TORBADOWNER")
    return error(error_kind::state, "cannot " + action + " in " + where() + ": the owner record '" + owner_key_ +
                                        "' is damaged (" + std::string(message.substr(0, 200)) +
                                        "). Stop every Tor instance using this key, delete '" + owner_key_ +
                                        "' and start one instance");
  if (code == "WRONGTYPE")
    return error(error_kind::state, head + ". A key Tor uses ('" + config_.key + "' or '" + owner_key_ +
                                        "') holds another kind of value: find out what wrote it");
  return error(error_kind::state, head);
}

TOR_DECL error state_store::unexpected(const redisReply& r, const std::string& what) const {
  return error(error_kind::state, "unexpected answer from " + where() + " to " + what + ": " +
                                      detail::type_name(r) + " " + quote_found(detail::text_of(r), 100) +
                                      " (is this a Redis server?)");
}

TOR_DECL error state_store::wrong_type(std::string_view kind) const {
  return error(error_kind::state, "cannot read the checkpoint in " + where() + ": the key holds a Redis " +
                                      std::string(kind) + ", not a string with a checkpoint document. " +
                                      std::string(tor::detail::checkpoint_what_to_do));
}

TOR_DECL error state_store::fenced(std::string_view message) const {
  const auto space = message.find(' ');
  const auto newer = message.substr(0, space);
  const auto who = space == std::string_view::npos ? std::string_view("an unknown holder") : message.substr(space + 1);
  return error(error_kind::fenced,
               "checkpoint not saved: " + where() + " is owned by a newer Tor instance (owner epoch " +
                   std::string(newer) + ", claimed by " + std::string(who) + "); this instance (epoch " +
                   std::to_string(*epoch_) + ", " + config_.holder +
                   ") has been fenced off and must stop. Two instances were running against the same key: keep "
                   "only one. To make this one the owner again, stop the other and restart this one (it claims a "
                   "new epoch at start)");
}

}  // namespace tor::redis

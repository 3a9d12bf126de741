// Definitions for tor/redis/detail/hiredis.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <tor/redis/detail/hiredis.hpp>

namespace tor::redis::detail {

TOR_DECL timeval to_timeval(std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(d.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((d.count() % 1000) * 1000);
  return tv;
}

TOR_DECL std::string_view text_of(const redisReply& r) {
  return r.str ? std::string_view(r.str, r.len) : std::string_view();
}

TOR_DECL const char* type_name(const redisReply& r) {
  switch (r.type) {
    case REDIS_REPLY_STRING: return "a string";
    case REDIS_REPLY_ARRAY: return "an array";
    case REDIS_REPLY_INTEGER: return "an integer";
    case REDIS_REPLY_NIL: return "nil";
    case REDIS_REPLY_STATUS: return "a status";
    case REDIS_REPLY_ERROR: return "an error";
    default: return "an unknown reply type";
  }
}

TOR_DECL error_reply parse_error(const redisReply& r) {
  const auto t = text_of(r);
  const auto space = t.find(' ');
  if (space == std::string_view::npos) return {t, {}};
  return {t.substr(0, space), t.substr(space + 1)};
}

TOR_DECL std::string_view error_code(const redisReply& r) { return parse_error(r).code; }

TOR_DECL connection::connection(const std::string& host, int port, const std::string& unix_socket,
           std::chrono::milliseconds connect_timeout, std::chrono::milliseconds command_timeout,
           const tls_options& tls) {
  sigpipe_guard guard;
  if (tls.enabled && unix_socket.empty()) {
    tls_ = std::make_unique<tls_stream>(host, port, tls, connect_timeout, command_timeout);
    return;
  }
  const auto tv = to_timeval(connect_timeout);
  ctx_.reset(unix_socket.empty() ? redisConnectWithTimeout(host.c_str(), port, tv)
                                 : redisConnectUnixWithTimeout(unix_socket.c_str(), tv));
  if (!ctx_) throw io_failure("cannot allocate a hiredis context");
  if (ctx_->err) throw failure_of(errno);
  if (redisSetTimeout(ctx_.get(), to_timeval(command_timeout)) != 0) throw failure_of(errno);
  if (unix_socket.empty()) (void)redisEnableKeepAlive(ctx_.get());
}

TOR_DECL reply_ptr connection::command(std::initializer_list<std::string_view> args) {
  return command(std::vector<std::string_view>(args));
}

TOR_DECL reply_ptr connection::command(const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  sigpipe_guard guard;
  if (tls_) return reply_ptr(tls_->command(static_cast<int>(argv.size()), argv.data(), lens.data()));
  errno = 0;
  reply_ptr r(static_cast<redisReply*>(
      redisCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lens.data())));
  if (!r) throw failure_of(errno);
  return r;
}

TOR_DECL io_failure connection::failure_of(int err) const {
  io_failure f(ctx_ && ctx_->errstr[0] ? ctx_->errstr : "unknown hiredis error");
#ifdef REDIS_ERR_TIMEOUT
  if (ctx_ && ctx_->err == REDIS_ERR_TIMEOUT) f.timed_out = true;
#endif
  if (ctx_ && ctx_->err == REDIS_ERR_IO && (err == EAGAIN || err == EWOULDBLOCK)) f.timed_out = true;
  if (ctx_ && ctx_->err == REDIS_ERR_IO && (err == EPIPE || err == ECONNRESET)) f.broken_pipe = true;
  if (ctx_ && ctx_->err == REDIS_ERR_EOF) f.broken_pipe = true;
  return f;
}

}  // namespace tor::redis::detail

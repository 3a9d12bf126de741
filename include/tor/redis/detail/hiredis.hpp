// hiredis (the synchronous C API, 0.14 and later) owned by RAII: a context
// and every reply are wrapped from the line they are created. A command
// either returns a reply (which may be an error reply: the server answered)
// or throws detail::io_failure (the connection broke or timed out: the
// context is unusable from then on and must be replaced).
#pragma once

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include <tor/redis/detail/tls_stream.hpp>

namespace tor::redis::detail {

struct context_deleter {
  void operator()(redisContext* c) const noexcept { redisFree(c); }
};
using context_ptr = std::unique_ptr<redisContext, context_deleter>;

struct reply_deleter {
  void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

inline timeval to_timeval(std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(d.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((d.count() % 1000) * 1000);
  return tv;
}

/// hiredis writes with write(2): a server that has closed the connection
/// would raise SIGPIPE and kill the process. For the duration of a call the
/// signal is blocked in this thread, and one it raised is discarded, so the
/// failure surfaces as EPIPE instead.
class sigpipe_guard {
 public:
  sigpipe_guard() noexcept {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~sigpipe_guard() {
    if (!was_pending_) {
      sigset_t pending;
      sigemptyset(&pending);
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec now{0, 0};
        while (sigtimedwait(&pipe_, nullptr, &now) < 0 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool was_pending_ = false;
};

/// One synchronous connection: hiredis' own, or over TLS a stream of ours
/// that still uses hiredis' protocol code.
class connection {
 public:
  /// Connects over TCP (`unix_socket` empty), TLS (`tls.enabled`) or a unix
  /// socket, then applies the command timeout to every later read and write.
  connection(const std::string& host, int port, const std::string& unix_socket,
             std::chrono::milliseconds connect_timeout, std::chrono::milliseconds command_timeout,
             const tls_options& tls = {}) {
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

  /// Sends one command (binary-safe arguments) and returns the reply.
  reply_ptr command(std::initializer_list<std::string_view> args) {
    return command(std::vector<std::string_view>(args));
  }
  reply_ptr command(const std::vector<std::string_view>& args) {
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

 private:
  [[nodiscard]] io_failure failure_of(int err) const {
    io_failure f(ctx_ && ctx_->errstr[0] ? ctx_->errstr : "unknown hiredis error");
#ifdef REDIS_ERR_TIMEOUT
    if (ctx_ && ctx_->err == REDIS_ERR_TIMEOUT) f.timed_out = true;
#endif
    if (ctx_ && ctx_->err == REDIS_ERR_IO && (err == EAGAIN || err == EWOULDBLOCK)) f.timed_out = true;
    if (ctx_ && ctx_->err == REDIS_ERR_IO && (err == EPIPE || err == ECONNRESET)) f.broken_pipe = true;
    if (ctx_ && ctx_->err == REDIS_ERR_EOF) f.broken_pipe = true;
    return f;
  }

  context_ptr ctx_;
  std::unique_ptr<tls_stream> tls_;
};

// ---- reading replies ---------------------------------------------------------

inline std::string_view text_of(const redisReply& r) {
  return r.str ? std::string_view(r.str, r.len) : std::string_view();
}

inline const char* type_name(const redisReply& r) {
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

/// An error reply as Redis (and Tor's scripts) write one: a code, a space,
/// the message ("WRONGPASS invalid username-password pair ...").
struct error_reply {
  std::string_view code;     ///< "WRONGPASS", "NOSCRIPT", "ERR", "TORFENCED" ...
  std::string_view message;  ///< the rest, without the separating space
};

inline error_reply parse_error(const redisReply& r) {
  const auto t = text_of(r);
  const auto space = t.find(' ');
  if (space == std::string_view::npos) return {t, {}};
  return {t.substr(0, space), t.substr(space + 1)};
}

/// The first word of an error reply ("WRONGPASS", "NOSCRIPT", "ERR" ...).
inline std::string_view error_code(const redisReply& r) { return parse_error(r).code; }

/// Runs a Lua script by EVALSHA: loads it first (SCRIPT LOAD) when `sha`
/// is empty, remembering its digest there, and falls back to EVAL when the
/// server no longer has it cached (restarted, or SCRIPT FLUSH; EVAL caches
/// it again). A SCRIPT LOAD that does not answer with a digest is handed to
/// `refused(reply)`, which must throw.
template <class Refused>
reply_ptr eval_script(connection& conn, std::string& sha, std::string_view script,
                      std::initializer_list<std::string_view> keys, std::initializer_list<std::string_view> args,
                      Refused&& refused) {
  const auto nkeys = std::to_string(keys.size());
  auto call = [&](std::string_view verb, std::string_view body) {
    std::vector<std::string_view> argv{verb, body, nkeys};
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return conn.command(argv);
  };
  if (sha.empty()) {
    auto loaded = conn.command({"SCRIPT", "LOAD", script});
    if (loaded->type != REDIS_REPLY_STRING) {
      refused(*loaded);
      throw std::logic_error("eval_script: the SCRIPT LOAD handler returned");
    }
    sha = std::string(text_of(*loaded));
  }
  auto r = call("EVALSHA", sha);
  if (r->type == REDIS_REPLY_ERROR && error_code(*r) == "NOSCRIPT") r = call("EVAL", script);
  return r;
}

}  // namespace tor::redis::detail

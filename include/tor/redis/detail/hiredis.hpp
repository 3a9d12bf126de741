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

#include <tor/core/detail/config.hpp>
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

TOR_DECL timeval to_timeval(std::chrono::milliseconds d);

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
  TOR_DECL connection(const std::string& host, int port, const std::string& unix_socket,
             std::chrono::milliseconds connect_timeout, std::chrono::milliseconds command_timeout,
             const tls_options& tls = {});

  /// Sends one command (binary-safe arguments) and returns the reply.
  TOR_DECL reply_ptr command(std::initializer_list<std::string_view> args);
  TOR_DECL reply_ptr command(const std::vector<std::string_view>& args);

 private:
  [[nodiscard]] TOR_DECL io_failure failure_of(int err) const;

  context_ptr ctx_;
  std::unique_ptr<tls_stream> tls_;
};

// ---- reading replies ---------------------------------------------------------

TOR_DECL std::string_view text_of(const redisReply& r);

TOR_DECL const char* type_name(const redisReply& r);

/// An error reply as Redis (and Tor's scripts) write one: a code, a space,
/// the message ("WRONGPASS invalid username-password pair ...").
struct error_reply {
  std::string_view code;     ///< "WRONGPASS", "NOSCRIPT", "ERR", "TORFENCED" ...
  std::string_view message;  ///< the rest, without the separating space
};

TOR_DECL error_reply parse_error(const redisReply& r);

/// The first word of an error reply ("WRONGPASS", "NOSCRIPT", "ERR" ...).
TOR_DECL std::string_view error_code(const redisReply& r);

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

#ifdef TOR_HEADER_ONLY
#include <tor/redis/detail/impl/hiredis.ipp>
#endif

// A Redis connection over TLS: the socket and the OpenSSL session are owned
// here, and the Redis protocol stays hiredis' (commands formatted by
// redisFormatCommandArgv, replies parsed by its redisReader), because
// Debian 12's hiredis 0.14 has no TLS of its own. Verification is on unless
// turned off: the certificate must chain to the CA (or the system's CAs)
// and name the host connected to (DNS name or IP address).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <hiredis/hiredis.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <tor/core/detail/config.hpp>
#include <tor/redis/config.hpp>

namespace tor::redis {

namespace detail {

/// The connection failed (refused, reset, timed out, protocol garbage).
struct io_failure : std::runtime_error {
  explicit io_failure(const std::string& what, bool timed_out_ = false, bool broken_pipe_ = false,
                      bool rejected_ = false)
      : std::runtime_error(what), timed_out(timed_out_), broken_pipe(broken_pipe_), rejected(rejected_) {}
  bool timed_out = false;    ///< no answer within the command timeout
  bool broken_pipe = false;  ///< the server had closed the connection before we wrote
  bool rejected = false;     ///< TLS refused (certificate, protocol): retrying will not help
};

struct ssl_ctx_deleter {
  void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
};
struct ssl_deleter {
  void operator()(SSL* s) const noexcept { SSL_free(s); }
};
struct reader_deleter {
  void operator()(redisReader* r) const noexcept { redisReaderFree(r); }
};

/// OpenSSL's queued errors as one line (and clears the queue).
TOR_DECL std::string openssl_errors();

class tls_stream {
 public:
  TOR_DECL tls_stream(const std::string& host, int port, const tls_options& o, std::chrono::milliseconds connect_timeout,
             std::chrono::milliseconds command_timeout);
  TOR_DECL ~tls_stream();
  tls_stream(const tls_stream&) = delete;
  tls_stream& operator=(const tls_stream&) = delete;

  /// Sends one command and reads its reply (nullptr never: failures throw io_failure).
  TOR_DECL redisReply* command(int argc, const char** argv, const std::size_t* lens);

  /// "TLSv1.3 TLS_AES_256_GCM_SHA384"
  [[nodiscard]] TOR_DECL std::string describe() const;

 private:
  TOR_DECL void connect_tcp(const std::string& host, int port, std::chrono::milliseconds timeout);

  TOR_DECL void set_timeouts(std::chrono::milliseconds d) const;

  TOR_DECL void handshake(const std::string& host, const tls_options& o);

  TOR_DECL void write_all(const char* p, std::size_t n);

  [[noreturn]] TOR_DECL void fail_io(int rc, const char* what);

  struct socket_fd {
    int fd = -1;
    socket_fd() = default;
    socket_fd(const socket_fd&) = delete;
    socket_fd& operator=(const socket_fd&) = delete;
    ~socket_fd() {
      if (fd >= 0) ::close(fd);
    }
  };
  socket_fd fd_;  // first member: closed after the TLS session is freed
  std::unique_ptr<SSL_CTX, ssl_ctx_deleter> ctx_;
  std::unique_ptr<SSL, ssl_deleter> ssl_;
  std::unique_ptr<redisReader, reader_deleter> reader_;
};

}  // namespace detail
}  // namespace tor::redis

#ifdef TOR_HEADER_ONLY
#include <tor/redis/detail/impl/tls_stream.ipp>
#endif

// Definitions for tor/redis/detail/tls_stream.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <tor/redis/detail/tls_stream.hpp>

namespace tor::redis::detail {

TOR_DECL std::string openssl_errors() {
  std::string s;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!s.empty()) s += "; ";
    s += buf;
  }
  return s;
}

TOR_DECL tls_stream::tls_stream(const std::string& host, int port, const tls_options& o, std::chrono::milliseconds connect_timeout,
           std::chrono::milliseconds command_timeout) {
  connect_tcp(host, port, connect_timeout);
  set_timeouts(connect_timeout);
  handshake(host, o);
  set_timeouts(command_timeout);
  reader_.reset(redisReaderCreate());
  if (!reader_) throw io_failure("cannot allocate a hiredis reader");
}

TOR_DECL tls_stream::~tls_stream() {
  if (ssl_) SSL_shutdown(ssl_.get());  // best effort close_notify; a broken pipe is discarded by the caller's guard
}

TOR_DECL redisReply* tls_stream::command(int argc, const char** argv, const std::size_t* lens) {
  char* raw = nullptr;
  const int len = redisFormatCommandArgv(&raw, argc, argv, lens);
  if (len < 0 || !raw) throw io_failure("cannot format the command (out of memory)");
  std::unique_ptr<char, void (*)(char*)> cmd(raw, &redisFreeCommand);
  write_all(cmd.get(), static_cast<std::size_t>(len));
  for (;;) {
    void* reply = nullptr;
    if (redisReaderGetReply(reader_.get(), &reply) != REDIS_OK)
      throw io_failure(std::string("protocol error: ") + reader_->errstr);
    if (reply) return static_cast<redisReply*>(reply);
    char buf[16384];
    const int n = SSL_read(ssl_.get(), buf, sizeof buf);
    if (n <= 0) fail_io(n, "read");
    if (redisReaderFeed(reader_.get(), buf, static_cast<std::size_t>(n)) != REDIS_OK)
      throw io_failure(std::string("protocol error: ") + reader_->errstr);
  }
}

TOR_DECL std::string tls_stream::describe() const {
  return std::string(SSL_get_version(ssl_.get())) + ' ' + SSL_get_cipher_name(ssl_.get());
}

TOR_DECL void tls_stream::connect_tcp(const std::string& host, int port, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const auto service = std::to_string(port);
  if (const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &list); rc != 0)
    throw io_failure("cannot resolve " + host + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(list, &freeaddrinfo);
  std::string last = "no address";
  for (const addrinfo* a = list; a; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      last = std::strerror(errno);
      continue;
    }
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
      if (rc == 0) {
        ::close(fd);
        throw io_failure("connection timed out", true);
      }
      int err = 0;
      socklen_t el = sizeof err;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc != 0) {
      last = std::strerror(errno);
      ::close(fd);
      continue;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    fd_.fd = fd;
    return;
  }
  throw io_failure(last);
}

TOR_DECL void tls_stream::set_timeouts(std::chrono::milliseconds d) const {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(d.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((d.count() % 1000) * 1000);
  setsockopt(fd_.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd_.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

TOR_DECL void tls_stream::handshake(const std::string& host, const tls_options& o) {
  ERR_clear_error();
  ctx_.reset(SSL_CTX_new(TLS_client_method()));
  if (!ctx_) throw io_failure("cannot create a TLS context: " + openssl_errors(), false, false, true);
  SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_2_VERSION);
  if (o.verify) {
    const bool loaded = o.ca.empty() ? SSL_CTX_set_default_verify_paths(ctx_.get()) == 1
                                     : SSL_CTX_load_verify_locations(ctx_.get(), o.ca.c_str(), nullptr) == 1;
    if (!loaded)
      throw io_failure("cannot load the CA certificates " + (o.ca.empty() ? "of the system" : "from " + o.ca) +
                           ": " + openssl_errors(),
                       false, false, true);
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
  }
  if (!o.cert.empty() && SSL_CTX_use_certificate_chain_file(ctx_.get(), o.cert.c_str()) != 1)
    throw io_failure("cannot load the client certificate " + o.cert + ": " + openssl_errors(), false, false, true);
  if (!o.key.empty() && (SSL_CTX_use_PrivateKey_file(ctx_.get(), o.key.c_str(), SSL_FILETYPE_PEM) != 1 ||
                         SSL_CTX_check_private_key(ctx_.get()) != 1))
    throw io_failure("cannot load the client key " + o.key + " (or it does not match the certificate): " +
                         openssl_errors(),
                     false, false, true);
  ssl_.reset(SSL_new(ctx_.get()));
  if (!ssl_ || SSL_set_fd(ssl_.get(), fd_.fd) != 1)
    throw io_failure("cannot create a TLS session: " + openssl_errors(), false, false, true);
  in6_addr ip{};
  const bool is_ip = inet_pton(AF_INET, host.c_str(), &ip) == 1 || inet_pton(AF_INET6, host.c_str(), &ip) == 1;
  if (!is_ip) SSL_set_tlsext_host_name(ssl_.get(), host.c_str());
  if (o.verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_.get());
    if (is_ip) X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    else SSL_set1_host(ssl_.get(), host.c_str());
  }
  const int rc = SSL_connect(ssl_.get());
  if (rc == 1) return;
  const long verdict = SSL_get_verify_result(ssl_.get());
  if (verdict != X509_V_OK) {
    std::string why = X509_verify_cert_error_string(verdict);
    if (verdict == X509_V_ERR_HOSTNAME_MISMATCH || verdict == X509_V_ERR_IP_ADDRESS_MISMATCH)
      why += " (the certificate does not name " + host + ")";
    else if (verdict == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY || verdict == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
             verdict == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT)
      why += " (not issued by " + (o.ca.empty() ? std::string("a CA the system trusts") : "the CA in " + o.ca) + ")";
    throw io_failure("TLS handshake failed: server certificate rejected: " + why, false, false, true);
  }
  const int err = SSL_get_error(ssl_.get(), rc);
  const auto saved = errno;
  auto detail = openssl_errors();
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
    throw io_failure("TLS handshake timed out", true);
  if (detail.empty()) detail = saved ? std::strerror(saved) : "the server closed the connection";
  // A server that speaks plaintext on this port answers the hello with
  // garbage ("wrong version number"): retrying will not help either.
  throw io_failure("TLS handshake failed: " + detail, false, false, err == SSL_ERROR_SSL);
}

TOR_DECL void tls_stream::write_all(const char* p, std::size_t n) {
  while (n > 0) {
    const int w = SSL_write(ssl_.get(), p, static_cast<int>(n));
    if (w <= 0) fail_io(w, "write");
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

TOR_DECL void tls_stream::fail_io(int rc, const char* what) {
  const int saved = errno;
  const int err = SSL_get_error(ssl_.get(), rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE ||
      (err == SSL_ERROR_SYSCALL && (saved == EAGAIN || saved == EWOULDBLOCK)))
    throw io_failure(std::string(what) + " timed out", true);
  if (err == SSL_ERROR_ZERO_RETURN ||
      (err == SSL_ERROR_SYSCALL && (saved == 0 || saved == EPIPE || saved == ECONNRESET)))
    throw io_failure("Server closed the connection", false, true);
  const auto detail = openssl_errors();
  throw io_failure(std::string("TLS ") + what + " failed: " + (detail.empty() ? std::strerror(saved) : detail));
}

}  // namespace tor::redis::detail

// POSIX file descriptors owned by RAII, and the few system calls the file
// state store needs, each reporting failure as (errno, step) so the store can
// say which step failed and whether retrying can help.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

namespace tor::detail {

/// Owns one file descriptor from the line it is opened.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] explicit operator bool() const noexcept { return fd_ >= 0; }

  /// Closes now and reports close's errno (0 on success): on some file
  /// systems a failed write only shows up here.
  int close() noexcept {
    if (fd_ < 0) return 0;
    const int rc = ::close(std::exchange(fd_, -1));
    return rc == 0 ? 0 : errno;
  }
  void reset() noexcept { (void)close(); }

 private:
  int fd_ = -1;
};

/// A failed system call: which step, and errno.
struct posix_failure {
  std::string step;
  int err = 0;
  [[nodiscard]] std::string describe() const { return step + " failed: " + std::strerror(err); }
};

inline int open_retrying(const char* path, int flags, mode_t mode = 0) {
  int fd;
  do fd = ::open(path, flags | O_CLOEXEC, mode);
  while (fd < 0 && errno == EINTR);
  return fd;
}

/// Writes all of `data`; returns errno or 0.
inline int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const auto n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

/// Reads the whole file, at most `limit` bytes (one more tells "too large"); returns errno or 0.
inline int read_up_to(int fd, std::size_t limit, std::string& out) {
  out.clear();
  char buf[8192];
  while (out.size() <= limit) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return 0;
}

}  // namespace tor::detail

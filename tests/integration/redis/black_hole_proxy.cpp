// A TCP proxy that can black-hole traffic (see black_hole_proxy.hpp).
#include "black_hole_proxy.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tor::redis_test {

black_hole_proxy::black_hole_proxy(int upstream) : upstream_(upstream) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener_ >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(listener_, 16) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  port_ = ntohs(a.sin_port);
  thread_ = std::jthread([this](std::stop_token st) { run(st); });
}

black_hole_proxy::~black_hole_proxy() {
  thread_.request_stop();
  thread_.join();
  for (auto& p : pairs_) close_pair(p);
  ::close(listener_);
}

void black_hole_proxy::close_pair(pair& p) {
  if (p.client >= 0) ::close(p.client);
  if (p.server >= 0) ::close(p.server);
  p.client = p.server = -1;
}

int black_hole_proxy::connect_upstream() const {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(upstream_));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool black_hole_proxy::pump_in(int fd, std::string& into, bool& dead) {
  char buf[16384];
  const auto n = ::read(fd, buf, sizeof buf);
  if (n <= 0) {
    dead = true;
    return false;
  }
  into.append(buf, static_cast<std::size_t>(n));
  return true;
}

void black_hole_proxy::pump_out(int fd, std::string& from, bool& dead) {
  const auto n = ::write(fd, from.data(), from.size());
  if (n < 0) {
    dead = true;
    return;
  }
  from.erase(0, static_cast<std::size_t>(n));
}

  // A helper thread, not a test wait: it polls with a short timeout so it
  // sees black_hole()/heal() and the stop request promptly.
void black_hole_proxy::run(const std::stop_token& st) {
    while (!st.stop_requested()) {
      const bool holed = holed_.load();
      std::vector<pollfd> fds{{listener_, POLLIN, 0}};
      for (auto& p : pairs_) {
        fds.push_back({p.client, static_cast<short>(POLLIN | (!holed && !p.to_client.empty() ? POLLOUT : 0)), 0});
        fds.push_back({p.server, static_cast<short>(POLLIN | (!holed && !p.to_server.empty() ? POLLOUT : 0)), 0});
      }
      if (::poll(fds.data(), fds.size(), 5) <= 0) {
        // Bytes taken in just before the hole opened wait here too: count them.
        std::size_t waiting = 0;
        if (holed)
          for (const auto& p : pairs_) waiting += p.to_server.size();
        held_ = waiting;
        continue;
      }
      if (fds[0].revents & POLLIN) {
        const int c = ::accept(listener_, nullptr, nullptr);
        if (c >= 0) {
          const int s = connect_upstream();
          if (s < 0) {
            ::close(c);
          } else {
            pairs_.push_back(pair{c, s, {}, {}, false});
            continue;  // fds no longer matches pairs_
          }
        }
      }
      std::size_t i = 1;
      std::size_t held = 0;
      for (auto& p : pairs_) {
        const auto& cf = fds[i++];
        const auto& sf = fds[i++];
        if (cf.revents & (POLLIN | POLLHUP | POLLERR)) pump_in(p.client, p.to_server, p.dead);
        if (sf.revents & (POLLIN | POLLHUP | POLLERR)) pump_in(p.server, p.to_client, p.dead);
        if (!p.dead && (cf.revents & POLLOUT)) pump_out(p.client, p.to_client, p.dead);
        if (!p.dead && (sf.revents & POLLOUT)) pump_out(p.server, p.to_server, p.dead);
        if (holed) held += p.to_server.size();
      }
      held_ = held;
      for (auto it = pairs_.begin(); it != pairs_.end();) {
        if (it->dead) {
          close_pair(*it);
          it = pairs_.erase(it);
        } else {
          ++it;
        }
      }
    }
  }

}  // namespace tor::redis_test

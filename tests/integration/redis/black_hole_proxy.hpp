// A TCP proxy to 127.0.0.1:upstream for the Redis tests (black_hole_proxy.cpp).
// black_hole() makes it stop forwarding in both directions while it keeps
// reading, so peers see no error, only silence; heal() forwards what waited
// (as TCP retransmission delivers it after a partition) and goes on
// forwarding. A peer that gives up and closes its connection has its pair
// closed.
#pragma once

#include <atomic>
#include <cstddef>
#include <list>
#include <stop_token>
#include <string>
#include <thread>

namespace tor::redis_test {

class black_hole_proxy {
 public:
  explicit black_hole_proxy(int upstream);
  ~black_hole_proxy();
  black_hole_proxy(const black_hole_proxy&) = delete;
  black_hole_proxy& operator=(const black_hole_proxy&) = delete;

  [[nodiscard]] int port() const { return port_; }
  void black_hole() { holed_ = true; }
  void heal() { holed_ = false; }
  /// Bytes a client sent that are waiting in the black hole.
  [[nodiscard]] std::size_t held_from_clients() const { return held_.load(); }

 private:
  struct pair {
    int client = -1, server = -1;
    std::string to_server, to_client;
    bool dead = false;
  };

  static void close_pair(pair& p);
  int connect_upstream() const;
  static bool pump_in(int fd, std::string& into, bool& dead);
  static void pump_out(int fd, std::string& from, bool& dead);
  void run(const std::stop_token& st);

  int upstream_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> holed_{false};
  std::atomic<std::size_t> held_{0};
  std::list<pair> pairs_;
  std::jthread thread_;
};

}  // namespace tor::redis_test

// The router with the Redis state store behind a proxy that black-holes
// traffic: it keeps connections open but stops forwarding, as a network
// partition does (no refused connection, no reset). Publishing must go on
// while saves hang or time out, and the checkpoint must catch up once the
// partition heals.
//
// Environment (from `scripts/servers.sh env`): TOR_REDIS_PORT.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <tor/mappers/outbox.hpp>
#include <tor/redis/state_store.hpp>
#include <tor/testing.hpp>
#include <tor/tor.hpp>

#include "unit/fixtures.hpp"

using namespace std::chrono_literals;
using namespace tor;
using namespace tor::testing;
using tor::test::eventually;

namespace {

int redis_port() {
  const char* v = std::getenv("TOR_REDIS_PORT");
  if (!v || !*v) FAIL("TOR_REDIS_PORT is not set: run through scripts/test.sh, or eval \"$(scripts/servers.sh env)\"");
  return std::stoi(v);
}

// A TCP proxy to 127.0.0.1:upstream. black_hole() makes it stop forwarding in
// both directions while it keeps reading, so peers see no error, only
// silence; heal() forwards what waited (as TCP retransmission delivers it
// after a partition) and goes on forwarding. A peer that gives up and closes
// its connection has its pair closed.
class black_hole_proxy {
 public:
  explicit black_hole_proxy(int upstream) : upstream_(upstream) {
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
  ~black_hole_proxy() {
    thread_.request_stop();
    thread_.join();
    for (auto& p : pairs_) close_pair(p);
    ::close(listener_);
  }
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

  static void close_pair(pair& p) {
    if (p.client >= 0) ::close(p.client);
    if (p.server >= 0) ::close(p.server);
    p.client = p.server = -1;
  }

  int connect_upstream() const {
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

  static bool pump_in(int fd, std::string& into, bool& dead) {
    char buf[16384];
    const auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) {
      dead = true;
      return false;
    }
    into.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  static void pump_out(int fd, std::string& from, bool& dead) {
    const auto n = ::write(fd, from.data(), from.size());
    if (n < 0) {
      dead = true;
      return;
    }
    from.erase(0, static_cast<std::size_t>(n));
  }

  // A helper thread, not a test wait: it polls with a short timeout so it
  // sees black_hole()/heal() and the stop request promptly.
  void run(const std::stop_token& st) {
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

  int upstream_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> holed_{false};
  std::atomic<std::size_t> held_{0};
  std::list<pair> pairs_;
  std::jthread thread_;
};

outbox_config outbox() {
  outbox_config c;
  c.tables = {"app.outbox"};
  c.topic_template = "events";
  return c;
}

redis::state_store_config config_for(const std::string& key, int port, std::chrono::milliseconds timeout) {
  redis::state_store_config c;
  c.port = port;
  c.key = key;
  c.timeout = timeout;
  c.reconnect_backoff_min = 20ms;
  c.reconnect_backoff_max = 200ms;
  return c;
}

// Reads the key straight from Redis, without claiming it: the router stays its owner.
struct direct_reader {
  redis::state_store store;
  explicit direct_reader(const std::string& key) : store(config_for(key, redis_port(), 2s)) {}
  std::optional<checkpoint> operator()() {
    auto doc = store.peek();
    if (!doc) return std::nullopt;
    return doc->state;
  }
};

// Runs the router on a thread; `failure` holds the error text when it failed.
template <class Router>
struct running {
  Router& r;
  std::string failure;
  std::jthread thread;
  explicit running(Router& router)
      : r(router), thread([this](std::stop_token st) {
          try {
            r.run(st);
          } catch (const std::exception& e) {
            failure = e.what();
          }
        }) {}
  void stop() {
    thread.request_stop();
    thread.join();
  }
};

}  // namespace

TEST_CASE("a black-holed Redis stalls no publishing, and the checkpoint catches up when it answers again",
          "[redis][router]") {
  // The command timeout is longer than this test's waits: a save that held
  // up the router would hold it up for the whole partition.
  for (const auto timeout : {std::chrono::milliseconds(60'000), std::chrono::milliseconds(300)}) {
    DYNAMIC_SECTION("command timeout " << timeout.count() << " ms") {
      const auto key = "tor:test:blackhole:" + std::to_string(timeout.count()) + ":" + std::to_string(::getpid());
      black_hole_proxy proxy(redis_port());
      redis::state_store store(config_for(key, proxy.port(), timeout));
      memory_binlog log;
      const auto first = log.append({test::outbox_row("e0", "Order", "k", "p")});
      memory_source src(log);
      memory_dispatcher disp;
      outbox_mapper mapper(outbox());
      std::atomic<int> failed_saves{0};
      auto opts = test::fast_options();
      opts.checkpoint_interval = 20ms;
      opts.on_save_failed = [&](const error&) { ++failed_saves; };
      direct_reader stored(key);
      router r(src, disp, store, mapper, opts);
      running run(r);
      REQUIRE(eventually([&] { return stored() == std::optional<checkpoint>(first); }));

      proxy.black_hole();
      log.append({test::outbox_row("e1", "Order", "k", "p")});
      REQUIRE(eventually([&] { return proxy.held_from_clients() > 0; }));  // a save is stuck in the hole
      checkpoint end;
      for (int i = 2; i <= 2000; ++i) end = log.append({test::outbox_row("e" + std::to_string(i), "Order", "k", "p")});
      REQUIRE(eventually([&] { return disp.acknowledged() == 2001; }, 15s));
      if (timeout < 1s) CHECK(eventually([&] { return failed_saves.load() > 0; }));
      CHECK(stored() == std::optional<checkpoint>(first));  // nothing got through meanwhile

      proxy.heal();
      REQUIRE(eventually([&] { return stored() == std::optional<checkpoint>(end); }));
      run.stop();
      CHECK(run.failure.empty());
      CHECK(r.stats().messages_acknowledged == 2001);
    }
  }
}

// binlog_source::close() while the reader waits out its reconnect backoff
// after the server became unreachable: close must wake it, however the
// reader's thread is scheduled.
//
// The race: the reader tests the stop flag, then goes to sleep on a
// condition variable. A close() that sets the flag and notifies between
// those two steps finds no one waiting, and the reader then sleeps through
// the whole backoff. The window is a few instructions wide, so this test
// widens it the way a preemption would: it stands in for
// pthread_cond_clockwait (which <condition_variable> calls for timed waits)
// and, while armed, pauses a long timed wait before it really starts
// waiting, with the mutex still held. Built as an executable of its own so
// the stand-in touches no other test.
#include "mariadb_fixture.hpp"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <set>

using namespace tor::mysql;
using namespace tor::mysql::it;

namespace {

std::atomic<bool> preempt_long_waits{false};
std::atomic<int> preempted{0};
constexpr auto preemption = 300ms;

/// A TCP proxy to the server on 127.0.0.1: cut() makes the server
/// unreachable for whoever connected through it (connections reset, new
/// ones refused), without disturbing the server.
class tcp_proxy {
 public:
  explicit tcp_proxy(unsigned upstream) : upstream_(upstream) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listen_fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(listen_fd_, 16) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  tcp_proxy(const tcp_proxy&) = delete;
  tcp_proxy& operator=(const tcp_proxy&) = delete;
  ~tcp_proxy() { cut(); }

  [[nodiscard]] unsigned port() const { return port_; }

  void cut() {
    if (cut_.exchange(true)) return;
    acceptor_.join();
    ::close(listen_fd_);
    {
      std::lock_guard lock(m_);
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : relays_) t.join();
  }

 private:
  void accept_loop() {
    while (!cut_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int client = ::accept(listen_fd_, nullptr, nullptr);
      if (client < 0) continue;
      const int server = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<std::uint16_t>(upstream_));
      if (::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(client);
        ::close(server);
        continue;
      }
      {
        std::lock_guard lock(m_);
        fds_.insert(client);
        fds_.insert(server);
      }
      relays_.emplace_back([this, client, server] { relay(client, server); });
    }
  }

  void relay(int a, int b) {
    char buf[16384];
    pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    while (true) {
      if (::poll(p, 2, 100) < 0) break;
      bool done = false;
      for (int i = 0; i < 2 && !done; ++i) {
        if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const auto n = ::read(p[i].fd, buf, sizeof buf);
        if (n <= 0 || ::write(p[1 - i].fd, buf, static_cast<std::size_t>(n)) != n) done = true;
      }
      if (done) break;
    }
    {
      std::lock_guard lock(m_);
      fds_.erase(a);
      fds_.erase(b);
    }
    ::close(a);
    ::close(b);
  }

  unsigned upstream_;
  int listen_fd_ = -1;
  unsigned port_ = 0;
  std::atomic<bool> cut_{false};
  std::thread acceptor_;
  std::vector<std::thread> relays_;  // touched by the acceptor, then by cut() after joining it
  std::mutex m_;
  std::set<int> fds_;
};

}  // namespace

// The stand-in: a pass-through, except while armed, when a timed wait for
// more than a second first pauses, as if the thread were preempted there.
extern "C" int pthread_cond_clockwait(pthread_cond_t* __restrict cond, pthread_mutex_t* __restrict mutex,
                                      clockid_t clock, const struct timespec* __restrict abstime) {
  using real_fn = int (*)(pthread_cond_t*, pthread_mutex_t*, clockid_t, const struct timespec*);
  static const auto real = reinterpret_cast<real_fn>(::dlsym(RTLD_NEXT, "pthread_cond_clockwait"));
  if (preempt_long_waits.load()) {
    timespec now{};
    ::clock_gettime(clock, &now);
    if (abstime->tv_sec - now.tv_sec > 1) {
      ++preempted;
      std::this_thread::sleep_for(preemption);
    }
  }
  return real(cond, mutex, clock, abstime);
}

TEST_CASE("close() wakes a reader in its reconnect backoff at once, even if it was preempted going to sleep",
          "[mysql][close]") {
  auto c = root();
  const auto db = fresh_db(c, "tor_it_close");
  outbox_table(c, db);
  tcp_proxy proxy(port());
  auto cfg = config(db);
  cfg.port = proxy.port();
  cfg.reconnect_backoff = 8s;  // long, so sleeping through it is unmistakable
  cfg.reconnect_backoff_max = 8s;
  binlog_source src(cfg);
  src.open(std::nullopt);
  c.execute(ins(db, 1));
  REQUIRE(ids(read_txns(src, 1)) == std::vector<std::int64_t>{1});

  preempt_long_waits = true;
  proxy.cut();  // the server is unreachable: the reader's stream fails and it backs off
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (src.reconnects() == 0) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    (void)src.next(1ms);
  }
  // The reader counted the reconnect and is now going to sleep for 8 s.
  const auto t0 = std::chrono::steady_clock::now();
  src.close();
  const auto took = std::chrono::steady_clock::now() - t0;
  preempt_long_waits = false;
  CHECK(preempted >= 1);  // the pause did happen on the way into the backoff
  INFO("close() took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  CHECK(took < cfg.reconnect_backoff / 4);
}

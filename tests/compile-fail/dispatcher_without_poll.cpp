// Must not compile: the dispatcher has no poll(), so tor::router's
// tor::dispatcher constraint fails and the diagnostic names it.
#include <tor/testing.hpp>
#include <tor/tor.hpp>

struct no_poll_dispatcher {
  void send(tor::message&&, std::uint64_t) {}
  bool flush(std::chrono::milliseconds) { return true; }
};

int main() {
  tor::testing::memory_binlog log;
  tor::testing::memory_source src(log);
  no_poll_dispatcher disp;
  tor::testing::memory_state_store store;
  tor::outbox_mapper mapper(tor::outbox_config{});
  tor::router r{src, disp, store, mapper};  // the documented CTAD style
}

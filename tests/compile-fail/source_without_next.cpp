// Must not compile: the source has no next(), so tor::router's tor::source
// constraint fails and the diagnostic names it.
#include <tor/testing.hpp>
#include <tor/tor.hpp>

struct silent_source {
  void open(const std::optional<tor::checkpoint>&) {}
};

int main() {
  silent_source src;
  tor::testing::memory_dispatcher disp;
  tor::testing::memory_state_store store;
  tor::outbox_mapper mapper(tor::outbox_config{});
  tor::router r{src, disp, store, mapper};  // the documented CTAD style
}

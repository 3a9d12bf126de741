// Must not compile: the state store has no save(), so tor::router's
// tor::state_store constraint fails and the diagnostic names it.
#include <tor/testing.hpp>
#include <tor/tor.hpp>

struct load_only_store {
  std::optional<tor::checkpoint> load() { return std::nullopt; }
};

int main() {
  tor::testing::memory_binlog log;
  tor::testing::memory_source src(log);
  tor::testing::memory_dispatcher disp;
  load_only_store store;
  tor::outbox_mapper mapper(tor::outbox_config{});
  tor::router r{src, disp, store, mapper};  // the documented CTAD style
}

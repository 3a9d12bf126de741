// Must not compile: map() returns messages instead of appending them, so
// tor::router's tor::mapper constraint fails and the diagnostic names it.
#include <tor/testing.hpp>
#include <tor/tor.hpp>

struct returning_mapper {
  std::vector<tor::message> map(const tor::row_change&) { return {}; }
};

int main() {
  tor::testing::memory_binlog log;
  tor::testing::memory_source src(log);
  tor::testing::memory_dispatcher disp;
  tor::testing::memory_state_store store;
  returning_mapper mapper;
  tor::router r{src, disp, store, mapper};  // the documented CTAD style
}

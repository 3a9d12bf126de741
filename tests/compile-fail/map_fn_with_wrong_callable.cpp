// Must not compile: the lambda takes a message, not a row, so tor::map_fn
// cannot make a mapper of it and says what the callable must look like.
#include <tor/mappers/compose.hpp>

int main() {
  tor::map_fn m{[](const tor::message&) { return std::optional<tor::message>(); }};
  std::vector<tor::message> out;
  m.map(tor::row_change{}, tor::transaction_info{}, out);
}

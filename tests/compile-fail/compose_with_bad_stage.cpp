// Must not compile: an int is not a mapper stage; tor::compose says what a
// stage must provide.
#include <tor/mappers/compose.hpp>

int main() {
  auto m = tor::compose(tor::op_filter{}, 42);
  (void)m;
}

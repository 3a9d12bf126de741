// Catch2's runner, shared by every test executable, for a Catch2 package that
// does not ship one compiled (Catch2::Catch2WithMain; see tests/CMakeLists.txt).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

// Must not compile: built against a mariadb-connector-c whose internal
// structures differ (other_connector/), the binlog source's connector shim
// stops with a message naming the versions it was checked against, instead
// of failing somewhere inside the source.
#include <tor/mysql/detail/connector_internals.hpp>

int main() {}

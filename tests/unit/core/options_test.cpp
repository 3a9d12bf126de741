// The option descriptions (tor/core/options.hpp): options reached through a
// part, and the check that every member of an options struct is described.
#include <tor/core/options.hpp>
#include <tor/core/router_options.hpp>
#include <tor/kafka/config.hpp>
#include <tor/mappers/outbox.hpp>
#include <tor/mysql/source_config.hpp>
#include <tor/redis/config.hpp>

#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

namespace {

using tor::options::every_member_described;
using tor::options::opt;

struct limits {
  int low = 1;
  int high = 9;
};

struct complete {
  std::string name = "n";
  limits range;
  std::function<void()> on_change;
};
constexpr auto options_of(std::type_identity<complete>) {
  return tor::options::describe(opt("name", &complete::name, "Name."),
                                opt("low", &complete::range, &limits::low, "Lower bound."),
                                opt("high", &complete::range, &limits::high, "Upper bound."));
}
constexpr auto set_in_code(std::type_identity<complete>) { return tor::options::members(&complete::on_change); }

struct member_without_line {
  std::string name;
  int added_later = 0;
};
constexpr auto options_of(std::type_identity<member_without_line>) {
  return tor::options::describe(opt("name", &member_without_line::name, "Name."));
}

struct described_twice {
  int a = 0;
  int b = 0;
};
constexpr auto options_of(std::type_identity<described_twice>) {
  return tor::options::describe(opt("a", &described_twice::a, "A."), opt("a_again", &described_twice::a, "A."));
}

struct part_member_without_line {
  limits range;
};
constexpr auto options_of(std::type_identity<part_member_without_line>) {
  return tor::options::describe(opt("low", &part_member_without_line::range, &limits::low, "Lower bound."));
}

struct callback_not_listed {
  int a = 0;
  std::function<void()> on_change;
};
constexpr auto options_of(std::type_identity<callback_not_listed>) {
  return tor::options::describe(opt("a", &callback_not_listed::a, "A."));
}

struct base_options {
  int a = 0;
};
struct derived_options : base_options {
  int b = 0;
};
constexpr auto options_of(std::type_identity<derived_options>) {
  return tor::options::describe(opt("a", &derived_options::a, "A."), opt("b", &derived_options::b, "B."));
}
struct derived_without_line : base_options {
  int b = 0;
};
constexpr auto options_of(std::type_identity<derived_without_line>) {
  return tor::options::describe(opt("a", &derived_without_line::a, "A."));
}

}  // namespace

TEST_CASE("every member described: true only when each member has a line or is set in code") {
  STATIC_REQUIRE(every_member_described<complete>());
  STATIC_REQUIRE_FALSE(every_member_described<member_without_line>());
  STATIC_REQUIRE_FALSE(every_member_described<described_twice>());
  STATIC_REQUIRE_FALSE(every_member_described<part_member_without_line>());
  STATIC_REQUIRE_FALSE(every_member_described<callback_not_listed>());
  STATIC_REQUIRE(every_member_described<derived_options>());
  STATIC_REQUIRE_FALSE(every_member_described<derived_without_line>());
}

// The framework's headers do not check their own descriptions (the check
// costs every file that includes them about half a second of compiling):
// this test is where a member added without a description fails to build.
TEST_CASE("the framework's options structs are described member by member") {
  STATIC_REQUIRE(every_member_described<tor::router_options>());
  STATIC_REQUIRE(every_member_described<tor::outbox_config>());
  STATIC_REQUIRE(every_member_described<tor::outbox_route>());
  STATIC_REQUIRE(every_member_described<tor::outbox_field>());
  STATIC_REQUIRE(every_member_described<tor::mysql::binlog_source_config>());
  STATIC_REQUIRE(every_member_described<tor::mysql::tls_options>());
  STATIC_REQUIRE(every_member_described<tor::redis::state_store_config>());
  STATIC_REQUIRE(every_member_described<tor::redis::tls_options>());
  STATIC_REQUIRE(every_member_described<tor::kafka::security_options>());
  STATIC_REQUIRE(every_member_described<tor::kafka::config>());
  STATIC_REQUIRE(every_member_described<tor::kafka::tls_options>());
  STATIC_REQUIRE(every_member_described<tor::kafka::sasl_options>());
}

TEST_CASE("an option through a part reads and writes the part's member") {
  complete c;
  std::vector<std::string> keys;
  tor::options::for_each_option<complete>([&](auto o) {
    keys.emplace_back(o.key);
    if constexpr (std::is_same_v<typename decltype(o)::value_type, int>) o.of(c) += 10;
  });
  CHECK(keys == std::vector<std::string>{"name", "low", "high"});
  CHECK(c.range.low == 11);
  CHECK(c.range.high == 19);
  const complete& view = c;
  int sum = 0;
  tor::options::for_each_option<complete>([&](auto o) {
    if constexpr (std::is_same_v<typename decltype(o)::value_type, int>) sum += o.of(view);
  });
  CHECK(sum == 30);
}

TEST_CASE("the Kafka dispatcher's options map to librdkafka's security properties") {
  tor::kafka::config c;
  c.brokers = "b:1";
  c.security.protocol = tor::kafka::security_protocol::sasl_ssl;
  c.tls.ca = "/ca.pem";
  c.sasl = {tor::kafka::sasl_mechanism::scram_sha_256, "u", "p"};
  const auto p = tor::kafka::producer_properties(c);
  const auto value = [&](std::string_view name) {
    const auto* v = tor::kafka::effective_property(p, name);
    return v ? *v : std::string("(unset)");
  };
  CHECK(value("security.protocol") == "sasl_ssl");
  CHECK(value("ssl.ca.location") == "/ca.pem");
  CHECK(value("sasl.mechanisms") == "SCRAM-SHA-256");
  CHECK(value("sasl.username") == "u");
  CHECK_NOTHROW(tor::kafka::validate(c));
  c.security.protocol = tor::kafka::security_protocol::ssl;
  CHECK_THROWS_WITH(tor::kafka::validate(c), Catch::Contains("SASL credentials are set"));
  c.sasl = {};
  CHECK_NOTHROW(tor::kafka::validate(c));
  CHECK(tor::kafka::effective_property(tor::kafka::producer_properties(c), "sasl.mechanisms") == nullptr);
}

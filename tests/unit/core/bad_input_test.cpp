// Bad outbox rows and refused messages, through the whole router with the
// doubles: each stops with an error naming what and where (or, where a
// policy says so, is skipped with a warning, or published as documented),
// and the saved checkpoint never passes a row that was not published.
// docs/guarantees.md ("Bad input") lists these cases and where each is tested.
#include <catch2/catch.hpp>

#include <atomic>

#include <tor/mappers/re2_patterns.hpp>

#include "unit/fixtures.hpp"

using namespace tor;
using namespace tor::testing;
using tor::test::eventually;

namespace {

const auto no_key_table = make_table("app", "outbox", {"id", "aggregatetype", "type", "payload"});
const auto no_payload_table = make_table("app", "outbox", {"id", "aggregatetype", "aggregateid", "type"});

struct outcome {
  std::string failure;  // empty: the router ran until stopped
  error_kind kind{};
  std::optional<checkpoint> saved;
  std::vector<memory_dispatcher::record> published;
  std::vector<std::string> warnings;
};

/// Runs good row e1, then `bad` in a transaction of its own, then good row
/// e3, through a router; returns how it ended once it failed or saved the
/// checkpoint after e3 (`last`).
outcome run(const scripted_row& bad, outbox_config cfg, memory_dispatcher::options dopt = {},
            checkpoint* first_out = nullptr, checkpoint* last_out = nullptr) {
  memory_binlog log;
  const auto first = log.append({test::outbox_row("e1", "Order", "k1", "p1")});
  log.append({bad});
  const auto last = log.append({test::outbox_row("e3", "Order", "k3", "p3")});
  if (first_out) *first_out = first;
  if (last_out) *last_out = last;
  outcome out;
  cfg.tables = {"app.outbox"};
  cfg.warn = [&](const std::string& w) { out.warnings.push_back(w); };
  memory_source src(log);
  memory_dispatcher disp(std::move(dopt));
  memory_state_store store;
  outbox_mapper mapper(cfg);
  router r(src, disp, store, mapper, test::fast_options());
  std::atomic<bool> finished{false};
  std::jthread worker([&](std::stop_token st) {
    try {
      r.run(st);
    } catch (const error& e) {
      out.failure = e.what();
      out.kind = e.kind();
    }
    finished = true;
  });
  REQUIRE(eventually([&] { return finished.load() || store.load() == std::optional<checkpoint>(last); }));
  worker.request_stop();
  worker.join();
  out.saved = store.load();
  for (const auto& topic : {"events", "orders"})
    for (auto& rec : disp.delivered_all(topic)) out.published.push_back(rec);
  return out;
}

outbox_config events_config() {
  outbox_config c;
  c.topic_template = "events";
  c.patterns = re2_patterns();  // for the tests that add routes
  return c;
}

std::vector<std::string> ids(const outcome& o) {
  std::vector<std::string> v;
  for (const auto& r : o.published) v.push_back(*r.msg.find_header("id"));
  return v;
}

}  // namespace

TEST_CASE("a bad outbox row stops the router naming table, position and column; the checkpoint stays before it",
          "[router][bad-input]") {
  struct bad_case {
    const char* name;
    scripted_row row;
    outbox_config cfg;
    std::vector<std::string> says;
  };
  auto routed = events_config();
  routed.routes = {{"Order", "events"}};
  const std::vector<bad_case> cases = {
      {"key column missing from the table",
       {no_key_table, row_op::insert, {}, {std::string("e2"), std::string("Order"), std::string("t"), std::string("p")}},
       events_config(),
       {"column \"aggregateid\" is missing"}},
      {"payload column missing from the table",
       {no_payload_table, row_op::insert, {}, {std::string("e2"), std::string("Order"), std::string("k"), std::string("t")}},
       events_config(),
       {"column \"payload\" is missing"}},
      {"NULL key",
       {test::outbox_table, row_op::insert, {}, {std::string("e2"), std::string("Order"), null_value{}, std::string("t"), std::string("p")}},
       events_config(),
       {"key column \"aggregateid\" is NULL"}},
      {"route-by value no route matches",
       test::outbox_row("e2", "Invoice", "k2", "p2"),
       routed,
       {"no route matches aggregatetype \"Invoice\"", "add a route"}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    checkpoint first;
    const auto o = run(c.row, c.cfg, {}, &first);
    CHECK(o.kind == error_kind::mapping);
    CHECK_THAT(o.failure, Catch::Contains("outbox table app.outbox at binlog memory-bin.000001:") &&
                              Catch::Contains(" row 0"));
    for (const auto& s : c.says) CHECK_THAT(o.failure, Catch::Contains(s));
    CHECK(o.saved == std::optional<checkpoint>(first));  // before the bad row, never past it
    CHECK(ids(o) == std::vector<std::string>{"e1"});
  }
}

TEST_CASE("with the skip policies a bad row is logged and passed over, and the checkpoint moves on",
          "[router][bad-input]") {
  SECTION("invalid rows (outbox.on_invalid: skip)") {
    auto cfg = events_config();
    cfg.invalid = on_invalid::skip;
    checkpoint last;
    const auto o = run({test::outbox_table, row_op::insert, {},
                        {std::string("e2"), std::string("Order"), null_value{}, std::string("t"), std::string("p")}},
                       cfg, {}, nullptr, &last);
    CHECK(o.failure.empty());
    CHECK(o.saved == std::optional<checkpoint>(last));
    CHECK(ids(o) == std::vector<std::string>{"e1", "e3"});
    REQUIRE(o.warnings.size() == 1);
    CHECK_THAT(o.warnings[0], Catch::Contains("skipping row") && Catch::Contains("app.outbox") &&
                                  Catch::Contains("\"aggregateid\" is NULL"));
  }
  SECTION("unrouted rows (outbox.unrouted: skip)") {
    auto cfg = events_config();
    cfg.routes = {{"Order", "events"}};
    cfg.unrouted = on_invalid::skip;
    checkpoint last;
    const auto o = run(test::outbox_row("e2", "Invoice", "k2", "p2"), cfg, {}, nullptr, &last);
    CHECK(o.failure.empty());
    CHECK(o.saved == std::optional<checkpoint>(last));
    CHECK(ids(o) == std::vector<std::string>{"e1", "e3"});
    REQUIRE(o.warnings.size() == 1);
    CHECK_THAT(o.warnings[0], Catch::Contains("no route matches aggregatetype \"Invoice\""));
  }
}

TEST_CASE("a NULL payload is published as an empty value, or as a tombstone when configured", "[router][bad-input]") {
  const scripted_row null_payload{test::outbox_table, row_op::insert, {},
                                  {std::string("e2"), std::string("Order"), std::string("k2"), std::string("t"), null_value{}}};
  auto cfg = events_config();
  checkpoint last;
  auto o = run(null_payload, cfg, {}, nullptr, &last);
  CHECK(o.failure.empty());
  CHECK(o.saved == std::optional<checkpoint>(last));
  REQUIRE(ids(o) == std::vector<std::string>{"e1", "e2", "e3"});
  CHECK(o.published[1].msg.value == std::optional<std::string>(""));
  cfg.tombstone_on_empty_payload = true;
  o = run(null_payload, cfg);
  REQUIRE(o.published.size() == 3);
  CHECK(o.published[1].msg.tombstone());
}

TEST_CASE("a key that is not valid UTF-8 is published byte for byte, and quoted safely in errors",
          "[router][bad-input]") {
  const std::string bytes("k\xff\xfe\x80\x00z", 6);
  checkpoint last;
  const auto o = run({test::outbox_table, row_op::insert, {},
                      {std::string("e2"), std::string("Order"), bytes_value{bytes}, std::string("t"), std::string("p")}},
                     events_config(), {}, nullptr, &last);
  CHECK(o.failure.empty());
  CHECK(o.saved == std::optional<checkpoint>(last));
  REQUIRE(o.published.size() == 3);
  CHECK(o.published[1].msg.key == std::optional<std::string>(bytes));

  // The same bytes as a route-by value no route matches: the error shows
  // them as hex, so a log line stays valid text (and JSON).
  auto cfg = events_config();
  cfg.routes = {{"Order", "events"}};
  const auto bad = run({test::outbox_table, row_op::insert, {},
                        {std::string("e2"), bytes_value{bytes}, std::string("k"), std::string("t"), std::string("p")}},
                       cfg);
  CHECK_THAT(bad.failure, Catch::Contains("no route matches aggregatetype 0x6bfffe80007a"));
}

TEST_CASE("a message the broker refuses stops the router; the checkpoint stays before it", "[router][bad-input]") {
  memory_dispatcher::options dopt;
  dopt.fail = [](const message& m) -> std::optional<std::string> {
    if (*m.find_header("id") == "e2")
      return std::string("kafka: message to topic 'events' (key 'k2') failed: Broker: Message size too large");
    return std::nullopt;
  };
  checkpoint first;
  const auto o = run(test::outbox_row("e2", "Order", "k2", "p2"), events_config(), dopt, &first);
  CHECK(o.kind == error_kind::dispatch);
  CHECK_THAT(o.failure, Catch::Contains("Message size too large") && Catch::Contains("k2"));
  CHECK(o.saved == std::optional<checkpoint>(first));
}

#include <catch2/catch.hpp>

#include <tor/core/checkpoint_tracker.hpp>

using namespace tor;

namespace {
checkpoint at(std::uint64_t offset) { return checkpoint{{"mysql-bin.000001", offset}, {}, "1"}; }
row_change row() {
  row_change r;
  r.table = std::make_shared<const table_info>(table_info{"app", "outbox", {"id"}});
  r.position = {"mysql-bin.000001", 100};
  return r;
}
}  // namespace

TEST_CASE("a transaction is committable only when all its messages are acknowledged", "[tracker]") {
  checkpoint_tracker t;
  t.begin({});
  const auto a = t.add_message(10, row());
  const auto b = t.add_message(20, row());
  CHECK_FALSE(t.commit(at(200)));
  CHECK(t.in_flight() == 2);
  CHECK(t.in_flight_bytes() == 30);
  CHECK_FALSE(t.acknowledge(b));
  CHECK_FALSE(t.committable());
  CHECK(t.acknowledge(a));
  REQUIRE(t.committable());
  CHECK(t.committable()->position.offset == 200);
  CHECK(t.idle());
}

TEST_CASE("transactions without messages are done at once, but not past an earlier pending one", "[tracker]") {
  checkpoint_tracker t;
  t.begin({});
  CHECK(t.commit(at(100)));  // empty: done at once
  t.begin({});
  const auto m = t.add_message(1, row());
  t.commit(at(200));
  t.begin({});
  CHECK_FALSE(t.commit(at(300)));  // empty, but behind a pending transaction
  CHECK(t.committable()->position.offset == 100);
  CHECK(t.acknowledge(m));
  CHECK(t.committable()->position.offset == 300);
}

TEST_CASE("a later transaction acknowledged first does not move the checkpoint", "[tracker]") {
  checkpoint_tracker t;
  t.begin({});
  const auto first = t.add_message(1, row());
  t.commit(at(100));
  t.begin({});
  const auto second = t.add_message(1, row());
  t.commit(at(200));
  CHECK_FALSE(t.acknowledge(second));
  CHECK_FALSE(t.committable());
  CHECK(t.acknowledge(first));
  CHECK(t.committable()->position.offset == 200);
}

TEST_CASE("the tracker refuses bad framing and bad tokens", "[tracker]") {
  checkpoint_tracker t;
  CHECK_THROWS_AS(t.add_message(1, row()), error);
  CHECK_THROWS_AS(t.commit(at(1)), error);
  t.begin({});
  CHECK_THROWS_AS(t.begin({}), error);
  const auto m = t.add_message(1, row());
  CHECK_THROWS_WITH(t.acknowledge(m + 5), Catch::Contains("unknown token"));
  t.acknowledge(m);
  CHECK_THROWS_WITH(t.acknowledge(m), Catch::Contains("twice"));
}

TEST_CASE("the tracker describes where a message came from", "[tracker]") {
  checkpoint_tracker t;
  t.begin({"0-1-42", {"mysql-bin.000001", 50}, {}});
  auto r = row();
  r.row_index = 3;
  const auto m = t.add_message(1, r);
  CHECK(t.describe(m) == "table app.outbox, binlog mysql-bin.000001:100 row 3, gtid 0-1-42");
}

TEST_CASE("commit copies a checkpoint given by lvalue and takes one given by rvalue", "[tracker]") {
  checkpoint_tracker t;
  const checkpoint kept = at(100);
  t.begin({});
  CHECK(t.commit(kept));
  CHECK(kept == at(100));
  CHECK(t.committable() == kept);
  checkpoint given = at(200);
  t.begin({});
  CHECK(t.commit(std::move(given)));
  CHECK(t.committable() == at(200));
}

TEST_CASE("checkpoints derived behind a pending message equal the source's, GTID set included", "[tracker]") {
  // Commit checkpoints as a source gives them: one file, the GTID set growing
  // by each transaction's GTID, with a rotation and a second domain in between.
  std::vector<begin_event> begins;
  std::vector<checkpoint> ends;
  gtid_set executed = gtid_set::parse("0-1-10", gtid_flavor::mariadb);
  std::string file = "mysql-bin.000001";
  std::uint64_t offset = 4;
  for (std::uint64_t i = 0; i < 200; ++i) {
    if (i == 120) {
      file = "mysql-bin.000002";
      offset = 4;
    }
    const std::string g = (i % 7 == 3 ? "5-2-" : "0-1-") + std::to_string(11 + i);
    begins.push_back(begin_event{g, {file, offset}, {}});
    offset += 500;
    executed.add(gtid::parse(g, gtid_flavor::mariadb));
    ends.push_back(checkpoint{{file, offset}, executed, "1"});
  }
  checkpoint_tracker t;
  std::vector<std::uint64_t> tokens;
  for (std::size_t i = 0; i < begins.size(); ++i) {
    t.begin(begins[i]);
    tokens.push_back(t.add_message(10, row()));
    t.commit(ends[i]);
  }
  // Only the first transaction's record keeps a whole checkpoint (and the
  // second domain's first GTID, which derivation also covers): the records'
  // slots (256, the power of two above 200) and about one checkpoint.
  CHECK(t.memory_bytes() < 256 * (checkpoint_tracker::transaction_record_bytes +
                                  checkpoint_tracker::message_record_bytes) + 1024);
  // Acknowledge every other message first, then the rest in reverse: each
  // time the checkpoint moves it must equal the source's for that transaction.
  for (std::size_t i = 1; i < tokens.size(); i += 2) t.acknowledge(tokens[i]);
  CHECK_FALSE(t.committable());
  for (std::size_t k = tokens.size(); k-- > 0;) {
    if (k % 2 == 1) continue;
    t.acknowledge(tokens[k]);
  }
  REQUIRE(t.committable());
  CHECK(*t.committable() == ends.back());
  // And step by step, in order.
  checkpoint_tracker u;
  std::vector<std::uint64_t> toks;
  for (std::size_t i = 0; i < begins.size(); ++i) {
    u.begin(begins[i]);
    toks.push_back(u.add_message(10, row()));
    u.commit(ends[i]);
  }
  for (std::size_t i = 0; i < toks.size(); ++i) {
    u.acknowledge(toks[i]);
    REQUIRE(u.committable());
    CHECK(*u.committable() == ends[i]);
  }
}

TEST_CASE("the resume point lies inside the oldest unfinished transaction, after its published rows", "[tracker]") {
  const checkpoint base{{"mysql-bin.000001", 1000}, gtid_set::parse("0-1-4", gtid_flavor::mariadb), "1"};
  checkpoint_tracker t;
  t.start(base);
  CHECK(t.resume_point() == std::optional<checkpoint>(base));
  t.begin(begin_event{"0-1-5", {"mysql-bin.000001", 1000}, {}});
  const auto a = t.add_message(1, row());  // row 0: one message
  t.end_row();
  t.end_row();                             // row 1: none (another table)
  const auto b = t.add_message(1, row());  // row 2: two messages
  const auto c = t.add_message(1, row());
  t.end_row();
  const auto d = t.add_message(1, row());  // row 3: one
  t.end_row();
  CHECK(t.resume_point() == std::optional<checkpoint>(base));  // nothing acknowledged

  const auto inside = [&](std::uint64_t rows) {
    checkpoint in{{"mysql-bin.000001", 1000}, gtid_set::parse("0-1-4", gtid_flavor::mariadb), "1"};
    in.skip_rows = rows;
    in.transaction_gtid = "0-1-5";
    return std::optional<checkpoint>(in);
  };
  t.acknowledge(a);
  CHECK(t.resume_point() == inside(2));  // rows 0 and 1: row 2 waits for b and c
  t.acknowledge(c);
  CHECK(t.resume_point() == inside(2));  // c without b is not enough
  t.acknowledge(b);
  CHECK(t.resume_point() == inside(3));
  t.acknowledge(d);
  CHECK(t.resume_point() == inside(4));  // every row read so far, the transaction still open
  const checkpoint end{{"mysql-bin.000001", 2000}, gtid_set::parse("0-1-5", gtid_flavor::mariadb), "1"};
  CHECK(t.commit(end));
  CHECK(t.resume_point() == std::optional<checkpoint>(end));
  CHECK(t.committable() == std::optional<checkpoint>(end));
}

TEST_CASE("resuming inside a transaction, its end is the source's checkpoint again", "[tracker]") {
  checkpoint in{{"mysql-bin.000001", 1000}, gtid_set::parse("0-1-4", gtid_flavor::mariadb), "1"};
  in.skip_rows = 2;
  in.transaction_gtid = "0-1-5";
  checkpoint_tracker t;
  t.start(in);
  CHECK(t.resume_point() == std::optional<checkpoint>(in));
  t.begin(begin_event{"0-1-5", {"mysql-bin.000001", 1000}, {}});
  CHECK(t.resume_point() == std::optional<checkpoint>(in));
  t.end_row();  // the two rows published before, skipped
  CHECK(t.resume_point() == std::optional<checkpoint>(in));  // a stop while skipping keeps both
  t.end_row();
  CHECK(t.resume_point() == std::optional<checkpoint>(in));
  const auto m = t.add_message(1, row());
  t.end_row();
  t.acknowledge(m);
  in.skip_rows = 3;
  CHECK(t.resume_point() == std::optional<checkpoint>(in));
  const checkpoint end{{"mysql-bin.000001", 2000}, gtid_set::parse("0-1-5", gtid_flavor::mariadb), "1"};
  t.commit(end);
  CHECK(t.resume_point() == std::optional<checkpoint>(end));  // derived from the start: no skip_rows left
}

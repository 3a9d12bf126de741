// The checkpoint document: round trips, the original Tor's value, and every
// kind of bad stored data refused with the text quoted.
#include <catch2/catch.hpp>

#include <string>

#include <tor/state/checkpoint_json.hpp>

using namespace tor;

namespace {

checkpoint_document mariadb_doc() {
  return {{{"mysql-bin.000003", 1234}, gtid_set::parse("0-1-100,1-2-7", gtid_flavor::mariadb), "1"},
          "2026-11-26T11:35:34.120Z",
          "host-a:4242",
          7,
          checkpoint_format::tor_v1};
}

// Decoding must fail with kind `state`, name where, quote what was found and say why.
void require_refused(const std::string& text, const std::string& why) {
  INFO("stored text: " << text);
  try {
    (void)decode_checkpoint_json(text, "Redis key 'k'");
    FAIL("accepted");
  } catch (const error& e) {
    const std::string msg = e.what();
    INFO("message: " << msg);
    CHECK(e.kind() == error_kind::state);
    CHECK_FALSE(e.transient());
    CHECK(msg.find("Redis key 'k'") != std::string::npos);
    CHECK(msg.find(why) != std::string::npos);
    CHECK(msg.find("found " + quote_found(text)) != std::string::npos);
    CHECK(msg.find("docs/state-stores.md") != std::string::npos);
  }
}

}  // namespace

TEST_CASE("the checkpoint document has the fields an operator reads", "[checkpoint_json]") {
  CHECK(encode_checkpoint_json(mariadb_doc()) ==
        R"({"version":1,"file":"mysql-bin.000003","offset":1234,"gtid_set":"0-1-100,1-2-7",)"
        R"("gtid_flavor":"mariadb","server_id":"1","saved_at":"2026-11-26T11:35:34.120Z",)"
        R"("saved_by":"host-a:4242","owner_epoch":7})");
}

TEST_CASE("checkpoint documents round trip in both GTID flavours", "[checkpoint_json]") {
  auto doc = mariadb_doc();
  CHECK(decode_checkpoint_json(encode_checkpoint_json(doc), "x") == doc);

  // (Members are assigned one by one: GCC 12 warns falsely about nested
  // aggregate initialisers of strings at -O2.)
  checkpoint_document mysql;
  mysql.state.position = {"binlog.000010", 18446744073709551615ULL};
  mysql.state.gtids = gtid_set::parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7-9", gtid_flavor::mysql);
  mysql.state.server_id = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
  const auto text = encode_checkpoint_json(mysql);
  CHECK(text.find("saved_at") == std::string::npos);
  CHECK(text.find("owner_epoch") == std::string::npos);
  const auto back = decode_checkpoint_json(text, "x");
  CHECK(back == mysql);
  CHECK(back.state.gtids.flavor() == gtid_flavor::mysql);

  // Strings that need escaping survive.
  checkpoint_document odd;
  odd.state.position = {"dir/bin\"log\\.000001", 4};
  odd.state.server_id = "id\nwith\tcontrol\x01";
  odd.saved_by = "h\xc3\xa9:1";
  CHECK(decode_checkpoint_json(encode_checkpoint_json(odd), "x") == odd);
}

TEST_CASE("documents written by hand are read: whitespace, order, escapes, unknown members", "[checkpoint_json]") {
  const auto doc = decode_checkpoint_json(R"(
    { "offset" : 4 , "file" : "mysql-bin.\u0030\u00301", "version" : 1,
      "note": {"by": ["ops", 1, true, null, -2.5e3]}, "gtid_set": "" }
  )",
                                          "x");
  CHECK(doc.state.position == binlog_position{"mysql-bin.001", 4});
  CHECK(doc.state.gtids.empty());
  CHECK(doc.state.server_id.empty());
  CHECK(doc.owner_epoch == 0);

  CHECK(decode_checkpoint_json(R"({"version":1,"file":"f.1","offset":4,"server_id":"\ud83d\ude00"})", "x")
            .state.server_id == "\xf0\x9f\x98\x80");
}

TEST_CASE("the original Tor's value is read so a deployment switches over", "[checkpoint_json]") {
  const auto doc = decode_checkpoint_json(R"({"name":"mysql-bin.000003","pos":1234})", "x");
  CHECK(doc.format == checkpoint_format::original_tor);
  CHECK(doc.state.position == binlog_position{"mysql-bin.000003", 1234});
  CHECK(doc.state.gtids.empty());
  CHECK(doc.state.server_id.empty());
  // Go's encoding/json matches member names without regard to case.
  CHECK(decode_checkpoint_json(R"({"Name":"mysql-bin.000004","Pos":4})", "x").state.position ==
        binlog_position{"mysql-bin.000004", 4});
  // Re-encoded, it becomes a version-1 document with the same position.
  auto upgraded = doc;
  upgraded.format = checkpoint_format::tor_v1;
  CHECK(decode_checkpoint_json(encode_checkpoint_json(upgraded), "x").state == doc.state);
}

TEST_CASE("bad stored data is refused, quoting what was found and saying why", "[checkpoint_json]") {
  require_refused("", "the value is empty");
  require_refused("   \n", "the value is empty");
  require_refused("hello", "not valid JSON");
  require_refused("1234", "a bare number is an offset without a binlog file name");
  require_refused(R"(["mysql-bin.000003",4])", "expected a JSON object");
  require_refused(R"({"version":1,"file":"f.1","offset":4)", "not valid JSON");
  require_refused(R"({"version":1,"file":"f.1","offset":4} trailing)", "unexpected text after the JSON object");
  require_refused(R"({"version":1,"file":"f.1","offset":4,"offset":5})", "\"offset\" appears twice");
  require_refused(R"({"version":1,"file":"f.1","offset":-4})", "\"offset\" is negative (-4)");
  require_refused(R"({"version":1,"file":"f.1","offset":4.5})", "\"offset\" must be a whole number (4.5)");
  require_refused(R"({"version":1,"file":"f.1","offset":1e3})", "\"offset\" must be a whole number (1e3)");
  require_refused(R"({"version":1,"file":"f.1","offset":"4"})", "\"offset\" must be a number, not the string");
  require_refused(R"({"version":1,"file":"f.1","offset":18446744073709551616})", "\"offset\" is too large");
  require_refused(R"({"version":1,"file":7,"offset":4})", "\"file\" must be a string, not a number");
  require_refused(R"({"version":1,"offset":4})", "member \"file\" is missing");
  require_refused(R"({"version":1,"file":"f.1"})", "member \"offset\" is missing");
  require_refused(R"({"version":1,"file":"","offset":4})", "names no position");
  require_refused(R"({"version":2,"file":"f.1","offset":4})", "written by a newer Tor");
  require_refused(R"({"version":1,"file":"f.1","offset":4,"gtid_set":"0-1-5"})", "without \"gtid_flavor\"");
  require_refused(R"({"version":1,"file":"f.1","offset":4,"gtid_set":"0-1-5","gtid_flavor":"oracle"})",
                  "\"gtid_flavor\" must be \"mariadb\" or \"mysql\"");
  require_refused(R"({"version":1,"file":"f.1","offset":4,"gtid_set":"zzz","gtid_flavor":"mariadb"})",
                  "\"gtid_set\" is not a GTID set");
  require_refused(R"({"file":"f.1","offset":4})", "neither \"version\" nor \"name\"/\"pos\" is present");
  require_refused(R"({"name":"mysql-bin.000003"})", "needs \"pos\"");
  require_refused(R"({"pos":12})", "needs \"name\"");
  require_refused(R"({"name":"mysql-bin.000003","pos":-1})", "\"pos\" is negative");
  require_refused(R"({"name":"","pos":1})", "\"name\" (the binlog file) is empty");
  require_refused(R"({"name":"f.1","pos":1,"x":"\ud800"})", "surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF");
  require_refused("{\"name\":\"f\x01.1\",\"pos\":1}", "control character");
  require_refused(std::string(100, '[') + std::string(100, ']'), "expected a JSON object");
  require_refused("{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}", "nesting deeper than 32");
}

TEST_CASE("long or binary garbage is quoted briefly and safely", "[checkpoint_json]") {
  const std::string garbage = "\x01\xff" + std::string(5000, 'x');
  try {
    (void)decode_checkpoint_json(garbage, "file \"/var/lib/tor/checkpoint.json\"");
    FAIL("accepted");
  } catch (const error& e) {
    const std::string msg = e.what();
    CHECK(msg.size() < 1000);
    CHECK(msg.find(R"("\x01\xffxxxx)") != std::string::npos);
    CHECK(msg.find("(5002 bytes in all)") != std::string::npos);
  }
}

TEST_CASE("timestamps are UTC with milliseconds", "[checkpoint_json]") {
  using namespace std::chrono;
  CHECK(utc_timestamp(system_clock::time_point{milliseconds{1795678534120}}) == "2026-11-26T07:35:34.120Z");
  CHECK(utc_timestamp(system_clock::time_point{}) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("a checkpoint inside a transaction adds two members, and only then", "[checkpoint_json]") {
  auto doc = mariadb_doc();
  doc.state.skip_rows = 25944;
  doc.state.transaction_gtid = "0-1-101";
  const auto text = encode_checkpoint_json(doc);
  CHECK(text ==
        R"({"version":1,"file":"mysql-bin.000003","offset":1234,"gtid_set":"0-1-100,1-2-7",)"
        R"("gtid_flavor":"mariadb","server_id":"1","transaction_gtid":"0-1-101","skip_rows":25944,)"
        R"("saved_at":"2026-11-26T11:35:34.120Z","saved_by":"host-a:4242","owner_epoch":7})");
  CHECK(decode_checkpoint_json(text, "x") == doc);
  // Between transactions the document is the one earlier versions wrote.
  CHECK(encode_checkpoint_json(mariadb_doc()).find("skip_rows") == std::string::npos);
  // Without GTIDs the transaction is known by its position alone.
  checkpoint_document plain;
  plain.state.position = {"mysql-bin.000003", 1234};
  plain.state.skip_rows = 3;
  CHECK(decode_checkpoint_json(encode_checkpoint_json(plain), "x") == plain);
  require_refused(R"({"version":1,"file":"f.1","offset":4,"skip_rows":-1})", "\"skip_rows\" is negative");
  require_refused(R"({"version":1,"file":"f.1","offset":4,"transaction_gtid":"0-1-5"})",
                  "\"transaction_gtid\" is given without \"skip_rows\"");
}

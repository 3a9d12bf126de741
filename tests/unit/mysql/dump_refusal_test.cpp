// The texts servers send with error 1236 (and MariaDB's 4052), as MariaDB
// 10.11 (sql/sql_repl.cc) and MySQL 8 (sql/rpl_binlog_sender.cc) word them,
// told apart and explained. MariaDB's are also produced by the real server
// in tests/integration/mysql/refusal_test.cpp; MySQL's only here, since no
// MySQL server is packaged.
#include <catch2/catch.hpp>

#include <tor/mysql/detail/dump_refusal.hpp>

using namespace tor::mysql::detail;

namespace {
refusal_context context(bool by_gtid) {
  refusal_context c;
  c.server = "MySQL at db:3306";
  c.resume.position = {"binlog.000004", 1234};
  c.resume.gtids = tor::gtid_set::parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77", tor::gtid_flavor::mysql);
  c.by_gtid = by_gtid;
  c.replica_server_id = 4242;
  c.oldest_binlog = "binlog.000007";
  c.newest_binlog = "binlog.000009";
  c.server_gtids = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-90";
  return c;
}
}  // namespace

TEST_CASE("each server text of error 1236 is told apart", "[mysql][refusal]") {
  struct sample {
    unsigned code;
    const char* text;
    dump_refusal kind;
  };
  const sample samples[] = {
      // Both servers, file and offset.
      {1236, "Could not find first log file name in binary log index file", dump_refusal::purged},
      // MariaDB, GTID.
      {1236, "Could not find GTID state requested by slave in any binlog files. Probably the slave state is too old "
             "and required binlog files have been purged.", dump_refusal::purged},
      {1236, "Error: connecting slave requested to start from GTID 0-1-999, which is not in the master's binlog",
       dump_refusal::gtid_not_in_binlog},
      {1236, "Error: connecting slave requested to start from GTID 0-5-1, which is not in the master's binlog. Since "
             "the master's binlog contains GTIDs with higher sequence numbers, it probably means that the slave has "
             "diverged due to executing extra erroneous transactions", dump_refusal::gtid_diverged},
      {1236, "The binlog on the master is missing the GTID 0-1-5 requested by the slave (even though both a prior and "
             "a subsequent sequence number does exist), and GTID strict mode is enabled", dump_refusal::gtid_hole},
      {4052, "A slave with the same server_uuid/server_id is already connected; the first event 'mysql-bin.000001' at "
             "9689, the last event read from 'mysql-bin.000001' at 9936, the last byte read from 'mysql-bin.000001' at "
             "9967.", dump_refusal::same_server_id},  // MariaDB 10.11, measured
      {4052, "A slave with the same server_uuid/server_id as this slave has connected to the master; the first event "
             "'mysql-bin.000001' at 4, the last event read from 'mysql-bin.000001' at 1090, the last byte read from "
             "'mysql-bin.000001' at 1090.", dump_refusal::same_server_id},
      {1236, "Slave requested incorrect position in master binlog. Requested position 17 in file 'mysql-bin.000001', "
             "but this position does not correspond to the location of any binlog event.", dump_refusal::bad_position},
      // MySQL 8.0.26+ (source/replica) and older (master/slave) wordings.
      {1236, "Cannot replicate because the source purged required binary logs. Replicate the missing transactions "
             "from elsewhere, or provision a new replica from backup. Consider increasing the source's binary log "
             "expiration period. The GTID set sent by the replica is '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77', "
             "and the missing transactions are '3e11fa47-71ca-11e1-9e33-c80aa9429562:78-80'", dump_refusal::purged},
      {1236, "Cannot replicate because the master purged required binary logs. Replicate the missing transactions "
             "from elsewhere, or provision a new slave from backup.", dump_refusal::purged},
      {1236, "Replica has more GTIDs than the source has, using the source's SERVER_UUID. This may indicate that the "
             "end of the binary log was truncated or that the last binary log file was lost", dump_refusal::gtid_not_in_binlog},
      {1236, "Slave has more GTIDs than the master has, using the master's SERVER_UUID.", dump_refusal::gtid_not_in_binlog},
      {1236, "A replica with the same server_uuid/server_id as this replica has connected to the source; the first "
             "event 'binlog.000004' at 1234, the last event read from 'binlog.000004' at 2000, the last byte read from "
             "'binlog.000004' at 2000.", dump_refusal::same_server_id},
      {1236, "Client requested source to start replication from position > file size", dump_refusal::bad_position},
      {1236, "Client requested master to start replication from position < 4", dump_refusal::bad_position},
      {1236, "log event entry exceeded max_allowed_packet; Increase max_allowed_packet on source; the first event "
             "'binlog.000004' at 1234", dump_refusal::packet_too_large},
      {1236, "binlog truncated in the middle of event; consider out of disk space on source", dump_refusal::unreadable},
      {1236, "event read from binlog did not pass crc check", dump_refusal::unreadable},
      {1236, "The replication sender thread cannot start in AUTO_POSITION mode: this server has GTID_MODE = OFF "
             "instead of ON.", dump_refusal::gtid_mode_off},
      {1236, "something no server has said yet", dump_refusal::other},
  };
  for (const auto& s : samples) {
    INFO(s.text);
    CHECK(classify_dump_refusal(s.code, s.text) == s.kind);
  }
  CHECK(is_dump_refusal(1236, false));
  CHECK(is_dump_refusal(4052, true));
  CHECK_FALSE(is_dump_refusal(4052, false));  // another error on MySQL
  CHECK_FALSE(is_dump_refusal(2013, true));   // a lost connection is retried, not a refusal
}

TEST_CASE("a refused dump's message quotes the server first, then says what it means and what to do",
          "[mysql][refusal]") {
  SECTION("purged, by GTID") {
    const auto m = describe_dump_refusal(
        1236, "Cannot replicate because the source purged required binary logs.", context(true));
    CHECK(m.rfind("MySQL at db:3306 refused the binlog dump: \"Cannot replicate because the source purged", 0) == 0);
    CHECK_THAT(m, Catch::Contains("(error 1236)") && Catch::Contains("no longer on the server") &&
                      Catch::Contains("oldest binlog is binlog.000007") && Catch::Contains("purged before Tor read") &&
                      Catch::Contains("1-77"));
  }
  SECTION("by file: a file older than the oldest kept is purged, a newer one was never written here") {
    const auto purged = describe_dump_refusal(1236, "Could not find first log file name in binary log index file", context(false));
    CHECK_THAT(purged, Catch::Contains("binlog file binlog.000004 is no longer on the server") && Catch::Contains("purged"));
    auto c = context(false);
    c.resume.position = {"binlog.000012", 4};
    const auto unknown = describe_dump_refusal(1236, "Could not find first log file name in binary log index file", c);
    CHECK_THAT(unknown, Catch::Contains("binlog.000012") && Catch::Contains("is not one this server has written") &&
                            Catch::Contains("binlog.000007 to binlog.000009") && Catch::Contains("RESET MASTER"));
    CHECK_THAT(unknown, !Catch::Contains("purged"));
  }
  SECTION("same server_id") {
    const auto m = describe_dump_refusal(
        1236, "A replica with the same server_uuid/server_id as this replica has connected to the source", context(true));
    CHECK(m.rfind("MySQL at db:3306 ended the binlog stream: \"A replica with the same", 0) == 0);
    CHECK_THAT(m, Catch::Contains("same server_id, 4242") && Catch::Contains("its own server_id") &&
                      Catch::Contains("mysql.server_id"));
  }
  SECTION("a GTID the server never had, and a diverged history") {
    const auto m = describe_dump_refusal(1236, "Replica has more GTIDs than the source has, using the source's SERVER_UUID.",
                                         context(true));
    CHECK_THAT(m, Catch::Contains("never wrote to its binlog") && Catch::Contains("1-77") &&
                      Catch::Contains("the server's binlog holds 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-90") &&
                      Catch::Contains("resume_by_gtid: false") && Catch::Contains("another server"));
    const auto d = describe_dump_refusal(
        1236, "Error: connecting slave requested to start from GTID 0-5-1, which is not in the master's binlog. Since the "
              "master's binlog contains GTIDs with higher sequence numbers, it probably means that the slave has diverged",
        context(true));
    CHECK_THAT(d, Catch::Contains("history differs"));
  }
  SECTION("every other kind still names the checkpoint and says nothing was skipped") {
    for (const char* text : {"binlog truncated in the middle of event", "log event entry exceeded max_allowed_packet",
                             "something no server has said yet"}) {
      INFO(text);
      const auto m = describe_dump_refusal(1236, text, context(false));
      CHECK_THAT(m, Catch::Contains(std::string("\"") + text + "\"") && Catch::Contains("binlog.000004:1234") &&
                        Catch::Contains("nothing was skipped"));
    }
  }
}

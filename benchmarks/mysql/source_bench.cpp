// End-to-end binlog source benchmark: writes outbox rows to a MariaDB, then
// times reading and decoding them back from the binlog, which is already
// written (so this measures Tor, not the writer).
//
// Connection from the environment, as `scripts/servers.sh env` prints it:
// TOR_MYSQL_HOST (127.0.0.1), TOR_MYSQL_PORT, TOR_MYSQL_USER (tor),
// TOR_MYSQL_PASSWORD, TOR_MYSQL_DATABASE (tor). Sizes: TOR_BENCH_ROWS
// (default 200000) rows in transactions of 1000 rows, and
// TOR_BENCH_SINGLE_ROWS (default 20000) single-row transactions.
//
// Three readers over the same binlog:
//   binlog_source          the real source: reader thread + queue + next()
//   inline_fetch_decode    packet read and change_decoder on one thread
//                          (what the source would be without its thread)
//   connector_fetch_only   reading the event packets alone: the floor
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include <tor/mysql/binlog_source.hpp>

using namespace tor::mysql;
using namespace std::chrono_literals;

namespace {

std::string env(const char* name, const char* dflt) {
  const char* v = std::getenv(name);
  return v && *v ? v : dflt;
}

binlog_source_config base_config() {
  binlog_source_config c;
  c.host = env("TOR_MYSQL_HOST", "127.0.0.1");
  c.port = static_cast<unsigned>(std::stoul(env("TOR_MYSQL_PORT", "3306")));
  c.user = env("TOR_MYSQL_USER", "tor");
  c.password = env("TOR_MYSQL_PASSWORD", "tor");
  c.server_id = 424242;
  return c;
}

detail::connect_options options(const binlog_source_config& c) {
  detail::connect_options o;
  o.host = c.host;
  o.port = c.port;
  o.user = c.user;
  o.password = c.password;
  return o;
}

struct workload {
  std::string table;
  std::size_t rows = 0;
  tor::checkpoint start;  // just before the rows
};

/// Creates a fresh outbox table and writes `rows` rows in transactions of
/// `per_txn` rows; returns where the binlog stood before.
workload write(const std::string& name, std::size_t rows, std::size_t per_txn) {
  const auto cfg = base_config();
  const auto db = env("TOR_MYSQL_DATABASE", "tor");
  detail::connection c(options(cfg));
  workload w;
  w.table = db + "." + name;
  w.rows = rows;
  c.execute("DROP TABLE IF EXISTS " + w.table);
  c.execute("CREATE TABLE " + w.table +
            " (id CHAR(36) NOT NULL PRIMARY KEY, aggregatetype VARCHAR(255) NOT NULL, aggregateid VARCHAR(255) NOT "
            "NULL, payload JSON NOT NULL, created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB");
  w.start.position = *detail::binlog_end(c);
  // A full checkpoint, as a router resuming from its saved state has one.
  if (auto g = c.scalar("SELECT BINLOG_GTID_POS(" + c.quote(w.start.position.file) + ", " +
                        std::to_string(w.start.position.offset) + ")"))
    w.start.gtids = tor::gtid_set::parse(*g, tor::gtid_flavor::mariadb);
  // A 256-byte JSON payload per row, like a small domain event.
  const std::string row = "UUID(), 'Order', CONCAT('order-', seq), CONCAT('{\"orderId\":', seq, ',\"status\":\"created\",\"items\":[', "
                          "REPEAT('1,', 100 - LENGTH(seq)), '1]}')";
  if (per_txn == 1) {
    c.execute("BEGIN NOT ATOMIC DECLARE seq INT DEFAULT 0; WHILE seq < " + std::to_string(rows) +
              " DO SET seq = seq + 1; INSERT INTO " + w.table + " (id, aggregatetype, aggregateid, payload) VALUES (" + row +
              "); END WHILE; END");
  } else {
    for (std::size_t done = 0; done < rows; done += per_txn)
      c.execute("INSERT INTO " + w.table + " (id, aggregatetype, aggregateid, payload) SELECT " + row + " FROM " + db +
                ".seq_" + std::to_string(done + 1) + "_to_" + std::to_string(std::min(rows, done + per_txn)));
  }
  std::cerr << "wrote " << rows << " rows to " << w.table << " in transactions of " << per_txn << " row(s)\n";
  return w;
}

workload& batched() {
  static workload w = write("bench_outbox_batched", std::stoul(env("TOR_BENCH_ROWS", "200000")), 1000);
  return w;
}
workload& single() {
  static workload w = write("bench_outbox_single", std::stoul(env("TOR_BENCH_SINGLE_ROWS", "20000")), 1);
  return w;
}

// Each iteration opens a new source at the start of the rows; its time
// includes open() (connecting and checking prerequisites: a few ms).
// It resumes by position: by GTID, MariaDB first reads the binlog file from
// its start to find the GTID, a one-off cost of resuming, not of streaming.
void read_with_source(benchmark::State& state, workload& w) {
  auto cfg = base_config();
  cfg.tables = {w.table};
  cfg.resume_by_gtid = false;
  std::size_t total = 0;
  for (auto _ : state) {
    cfg.server_id += 2;  // a new replica id: reusing one makes the server first end the old dump
    binlog_source src(cfg);
    src.open(w.start);
    std::size_t rows = 0;
    while (rows < w.rows) {
      auto ev = src.next(1s);
      if (!ev) {
        state.SkipWithError("the source went idle before every row arrived");
        return;
      }
      if (auto* r = std::get_if<tor::row_change>(&*ev)) {
        benchmark::DoNotOptimize(r->after.values.data());
        ++rows;
      }
    }
    total += rows;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
}

// The same work without the reader thread: fetch, decode and consume in turn.
void read_inline(benchmark::State& state, workload& w, bool decode) {
  const auto cfg = base_config();
  std::size_t total = 0;
  for (auto _ : state) {
    auto co = options(cfg);
    co.read_timeout = std::chrono::seconds(5);
    detail::connection c(co);
    c.execute("SET @master_binlog_checksum = @@global.binlog_checksum, @mariadb_slave_capability = 4, "
              "@master_heartbeat_period = 1000000000");
    static std::uint32_t id = cfg.server_id + 1000;
    detail::replication_stream stream(c, {++id, std::string(w.start.position.file), w.start.position.offset, std::nullopt});
    change_decoder_options o;
    o.capture = [&](std::string_view s, std::string_view t) { return w.table == std::string(s) + "." + std::string(t); };
    change_decoder d(o);
    d.start(w.start);
    std::vector<tor::change_event> out;
    std::size_t rows = 0, bytes = 0, log_pos = 0;
    const auto end_pos = static_cast<std::size_t>(state.range(0));  // where the rows end in the file
    while (decode ? rows < w.rows : log_pos < end_pos) {
      std::span<const std::uint8_t> ev;
      try {
        ev = stream.next();
      } catch (const std::exception& e) {
        state.SkipWithError((std::string(e.what()) + " after " + std::to_string(rows) + " rows, " + std::to_string(bytes) +
                             " bytes").c_str());
        return;
      }
      bytes += ev.size();
      if (!decode) {
        if (ev.size() >= 17 && !(ev[17] & 0x20)) log_pos = ev[13] | (ev[14] << 8) | (ev[15] << 16) | (std::size_t{ev[16]} << 24);
        continue;
      }
      d.feed(ev, out);
      for (auto& e : out)
        if (auto* r = std::get_if<tor::row_change>(&e)) {
          benchmark::DoNotOptimize(r->after.values.data());
          ++rows;
        }
      out.clear();
    }
    total += decode ? rows : w.rows;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
}

// Where the batched workload ends in the binlog, for the fetch-only floor
// (which reads events without looking at them, so it stops by position).
std::int64_t batched_end() {
  const auto cfg = base_config();
  detail::connection c(options(cfg));
  const auto end = *detail::binlog_end(c);
  return end.file == batched().start.position.file ? static_cast<std::int64_t>(end.offset) : 0;
}

void register_all() {
  benchmark::RegisterBenchmark("binlog_source/txn_rows:1000", [](benchmark::State& s) { read_with_source(s, batched()); })
      ->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(5)->ReportAggregatesOnly(true);
  benchmark::RegisterBenchmark("inline_fetch_decode/txn_rows:1000",
                               [](benchmark::State& s) { read_inline(s, batched(), true); })
      ->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(5)->ReportAggregatesOnly(true);
  const auto end = batched_end();
  if (end > 0)
    benchmark::RegisterBenchmark("connector_fetch_only/txn_rows:1000",
                                 [](benchmark::State& s) { read_inline(s, batched(), false); })
        ->Arg(end)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(5)->ReportAggregatesOnly(true);
  benchmark::RegisterBenchmark("binlog_source/txn_rows:1", [](benchmark::State& s) { read_with_source(s, single()); })
      ->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(5)->ReportAggregatesOnly(true);
  benchmark::RegisterBenchmark("inline_fetch_decode/txn_rows:1", [](benchmark::State& s) { read_inline(s, single(), true); })
      ->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(5)->ReportAggregatesOnly(true);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  try {
    (void)single();
    (void)batched();
    register_all();
  } catch (const std::exception& e) {
    std::cerr << "setup failed: " << e.what() << "\n(connection settings come from TOR_MYSQL_*: "
              << "eval \"$(scripts/servers.sh env)\")\n";
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

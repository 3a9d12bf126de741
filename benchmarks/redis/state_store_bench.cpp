// How long loading and saving the checkpoint takes, per store: a save runs on
// the router thread, so its latency is time the router does not publish.
//
//   eval "$(scripts/servers.sh env)"
//   build/benchmarks/redis/state_store_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

#include <tor/state/checkpoint_json.hpp>
#include <tor/redis/state_store.hpp>
#include <tor/state/file_state_store.hpp>

namespace {

tor::checkpoint sample(std::uint64_t offset) {
  return {{"mysql-bin.000042", offset},
          tor::gtid_set::parse("0-1-" + std::to_string(offset) + ",1-2-77", tor::gtid_flavor::mariadb), "1"};
}

void BM_encode_document(benchmark::State& state) {
  const tor::checkpoint_document doc{sample(123456789), "2026-11-26T11:35:34.120Z", "host-a:4242", 7,
                                     tor::checkpoint_format::tor_v1};
  for (auto _ : state) benchmark::DoNotOptimize(tor::encode_checkpoint_json(doc));
}
BENCHMARK(BM_encode_document);

void BM_decode_document(benchmark::State& state) {
  const auto text = tor::encode_checkpoint_json(
      {sample(123456789), "2026-11-26T11:35:34.120Z", "host-a:4242", 7, tor::checkpoint_format::tor_v1});
  for (auto _ : state) benchmark::DoNotOptimize(tor::decode_checkpoint_json(text, "bench"));
}
BENCHMARK(BM_decode_document);

void BM_file_save(benchmark::State& state) {
  std::string dir = (std::filesystem::temp_directory_path() / "tor-bench.XXXXXX").string();
  if (!::mkdtemp(dir.data())) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  tor::file_state_store store(dir + "/checkpoint.json");
  std::uint64_t off = 4;
  for (auto _ : state) store.save(sample(++off));
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_file_save)->Unit(benchmark::kMicrosecond);

// Redis over TCP (arg 0) or the unix socket (arg 1).
void BM_redis_save(benchmark::State& state) {
  const char* port = std::getenv("TOR_REDIS_PORT");
  const char* socket = std::getenv("TOR_REDIS_SOCKET");
  if (!port || (state.range(0) == 1 && !socket)) {
    state.SkipWithError("TOR_REDIS_PORT / TOR_REDIS_SOCKET not set: eval \"$(scripts/servers.sh env)\" first");
    return;
  }
  tor::redis::state_store_config cfg;
  cfg.port = std::atoi(port);
  if (state.range(0) == 1) cfg.unix_socket = socket;
  cfg.key = "tor:bench:" + std::to_string(::getpid());
  tor::redis::state_store store(cfg);
  (void)store.load();
  std::uint64_t off = 4;
  for (auto _ : state) store.save(sample(++off));
  tor::redis::detail::connection admin(cfg.host, cfg.port, cfg.unix_socket, cfg.timeout, cfg.timeout);
  (void)admin.command({"DEL", cfg.key, cfg.key + ":owner"});
}
BENCHMARK(BM_redis_save)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();

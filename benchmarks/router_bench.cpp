// Router throughput with the outbox mapper and the in-memory dispatcher and
// state store, 256-byte payloads, one-row transactions (the usual outbox
// shape) and 100-row transactions. The source builds every event afresh, as
// a binlog source decodes it (its own cost is source_double_only), so the
// figure is the whole in-memory pipeline's.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <stop_token>
#include <string>
#include <string_view>

#include <tor/testing.hpp>
#include <tor/tor.hpp>

namespace {

const auto outbox =
    tor::testing::make_table("app", "outbox", {"id", "aggregatetype", "aggregateid", "type", "payload", "created_at"});

// Generates one-table outbox transactions on the fly, as a binlog source
// would decode them (fresh values for every row), then asks the router to stop.
struct generating_source {
  std::size_t rows = 0;
  std::size_t rows_per_txn = 1;
  std::stop_source* stop = nullptr;
  std::size_t produced = 0;
  std::size_t in_txn = 0;
  bool open_txn = false;
  std::uint64_t offset = 4;
  std::string payload = std::string(256, 'p');
  tor::gtid_set gtids = tor::gtid_set::parse("0-1-1", tor::gtid_flavor::mariadb);

  // prefix + decimal number, in one allocation at most (as a decoder copies a column's bytes).
  static std::string text(std::string_view prefix, std::uint64_t n) {
    char buf[64];
    const auto end = std::to_chars(std::copy(prefix.begin(), prefix.end(), buf), buf + sizeof buf, n).ptr;
    return std::string(buf, end);
  }

  void open(const std::optional<tor::checkpoint>&) {}
  std::optional<tor::change_event> next(std::chrono::milliseconds) {
    if (!open_txn) {
      if (produced == rows) {
        stop->request_stop();
        return std::nullopt;
      }
      open_txn = true;
      in_txn = 0;
      return tor::change_event{tor::begin_event{text("0-1-", produced), {"mysql-bin.000001", offset}, {}}};
    }
    if (in_txn == rows_per_txn) {
      open_txn = false;
      return tor::change_event{tor::commit_event{{{"mysql-bin.000001", offset += 30}, gtids, "1"}, {}}};
    }
    tor::row_change c;
    c.table = outbox;
    c.position = {"mysql-bin.000001", offset += 300};
    c.row_index = static_cast<std::uint32_t>(in_txn);
    // Each value is built once, in place, as the row decoder does (an
    // initializer list would copy every string a second time).
    auto& v = c.after.values;
    v.reserve(6);
    v.emplace_back(text("0b6f1a3e-1111-2222-3333-", 100000000000 + produced));
    v.emplace_back(std::in_place_type<std::string>, "Order");
    v.emplace_back(text("order-", produced % 1000));
    v.emplace_back(std::in_place_type<std::string>, "OrderCreated");
    v.emplace_back(payload);
    v.emplace_back(tor::timestamp_value{1700000000, 1});
    ++produced;
    ++in_txn;
    return tor::change_event{std::move(c)};
  }
};

void router_outbox(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  const auto per_txn = static_cast<std::size_t>(state.range(1));
  for (auto _ : state) {
    state.PauseTiming();
    std::stop_source stop;
    generating_source source;
    source.rows = rows;
    source.rows_per_txn = per_txn;
    source.stop = &stop;
    tor::testing::memory_dispatcher::options o;
    o.record = false;
    tor::testing::memory_dispatcher dispatcher(o);
    tor::testing::memory_state_store store;
    tor::outbox_config cfg;
    cfg.tables = {"app.outbox"};
    tor::outbox_mapper mapper(cfg);
    tor::router router(source, dispatcher, store, mapper);
    state.ResumeTiming();
    router.run(stop.get_token());
    if (dispatcher.acknowledged() != rows) state.SkipWithError("not every message was acknowledged");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(router_outbox)->Args({1'000'000, 1})->Args({1'000'000, 100})->Unit(benchmark::kMillisecond)->UseRealTime();

// The router's own cost: a source whose rows carry no values and a mapper
// that emits an empty message, so what is left is reading, tracking,
// dispatching and acknowledging.
struct bare_source {
  std::size_t rows = 0;
  std::stop_source* stop = nullptr;
  std::size_t produced = 0;
  int step = 0;
  void open(const std::optional<tor::checkpoint>&) {}
  std::optional<tor::change_event> next(std::chrono::milliseconds) {
    if (produced == rows && step == 0) {
      stop->request_stop();
      return std::nullopt;
    }
    switch (step) {
      case 0: step = 1; return tor::change_event{tor::begin_event{}};
      case 1: {
        step = 2;
        ++produced;
        tor::row_change r;
        r.table = outbox;
        return tor::change_event{std::move(r)};
      }
      default: step = 0; return tor::change_event{tor::commit_event{}};
    }
  }
};
struct bare_mapper {
  void map(const tor::row_change&, const tor::transaction_info&, std::vector<tor::message>& out) const {
    out.emplace_back();
  }
};

void router_overhead(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    std::stop_source stop;
    bare_source source{rows, &stop};
    tor::testing::memory_dispatcher::options o;
    o.record = false;
    tor::testing::memory_dispatcher dispatcher(o);
    tor::testing::memory_state_store store;
    bare_mapper mapper;
    tor::router router(source, dispatcher, store, mapper);
    router.run(stop.get_token());
    if (dispatcher.acknowledged() != rows) state.SkipWithError("not every message was acknowledged");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(router_overhead)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();

void outbox_mapper_only(benchmark::State& state) {
  std::stop_source stop;
  generating_source source;
  source.rows = 1;
  source.stop = &stop;
  source.next({});
  const auto event = source.next({});
  const auto& row = std::get<tor::row_change>(*event);
  tor::outbox_config cfg;
  cfg.tables = {"app.outbox"};
  tor::outbox_mapper mapper(cfg);
  tor::transaction_info tx{"0-1-1", {"mysql-bin.000001", 4}, {}};
  std::vector<tor::message> out;
  for (auto _ : state) {
    out.clear();
    mapper.map(row, tx, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(outbox_mapper_only);

// A table_filter in front of a producer in a composed mapper, on the rows of
// one table that its second pattern keeps (the first is tried and fails).
void table_filter_only(benchmark::State& state) {
  const tor::table_filter filter({"app\\.(orders|customers)", "app\\.out.*"});
  tor::row_change row;
  row.table = outbox;
  const tor::transaction_info tx{"0-1-1", {"mysql-bin.000001", 4}, {}};
  if (!filter.accept(row, tx)) state.SkipWithError("the filter does not keep app.outbox");
  for (auto _ : state) benchmark::DoNotOptimize(filter.accept(row, tx));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(table_filter_only);

void checkpoint_tracker_only(benchmark::State& state) {
  tor::checkpoint_tracker t;
  tor::row_change row;
  row.table = outbox;
  const tor::begin_event begin{"0-1-1", {"mysql-bin.000001", 4}, {}};
  for (auto _ : state) {
    t.begin(begin);
    const auto token = t.add_message(300, row);
    t.end_row();
    tor::checkpoint end;  // moved in, as the router does with the source's
    end.position.file = "mysql-bin.000001";
    end.position.offset = 100;
    t.commit(std::move(end));
    t.acknowledge(token);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(checkpoint_tracker_only);

// The doubles' own cost, to read the router's share off the figures above.
void source_double_only(benchmark::State& state) {
  std::stop_source stop;
  generating_source source;
  source.rows = std::numeric_limits<std::size_t>::max();
  source.stop = &stop;
  for (auto _ : state) benchmark::DoNotOptimize(source.next({}));
  state.SetItemsProcessed(state.iterations() / 3);  // begin, row, commit per message
}
BENCHMARK(source_double_only);

void dispatcher_double_only(benchmark::State& state) {
  tor::testing::memory_dispatcher::options o;
  o.record = false;
  tor::testing::memory_dispatcher d(o);
  std::vector<tor::delivery> reports;
  std::uint64_t token = 0;
  for (auto _ : state) {
    tor::message m;
    m.topic = "outbox.event.Order";
    m.value = std::string(256, 'p');
    d.send(std::move(m), ++token);
    if (token % 64 == 0) {
      reports.clear();
      d.poll(reports, std::chrono::milliseconds(0));
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(dispatcher_double_only);

}  // namespace

BENCHMARK_MAIN();

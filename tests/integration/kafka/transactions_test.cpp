// tor::kafka::dispatcher in exactly-once mode against the real broker of
// scripts/servers.sh: the transactional dispatcher laws (shared with the
// in-memory double), the checkpoint topic created compacted, a message the
// broker refuses aborting the transaction, and the router over it through
// crashes, checked by a read-committed consumer.
#include "support.hpp"

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "laws/transactional_dispatcher_laws.hpp"
#include <tor/kafka/dispatcher.hpp>
#include <tor/mappers/outbox.hpp>
#include <tor/testing.hpp>
#include <tor/tor.hpp>

using namespace tor::kafka::test;
using tor::checkpoint;
using tor::delivery;
using tor::kafka::config;
using tor::kafka::dispatcher;

namespace {

config eo_config(const std::string& id, const std::string& checkpoint_topic) {
  config c;
  c.brokers = real_brokers();
  c.exactly_once = true;
  c.transactional_id = id;
  c.checkpoint_topic = checkpoint_topic;
  c.topics.timeout = 30s;
  return c;
}

void create(const std::string& topic, int partitions, std::map<std::string, std::string> configs = {}) {
  config c;
  c.brokers = real_brokers();
  c.topics.create_missing = true;
  c.topics.partitions = partitions;
  c.topics.configs = std::move(configs);
  c.properties["batch.size"] = "1000";  // fits the small topics made here; this dispatcher only creates
  dispatcher d(c);
  (void)d.check_topics({topic});
}

/// What a consumer with isolation.level=read_committed reads from `topic`
/// up to its end (the last stable offset), partition by partition.
std::vector<record> read_committed(const std::string& topic, int partitions) {
  char errstr[512];
  tor::kafka::detail::conf_handle conf{rd_kafka_conf_new()};
  for (auto [k, v] : {std::pair{"bootstrap.servers", real_brokers()},
                      {"group.id", std::string("tor-test-read-committed")},
                      {"isolation.level", std::string("read_committed")},
                      {"enable.partition.eof", std::string("true")},
                      {"enable.auto.commit", std::string("false")},
                      {"log_level", std::string("3")}})
    REQUIRE(rd_kafka_conf_set(conf.get(), k, v.c_str(), errstr, sizeof errstr) == RD_KAFKA_CONF_OK);
  tor::kafka::detail::client_handle rk{rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), errstr, sizeof errstr)};
  REQUIRE(rk);
  (void)conf.release();
  rd_kafka_poll_set_consumer(rk.get());
  tor::kafka::detail::partition_list_handle list{rd_kafka_topic_partition_list_new(partitions)};
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  REQUIRE(rd_kafka_assign(rk.get(), list.get()) == RD_KAFKA_RESP_ERR_NO_ERROR);
  std::map<int, std::vector<record>> by_partition;
  std::set<int> ended;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (static_cast<int>(ended.size()) < partitions) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    tor::kafka::detail::message_handle m{rd_kafka_consumer_poll(rk.get(), 100)};
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ended.insert(m->partition);
      continue;
    }
    REQUIRE(m->err == RD_KAFKA_RESP_ERR_NO_ERROR);
    record r;
    r.partition = m->partition;
    r.offset = m->offset;
    if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len), r.has_key = true;
    if (m->payload) r.value.emplace(static_cast<const char*>(m->payload), m->len);
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m.get(), &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name;
      const void* val;
      std::size_t size;
      for (std::size_t i = 0; !rd_kafka_header_get_all(hdrs, i, &name, &val, &size); ++i)
        r.headers.push_back({name, val ? std::string(static_cast<const char*>(val), size) : std::string()});
    }
    by_partition[m->partition].push_back(std::move(r));
  }
  rd_kafka_consumer_close(rk.get());
  std::vector<record> out;
  for (auto& [p, recs] : by_partition) out.insert(out.end(), recs.begin(), recs.end());
  return out;
}

/// A topic config as the broker describes it.
std::string topic_config(const std::string& topic, const std::string& name) {
  config c;
  c.brokers = real_brokers();
  dispatcher d(c);
  rd_kafka_t* rk = d.native_handle();
  tor::kafka::detail::config_resource_handle res{rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str())};
  rd_kafka_ConfigResource_t* raw = res.get();
  tor::kafka::detail::queue_handle q{rd_kafka_queue_new(rk)};
  rd_kafka_DescribeConfigs(rk, &raw, 1, nullptr, q.get());
  tor::kafka::detail::event_handle ev{rd_kafka_queue_poll(q.get(), 30000)};
  REQUIRE(ev);
  REQUIRE(rd_kafka_event_error(ev.get()) == RD_KAFKA_RESP_ERR_NO_ERROR);
  std::size_t count = 0;
  const auto** resources =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev.get()), &count);
  REQUIRE(count == 1);
  std::size_t n = 0;
  const auto** entries = rd_kafka_ConfigResource_configs(resources[0], &n);
  for (std::size_t j = 0; j < n; ++j)
    if (name == rd_kafka_ConfigEntry_name(entries[j]) && rd_kafka_ConfigEntry_value(entries[j]))
      return rd_kafka_ConfigEntry_value(entries[j]);
  return {};
}

}  // namespace

TEST_CASE("the transactional Kafka dispatcher keeps the transactional dispatcher laws against the real broker",
          "[kafka][exactly-once][laws]") {
  const auto topic = unique_topic("eo-laws");
  const auto checkpoints = unique_topic("eo-checkpoints");
  const auto id = unique_topic("eo-id");
  create(topic, 1);
  tor::laws::check_transactional_dispatcher_laws(
      [&] { return std::make_unique<dispatcher>(eo_config(id, checkpoints)); },
      [&](const std::string& t) {
        std::vector<std::string> values;
        for (const auto& r : read_committed(t, 1)) values.push_back(r.value.value_or(""));
        return values;
      },
      topic, checkpoint{{"mysql-bin.000001", 100}, {}, "1"},
      checkpoint{{"mysql-bin.000001", 200}, tor::gtid_set::parse("0-1-6", tor::gtid_flavor::mariadb), "1", 3, "0-1-7"});
  INFO("the checkpoint topic was created compacted");
  CHECK(topic_config(checkpoints, "cleanup.policy") == "compact");
}

TEST_CASE("a message the broker refuses aborts the transaction: the commit fails as transient, nothing is visible",
          "[kafka][exactly-once]") {
  const auto topic = unique_topic("eo-refused");
  create(topic, 1, {{"max.message.bytes", "2000"}});
  auto dc = eo_config(unique_topic("eo-id"), "tor.checkpoints");
  if (std::getenv("TOR_TEST_KAFKA_DEBUG")) {
    dc.properties["debug"] = "eos";
    dc.log = [](auto, std::string_view f, std::string_view t) { std::clog << f << ": " << t << "\n"; };
  }
  dispatcher d(dc);
  REQUIRE_FALSE(d.committed_checkpoint().has_value());
  d.begin_transaction();
  d.send(make_message(topic, "k", 1), 1);
  d.send(make_message(topic, "k", 2, 5000), 2);  // larger than the topic accepts
  REQUIRE(d.flush(60s));
  std::vector<delivery> reports;
  d.poll(reports, 0ms);
  REQUIRE(reports.size() == 2);
  std::optional<tor::error_kind> kind;
  std::string what;
  try {
    d.commit_transaction(checkpoint{{"mysql-bin.000001", 300}, {}, "1"});
  } catch (const tor::error& e) {
    kind = e.kind();
    what = e.what();
  }
  REQUIRE(kind == tor::error_kind::transient);
  CHECK_THAT(what, Catch::Contains("aborted"));
  CHECK(read_committed(topic, 1).empty());
  INFO("the run after it (the service starts a new producer after an abort) commits");
  dispatcher again(dc);
  REQUIRE_FALSE(again.committed_checkpoint().has_value());  // the aborted checkpoint is not there either
  again.begin_transaction();
  again.send(make_message(topic, "k", 3), 3);
  REQUIRE(again.flush(60s));
  reports.clear();
  again.poll(reports, 0ms);
  REQUIRE(reports.size() == 1);
  INFO(reports[0].error);
  CHECK(reports[0].ok());
  again.commit_transaction(checkpoint{{"mysql-bin.000001", 400}, {}, "1"});
  const auto seen = read_committed(topic, 1);
  REQUIRE(seen.size() == 1);
  CHECK(sequence_of(*seen[0].value) == 3);
}

TEST_CASE("exactly once through the router and the real broker: crashes repeat nothing a read-committed consumer "
          "sees, and the mirror agrees after a clean stop",
          "[kafka][exactly-once][router]") {
  using namespace tor;
  const auto topic = unique_topic("eo-router");
  create(topic, 3);
  const auto id = unique_topic("eo-id");
  testing::memory_binlog log;
  std::vector<std::string> ids;
  for (int i = 0; i < 120; ++i) {
    std::vector<testing::scripted_row> rows;
    for (int j = 0; j <= i % 3; ++j) {
      ids.push_back("e" + std::to_string(i) + "-" + std::to_string(j));
      rows.push_back({testing::make_table("app", "outbox", {"id", "aggregatetype", "aggregateid", "type", "payload"}),
                      row_op::insert,
                      {},
                      {ids.back(), std::string("T"), "k" + std::to_string(i % 5), std::string("t"),
                       std::to_string(ids.size())}});
    }
    log.append(rows);
  }
  outbox_config oc;
  oc.tables = {"app.outbox"};
  oc.topic_template = topic;
  outbox_mapper mapper(oc);
  testing::memory_state_store mirror;
  router_options ro;
  ro.checkpoint_interval = 20ms;
  ro.idle_wait = 10ms;
  ro.max_transaction_messages = 25;

  const auto run = [&](std::uint64_t crash_after, const std::function<bool(router_stats)>& done) {
    testing::memory_source::options so;
    so.fail_after_events = crash_after;
    testing::memory_source src(log, so);
    tor::kafka::dispatcher d(eo_config(id, "tor.checkpoints"));
    router r(src, d, mirror, mapper, ro);
    std::string failure;
    std::atomic<bool> finished{false};
    {
      std::jthread t([&](std::stop_token st) {
        try {
          r.run(st);
        } catch (const std::exception& e) {
          failure = e.what();
        }
        finished = true;
      });
      const auto deadline = std::chrono::steady_clock::now() + 60s;
      while (!finished && !done(r.stats()) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    }
    return failure;
  };
  for (const std::uint64_t crash : {77u, 301u, 150u}) {
    INFO("crash after " << crash << " events");
    CHECK_THAT(run(crash, [](const router_stats&) { return false; }), Catch::Contains("injected failure"));
  }
  const auto end = log.end().first;
  CHECK(run(0, [&](const router_stats& s) { return s.last_saved == std::optional<checkpoint>(end); }).empty());

  const auto seen = read_committed(topic, 3);
  std::map<std::string, int> counts;
  std::map<std::string, std::vector<int>> per_key;
  for (const auto& r : seen) {
    ++counts[*r.find_header("id")];
    per_key[r.key].push_back(std::stoi(*r.value));
  }
  CHECK(counts.size() == ids.size());
  for (const auto& [event, n] : counts) {
    INFO(event);
    CHECK(n == 1);
  }
  for (const auto& [key, order] : per_key) CHECK(std::is_sorted(order.begin(), order.end()));
  INFO("the checkpoint in Kafka and the mirror agree");
  tor::kafka::dispatcher reader(eo_config(id, "tor.checkpoints"));
  const auto in_kafka = reader.committed_checkpoint();
  CHECK(in_kafka == std::optional<checkpoint>(end));
  CHECK(mirror.load() == in_kafka);
}

// The Kafka tests' common and mock-cluster helpers (support.hpp), compiled once;
// those for the real broker are in support_broker.cpp.
#include "support.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <stdexcept>

namespace tor::kafka::test {

std::string unique_topic(const std::string& base) {
  static int n = 0;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return "tor-test-" + base + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count() % 100000000) + "-" +
         std::to_string(++n);
}

std::string real_brokers() {
  const char* b = std::getenv("TOR_KAFKA_BROKERS");
  if (!b || !*b)
    FAIL("TOR_KAFKA_BROKERS is not set: run the kafka tests through scripts/test.sh, or start a broker with "
         "scripts/servers.sh start kafka and eval \"$(scripts/servers.sh env)\" first");
  return b;
}

mock_cluster::mock_cluster(int brokers) {
  char errstr[256];
  detail::conf_handle conf{rd_kafka_conf_new()};
  rd_kafka_conf_set(conf.get(), "log_level", "0", errstr, sizeof errstr);
  host_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr));
  if (!host_) throw std::runtime_error(errstr);
  (void)conf.release();
  cluster_ = rd_kafka_mock_cluster_new(host_.get(), brokers);
  if (!cluster_) throw std::runtime_error("rd_kafka_mock_cluster_new failed");
}

mock_cluster::~mock_cluster() {
  if (cluster_) rd_kafka_mock_cluster_destroy(cluster_);
}

std::string mock_cluster::bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

void mock_cluster::create_topic(const std::string& topic, int partitions, int replication) {
  REQUIRE(rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, replication) == RD_KAFKA_RESP_ERR_NO_ERROR);
}

const std::string* record::find_header(const std::string& name) const {
  for (const auto& h : headers)
    if (h.name == name) return &h.value;
  return nullptr;
}

namespace {

// A consumer of `topic` assigned each partition at the offset `next` gives.
detail::client_handle open_reader(const std::string& brokers, const std::string& topic,
                                  const std::map<int, std::int64_t>& next) {
  char errstr[512];
  detail::conf_handle conf{rd_kafka_conf_new()};
  for (auto [k, v] : {std::pair{"bootstrap.servers", brokers.c_str()},
                      {"group.id", "tor-test-reader"},
                      {"enable.auto.commit", "false"},
                      {"log_level", "3"},
                      {"fetch.wait.max.ms", "50"}})
    REQUIRE(rd_kafka_conf_set(conf.get(), k, v, errstr, sizeof errstr) == RD_KAFKA_CONF_OK);
  detail::client_handle rk{rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), errstr, sizeof errstr)};
  REQUIRE(rk);
  (void)conf.release();
  rd_kafka_poll_set_consumer(rk.get());
  detail::partition_list_handle list{rd_kafka_topic_partition_list_new(static_cast<int>(next.size()))};
  for (const auto& [p, offset] : next) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = offset;
  REQUIRE(rd_kafka_assign(rk.get(), list.get()) == RD_KAFKA_RESP_ERR_NO_ERROR);
  return rk;
}

record record_of(const rd_kafka_message_t& m) {
  record r;
  r.partition = m.partition;
  r.offset = m.offset;
  if (m.key) r.key.assign(static_cast<const char*>(m.key), m.key_len), r.has_key = true;
  if (m.payload) r.value.emplace(static_cast<const char*>(m.payload), m.len);
  rd_kafka_timestamp_type_t type{};
  r.timestamp_ms = rd_kafka_message_timestamp(&m, &type);
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(&m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name;
    const void* val;
    std::size_t size;
    for (std::size_t i = 0; !rd_kafka_header_get_all(hdrs, i, &name, &val, &size); ++i)
      r.headers.push_back({name, val ? std::string(static_cast<const char*>(val), size) : std::string()});
  }
  return r;
}

}  // namespace

std::vector<record> read_topic(const std::string& brokers, const std::string& topic, int partitions,
                               std::size_t expected, std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  std::map<int, std::int64_t> next;  // where each partition's reading goes on
  for (int p = 0; p < partitions; ++p) next[p] = RD_KAFKA_OFFSET_BEGINNING;
  auto rk = open_reader(brokers, topic, next);
  std::vector<record> out;
  const auto end = clock::now() + timeout;
  while (out.size() < expected && clock::now() < end) {
    detail::message_handle m{rd_kafka_consumer_poll(rk.get(), 200)};
    if (!m) continue;
    if (m->err) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      FAIL("consumer error on " << topic << ": " << rd_kafka_message_errstr(m.get()));
    }
    out.push_back(record_of(*m));
    next[m->partition] = m->offset + 1;
  }
  if (out.size() < expected) {
    // Records missing: where each partition's reading stopped, against the
    // offsets the cluster says it holds (low-high watermarks), tells a
    // reader that stopped early from records that are not there.
    std::string where;
    for (const auto& [p, offset] : next) {
      std::int64_t low = -1, high = -1;
      (void)rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), p, &low, &high, 5000);
      where += " " + std::to_string(p) + "@" + std::to_string(offset) + " (holds " + std::to_string(low) + "-" +
               std::to_string(high) + ")";
    }
    WARN("reading " << topic << ": " << out.size() << " of " << expected << " records within the time limit; "
                    << "read up to (partition@offset)" << where);
  }
  // A short extra read catches records beyond `expected` (duplicates).
  for (int i = 0; i < 3; ++i) {
    detail::message_handle m{rd_kafka_consumer_poll(rk.get(), 100)};
    if (m && !m->err) out.push_back(record_of(*m));
  }
  rd_kafka_consumer_close(rk.get());
  return out;
}

std::map<std::string, int> cluster_topics(const std::string& brokers) {
  char errstr[512];
  detail::conf_handle conf{rd_kafka_conf_new()};
  REQUIRE(rd_kafka_conf_set(conf.get(), "bootstrap.servers", brokers.c_str(), errstr, sizeof errstr) ==
          RD_KAFKA_CONF_OK);
  detail::client_handle rk{rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr)};
  REQUIRE(rk);
  (void)conf.release();
  const rd_kafka_metadata_t* raw = nullptr;
  REQUIRE(rd_kafka_metadata(rk.get(), 1, nullptr, &raw, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  detail::metadata_handle md{raw};
  std::map<std::string, int> out;
  for (int i = 0; i < md->topic_cnt; ++i)
    if (!md->topics[i].err) out[md->topics[i].topic] = md->topics[i].partition_cnt;
  return out;
}

message make_message(const std::string& topic, const std::string& key, std::uint64_t n, std::size_t value_size) {
  message m;
  m.topic = topic;
  m.key = key;
  std::string v = key + "#" + std::to_string(n) + "|";
  if (v.size() < value_size) v.resize(value_size, 'x');
  m.value = std::move(v);
  m.headers = {{std::string(headers::id), "event-" + std::to_string(n)},
               {std::string(headers::binlog_file), "mysql-bin.000007"},
               {std::string(headers::binlog_pos), std::to_string(1000 + n) + "/0"}};
  m.timestamp = std::chrono::system_clock::now();
  return m;
}

std::uint64_t sequence_of(const std::string& value) {
  const auto hash = value.find('#');
  const auto bar = value.find('|');
  return std::stoull(value.substr(hash + 1, bar - hash - 1));
}

// --- the mock-cluster tests ------------------------------------------------------

config mock_config(const mock_cluster& mc) {
  config c;
  c.brokers = mc.bootstraps();
  c.properties["retry.backoff.ms"] = "10";
  // librdkafka's debug contexts for the dispatcher, to look into a failure:
  // TOR_TEST_KAFKA_DEBUG=msg,eos,protocol kafka_mock_test "[.in-flight]"
  if (const char* debug = std::getenv("TOR_TEST_KAFKA_DEBUG"); debug && *debug) {
    c.properties["debug"] = debug;
    c.log = [](log_level level, std::string_view facility, std::string_view text) {
      std::clog << "kafka " << to_string(level) << ' ' << facility << ": " << text << '\n';
    };
  }
  return c;
}

std::vector<delivery> collect(dispatcher& d, std::size_t count, std::vector<delivery> reports) {
  const auto end = std::chrono::steady_clock::now() + 30s;
  while (reports.size() < count && std::chrono::steady_clock::now() < end) d.poll(reports, 100ms);
  return reports;
}

void require_all_acknowledged(const std::vector<delivery>& reports, std::uint64_t n) {
  REQUIRE(reports.size() == n);
  std::set<std::uint64_t> tokens;
  for (const auto& r : reports) {
    INFO("token " << r.token << ": " << r.error);
    REQUIRE(r.ok());
    tokens.insert(r.token);
  }
  REQUIRE(tokens.size() == n);
  REQUIRE(*tokens.begin() == 1);
  REQUIRE(*tokens.rbegin() == n);
}

void require_key_order(const std::vector<record>& records, const std::map<std::string, std::uint64_t>& sent_per_key) {
  std::map<std::string, std::vector<const record*>> by_key;
  for (const auto& r : records) by_key[r.key].push_back(&r);
  REQUIRE(by_key.size() == sent_per_key.size());
  for (auto& [key, recs] : by_key) {
    INFO("key " << key);
    std::sort(recs.begin(), recs.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
    REQUIRE(recs.size() == sent_per_key.at(key));
    for (std::size_t i = 0; i < recs.size(); ++i) {
      REQUIRE(recs[i]->partition == recs[0]->partition);
      REQUIRE(sequence_of(*recs[i]->value) == i);
      REQUIRE(recs[i]->find_header("tor.binlog.pos"));
    }
  }
}

}  // namespace tor::kafka::test

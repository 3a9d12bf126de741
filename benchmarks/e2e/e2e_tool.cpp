// e2e_tool: the helpers benchmarks/e2e/run.sh drives. Each subcommand does
// one measured or preparatory thing and prints one JSON object on stdout.
//
//   topics   --brokers B --partitions P [--append-time 1] TOPIC...
//            create the topics (an existing topic is left alone); with
//            --append-time, the broker stamps messages (LogAppendTime)
//   wait     --brokers B --expect N [--timeout S] [--pid PID] [--read-committed 1] TOPIC...
//            poll the topics' end offsets until they sum to N (every message
//            acknowledged by the broker); fails when PID exits first. With
//            --read-committed (a relay in Kafka transactions, whose commit
//            markers take offsets too), count instead what a consumer with
//            isolation.level=read_committed reads until N

//   produce  --brokers B --messages N --value-bytes V [--headers default|none]
//            [--linger-ms 5] TOPIC_A TOPIC_B
//            the ceiling: a librdkafka producer with the relay's settings
//            sending the same messages (same keys, header names and sizes,
//            value size, topics alternating as the rows' routes do);
//            with --rate R, paced at R messages a second, each with a
//            created_us header (its send time): the latency floor of the
//            Kafka side for the steady state
//   source   --mysql HOST:PORT --rows N [--table tor.outbox]
//            the binlog source alone (tor::mysql::binlog_source) reading the
//            binlog from its start until N rows of the table have arrived
//   write    --mysql HOST:PORT --rate R --seconds S [--threads T] [--value-bytes V]
//            a paced writer: R single-row transactions a second (open loop,
//            T connections) into tor.outbox, each row carrying its send time
//            in created_us (microseconds since the epoch); when MariaDB
//            cannot keep up it stops at 2 S seconds (it reports the count)
//   latency  --brokers B --expect N [--expect-file F] [--timeout S] [--ready FILE]
//            [--isolation read_committed] TOPIC...
//            (--expect-file: once F holds a number, that is the count expected)
//            a consumer from the topics' current ends: for each message,
//            receive time minus its created_us header; p50/p99/p99.9; on
//            LogAppendTime topics also split at the broker's append time
//            (commit -> in the broker's log, and log -> consumer)
//
// CPU (all threads, getrusage) and peak RSS (VmHWM) are reported by
// produce and source. MySQL user and password: TOR_MYSQL_USER /
// TOR_MYSQL_PASSWORD (default tor/tor).
#include <librdkafka/rdkafka.h>
#include <mysql.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <tor/mysql/binlog_source.hpp>

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct args {
  std::map<std::string, std::string> opt;
  std::vector<std::string> pos;
  std::string get(const std::string& k, const std::string& dflt = "") const {
    auto it = opt.find(k);
    if (it != opt.end()) return it->second;
    if (dflt.empty()) throw std::runtime_error("missing --" + k);
    return dflt;
  }
  long num(const std::string& k, long dflt) const { return std::stol(get(k, std::to_string(dflt))); }
};

args parse(int argc, char** argv, int from) {
  args a;
  for (int i = from; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--", 0) == 0) {
      if (i + 1 >= argc) throw std::runtime_error("option " + s + " needs a value");
      a.opt[s.substr(2)] = argv[++i];
    } else {
      a.pos.push_back(s);
    }
  }
  return a;
}

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

long vm_hwm_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// --- Kafka ------------------------------------------------------------------

struct rk_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using rk_ptr = std::unique_ptr<rd_kafka_t, rk_deleter>;

void set(rd_kafka_conf_t* c, const std::string& k, const std::string& v) {
  char err[512];
  if (rd_kafka_conf_set(c, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
    throw std::runtime_error("librdkafka property " + k + "=" + v + ": " + err);
}

rk_ptr client(rd_kafka_type_t type, const std::map<std::string, std::string>& props, rd_kafka_conf_t* conf = nullptr) {
  if (!conf) conf = rd_kafka_conf_new();
  for (const auto& [k, v] : props) set(conf, k, v);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) throw std::runtime_error(std::string("rd_kafka_new: ") + err);
  return rk_ptr(rk);
}

int partitions_of(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const struct rd_kafka_metadata* md = nullptr;
  const auto e = rd_kafka_metadata(rk, 0, t, &md, 10000);
  rd_kafka_topic_destroy(t);
  if (e) throw std::runtime_error("metadata of " + topic + ": " + rd_kafka_err2str(e));
  int n = md->topic_cnt == 1 && !md->topics[0].err ? md->topics[0].partition_cnt : 0;
  rd_kafka_metadata_destroy(md);
  return n;
}

std::int64_t end_offsets(rd_kafka_t* rk, const std::vector<std::string>& topics, std::map<std::string, int>& parts) {
  std::int64_t sum = 0;
  for (const auto& t : topics) {
    auto& n = parts[t];
    if (n == 0) n = partitions_of(rk, t);
    for (int p = 0; p < n; ++p) {
      std::int64_t lo = 0, hi = 0;
      if (rd_kafka_query_watermark_offsets(rk, t.c_str(), p, &lo, &hi, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) sum += hi;
    }
  }
  return sum;
}

int cmd_topics(const args& a) {
  auto rk = client(RD_KAFKA_PRODUCER, {{"bootstrap.servers", a.get("brokers")}});
  const int partitions = static_cast<int>(a.num("partitions", 3));
  std::vector<rd_kafka_NewTopic_t*> nts;
  char err[512];
  for (const auto& t : a.pos) {
    nts.push_back(rd_kafka_NewTopic_new(t.c_str(), partitions, 1, err, sizeof err));
    if (a.opt.count("append-time"))  // the broker stamps each message with when it appended it
      rd_kafka_NewTopic_set_config(nts.back(), "message.timestamp.type", "LogAppendTime");
  }
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk.get());
  rd_kafka_CreateTopics(rk.get(), nts.data(), nts.size(), nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  int status = 0;
  if (!ev) throw std::runtime_error("CreateTopics: no answer in 30 s");
  size_t n = 0;
  const auto* res = rd_kafka_event_CreateTopics_result(ev);
  const rd_kafka_topic_result_t** r = rd_kafka_CreateTopics_result_topics(res, &n);
  for (size_t i = 0; i < n; ++i) {
    const auto e = rd_kafka_topic_result_error(r[i]);
    if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      std::cerr << "topic " << rd_kafka_topic_result_name(r[i]) << ": " << rd_kafka_err2str(e) << "\n";
      status = 1;
    }
  }
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  for (auto* t : nts) rd_kafka_NewTopic_destroy(t);
  // Wait until the metadata shows every partition (a new topic's leaders take a moment).
  for (const auto& t : a.pos) {
    const auto deadline = clock_type::now() + 30s;
    while (partitions_of(rk.get(), t) < partitions) {
      if (clock_type::now() > deadline) throw std::runtime_error("topic " + t + " has no leaders after 30 s");
      std::this_thread::sleep_for(100ms);
    }
    // ... and until each partition's leader answers for its offsets (a new
    // leader can refuse for a moment after the metadata shows it).
    for (int p = 0; p < partitions; ++p)
      for (std::int64_t lo = 0, hi = 0; rd_kafka_query_watermark_offsets(rk.get(), t.c_str(), p, &lo, &hi, 5000);) {
        if (clock_type::now() > deadline) throw std::runtime_error("topic " + t + " is not ready after 30 s");
        std::this_thread::sleep_for(100ms);
      }
  }
  std::cout << "{\"topics\":" << a.pos.size() << "}\n";
  return status;
}

// wait --read-committed: count what a read-committed consumer reads from the topics' starts.
int wait_committed(const args& a) {
  auto rk = client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", a.get("brokers")},
                                       {"group.id", "tor-e2e-wait"},
                                       {"enable.auto.commit", "false"},
                                       {"isolation.level", "read_committed"},
                                       {"fetch.wait.max.ms", "20"}});
  const auto expect = a.num("expect", 0);
  const auto timeout = std::chrono::seconds(a.num("timeout", 600));
  const long pid = a.num("pid", 0);
  rd_kafka_topic_partition_list_t* tp = rd_kafka_topic_partition_list_new(8);
  for (const auto& t : a.pos) {
    const int n = partitions_of(rk.get(), t);
    if (n == 0) throw std::runtime_error("topic " + t + " does not exist");
    for (int p = 0; p < n; ++p) rd_kafka_topic_partition_list_add(tp, t.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk.get(), tp);
  rd_kafka_topic_partition_list_destroy(tp);
  const auto start = clock_type::now();
  std::int64_t sum = 0;
  double first_s = -1;
  while (sum < expect) {
    if (pid && kill(static_cast<pid_t>(pid), 0) != 0) {
      std::cerr << "wait: process " << pid << " exited with " << sum << " of " << expect << " messages committed\n";
      return 1;
    }
    if (clock_type::now() - start > timeout) {
      std::cerr << "wait: timed out with " << sum << " of " << expect << " messages committed\n";
      return 1;
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 20);
    if (!m) continue;
    if (!m->err) {
      ++sum;
      if (first_s < 0) first_s = std::chrono::duration<double>(clock_type::now() - start).count();
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk.get());
  std::cout << "{\"messages\":" << sum << ",\"first_s\":" << first_s << ",\"waited_s\":"
            << std::chrono::duration<double>(clock_type::now() - start).count() << "}\n";
  return 0;
}

int cmd_wait(const args& a) {
  if (a.opt.count("read-committed")) return wait_committed(a);
  auto rk = client(RD_KAFKA_PRODUCER, {{"bootstrap.servers", a.get("brokers")}});
  const auto expect = a.num("expect", 0);
  const auto timeout = std::chrono::seconds(a.num("timeout", 600));
  const long pid = a.num("pid", 0);
  std::map<std::string, int> parts;
  const auto start = clock_type::now();
  std::int64_t sum = 0;
  double first_s = -1;  // when the first message was seen (20 ms resolution): the relay's start-up
  for (;;) {
    sum = end_offsets(rk.get(), a.pos, parts);
    if (sum > 0 && first_s < 0) first_s = std::chrono::duration<double>(clock_type::now() - start).count();
    if (sum >= expect) break;
    if (pid && kill(static_cast<pid_t>(pid), 0) != 0) {
      std::cerr << "wait: process " << pid << " exited with " << sum << " of " << expect << " messages in Kafka\n";
      return 1;
    }
    if (clock_type::now() - start > timeout) {
      std::cerr << "wait: timed out with " << sum << " of " << expect << " messages in Kafka\n";
      return 1;
    }
    std::this_thread::sleep_for(20ms);
  }
  std::cout << "{\"messages\":" << sum << ",\"first_s\":" << first_s << ",\"waited_s\":"
            << std::chrono::duration<double>(clock_type::now() - start).count() << "}\n";
  return sum == expect ? 0 : 3;  // more than expected: a duplicate or a stale topic
}

// The same bytes the relay sends for row i: see run.sh's loader and tor's outbox mapper.
std::string payload_of(long n, long bytes) {
  std::string s = "{\"n\":" + std::to_string(n) + ",\"pad\":\"";
  const long pad = bytes - static_cast<long>(s.size()) - 2;
  s.append(static_cast<std::size_t>(std::max(pad, 0L)), 'x');
  s += "\"}";
  return s;
}

struct delivery_state {
  std::atomic<long> delivered{0}, failed{0};
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* st = static_cast<delivery_state*>(opaque);
  if (m->err) {
    if (st->failed++ == 0) std::cerr << "delivery failed: " << rd_kafka_err2str(m->err) << "\n";
  } else {
    ++st->delivered;
  }
}

int cmd_produce(const args& a) {
  if (a.pos.size() != 2) throw std::runtime_error("produce takes two topics (the two routes)");
  const long n = a.num("messages", 0), bytes = a.num("value-bytes", 256);
  const bool headers = a.get("headers", "default") == "default";
  const double rate = static_cast<double>(a.num("rate", 0));
  delivery_state st;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, &st);
  // tor's producer settings (tor::kafka::producer_properties with the service's defaults).
  auto rk = client(RD_KAFKA_PRODUCER,
                   {{"bootstrap.servers", a.get("brokers")},
                    {"enable.idempotence", "true"},
                    {"acks", "all"},
                    {"max.in.flight.requests.per.connection", "5"},
                    {"message.send.max.retries", "2147483647"},
                    {"delivery.timeout.ms", "300000"},
                    {"linger.ms", a.get("linger-ms", "5")},
                    {"compression.codec", "none"},
                    {"partitioner", "murmur2_random"}},
                   conf);
  rd_kafka_topic_t* topics[2] = {rd_kafka_topic_new(rk.get(), a.pos[0].c_str(), nullptr),
                                 rd_kafka_topic_new(rk.get(), a.pos[1].c_str(), nullptr)};
  // Values prepared up front, so the timing is the producer's, not ours.
  std::vector<std::string> values(1000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = payload_of(static_cast<long>(i) + 1, bytes);

  const double cpu0 = cpu_seconds();
  const auto start = clock_type::now();
  char id[64], key[32], pos[48], gtid[48], created[32];
  for (long i = 1; i <= n; ++i) {
    if (rate > 0) {
      std::this_thread::sleep_until(start + std::chrono::duration_cast<clock_type::duration>(
                                                std::chrono::duration<double>(static_cast<double>(i - 1) / rate)));
      rd_kafka_poll(rk.get(), 0);
    }
    const auto& value = values[static_cast<std::size_t>(i % 1000)];
    const int klen = std::snprintf(key, sizeof key, "agg-%ld", i % 1000);
    rd_kafka_headers_t* h = nullptr;
    if (headers) {  // tor's five: id, eventType, tor.binlog.file, tor.binlog.pos, tor.gtid
      h = rd_kafka_headers_new(5);
      std::snprintf(id, sizeof id, "%08lx-0000-11f0-8000-%012lx", i, i * 7);
      rd_kafka_header_add(h, "id", -1, id, 36);
      rd_kafka_header_add(h, "eventType", -1, "created", 7);
      rd_kafka_header_add(h, "tor.binlog.file", -1, "mysql-bin.000001", 16);
      rd_kafka_header_add(h, "tor.binlog.pos", -1, pos, std::snprintf(pos, sizeof pos, "%ld/%ld", 1000 + i * 300, i % 10));
      rd_kafka_header_add(h, "tor.gtid", -1, gtid, std::snprintf(gtid, sizeof gtid, "0-1-%ld", i / 5 + 1));
    }
    if (rate > 0) {
      if (!h) h = rd_kafka_headers_new(1);
      rd_kafka_header_add(h, "created_us", -1, created,
                          std::snprintf(created, sizeof created, "%lld", static_cast<long long>(now_us())));
    }
    for (;;) {
      rd_kafka_resp_err_t e;
      if (h)
        e = rd_kafka_producev(rk.get(), RD_KAFKA_V_RKT(topics[i % 2]), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_KEY(key, static_cast<size_t>(klen)),
                              RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                              RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
      else
        e = rd_kafka_producev(rk.get(), RD_KAFKA_V_RKT(topics[i % 2]), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_KEY(key, static_cast<size_t>(klen)),
                              RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_END);
      if (!e) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) throw std::runtime_error(std::string("produce: ") + rd_kafka_err2str(e));
      rd_kafka_poll(rk.get(), 10);
    }
    rd_kafka_poll(rk.get(), 0);
  }
  while (st.delivered + st.failed < n) rd_kafka_poll(rk.get(), 10);
  const double secs = std::chrono::duration<double>(clock_type::now() - start).count();
  const double cpu = cpu_seconds() - cpu0;
  for (auto* t : topics) rd_kafka_topic_destroy(t);
  std::printf("{\"messages\":%ld,\"seconds\":%.4f,\"cpu_s\":%.3f,\"rss_kb\":%ld,\"failed\":%ld}\n", n, secs, cpu,
              vm_hwm_kb(), st.failed.load());
  return st.failed ? 1 : 0;
}

// --- MySQL ------------------------------------------------------------------

std::pair<std::string, unsigned> host_port(const std::string& s) {
  const auto c = s.rfind(':');
  if (c == std::string::npos) throw std::runtime_error("--mysql wants HOST:PORT, got " + s);
  return {s.substr(0, c), static_cast<unsigned>(std::stoul(s.substr(c + 1)))};
}

std::string env_or(const char* name, const char* dflt) {
  const char* v = std::getenv(name);
  return v && *v ? v : dflt;
}

int cmd_source(const args& a) {
  const auto [host, port] = host_port(a.get("mysql"));
  const long rows = a.num("rows", 0);
  tor::mysql::binlog_source_config c;
  c.host = host;
  c.port = port;
  c.user = env_or("TOR_MYSQL_USER", "tor");
  c.password = env_or("TOR_MYSQL_PASSWORD", "tor");
  c.server_id = 777000 + static_cast<std::uint32_t>(getpid() % 1000);
  c.tables = {a.get("table", "tor.outbox")};
  c.start = tor::mysql::start_at::earliest;
  const double cpu0 = cpu_seconds();
  const auto start = clock_type::now();
  tor::mysql::binlog_source src(c);
  src.open(std::nullopt);
  long n = 0;
  while (n < rows) {
    auto ev = src.next(10s);
    if (!ev) throw std::runtime_error("the binlog went idle after " + std::to_string(n) + " of " + std::to_string(rows) + " rows");
    if (std::holds_alternative<tor::row_change>(*ev)) ++n;
  }
  const double secs = std::chrono::duration<double>(clock_type::now() - start).count();
  std::printf("{\"messages\":%ld,\"seconds\":%.4f,\"cpu_s\":%.3f,\"rss_kb\":%ld}\n", n, secs, cpu_seconds() - cpu0,
              vm_hwm_kb());
  std::fflush(stdout);
  std::_Exit(0);  // the source's reader thread is still attached to the binlog; no orderly close needed
}

int cmd_write(const args& a) {
  const auto [host, port] = host_port(a.get("mysql"));
  const double rate = static_cast<double>(a.num("rate", 1000));
  const double seconds = static_cast<double>(a.num("seconds", 10));
  const int threads = static_cast<int>(a.num("threads", 8));
  const long bytes = a.num("value-bytes", 256);
  const auto user = env_or("TOR_MYSQL_USER", "tor"), password = env_or("TOR_MYSQL_PASSWORD", "tor");
  const long total = static_cast<long>(rate * seconds);
  std::atomic<long> next{0}, done{0};
  std::mutex err_mu;
  std::string error;
  const auto start = clock_type::now() + 200ms;  // all connections open by then
  const auto interval = std::chrono::duration<double>(1.0 / rate);
  const auto give_up = start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(2 * seconds));
  std::atomic<double> max_behind_s{0};
  std::vector<std::vector<double>> commit_ms(static_cast<std::size_t>(threads));  // each INSERT's round trip
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      auto& mine = commit_ms[static_cast<std::size_t>(t)];
      MYSQL* m = mysql_init(nullptr);
      if (!mysql_real_connect(m, host.c_str(), user.c_str(), password.c_str(), "tor", port, nullptr, 0)) {
        std::lock_guard l(err_mu);
        error = mysql_error(m);
        mysql_close(m);
        return;
      }
      for (long i; (i = next++) < total;) {
        if (clock_type::now() > give_up) break;  // MariaDB cannot keep the rate: stop at twice the time
        const auto due = start + std::chrono::duration_cast<clock_type::duration>(interval * static_cast<double>(i));
        std::this_thread::sleep_until(due);
        const double behind = std::chrono::duration<double>(clock_type::now() - due).count();
        for (double cur = max_behind_s.load(); behind > cur && !max_behind_s.compare_exchange_weak(cur, behind);) {}
        const std::string sql = "INSERT INTO tor.outbox (id, aggregatetype, aggregateid, type, payload, created_us) VALUES (UUID(), '" +
                                std::string(i % 2 ? "Order" : "Customer") + "', 'agg-" + std::to_string(i % 1000) +
                                "', 'created', '" + payload_of(i, bytes) + "', " + std::to_string(now_us()) + ")";
        const auto sent = clock_type::now();
        if (mysql_real_query(m, sql.data(), sql.size()) != 0) {
          std::lock_guard l(err_mu);
          error = mysql_error(m);
          break;
        }
        mine.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - sent).count());
        ++done;
      }
      mysql_close(m);
    });
  for (auto& t : ts) t.join();
  const double secs = std::chrono::duration<double>(clock_type::now() - start).count();
  if (!error.empty()) throw std::runtime_error("writer: " + error);
  std::vector<double> all;
  for (const auto& v : commit_ms) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  const auto pct = [&](double q) { return all.empty() ? -1.0 : all[std::min(all.size() - 1, static_cast<std::size_t>(q * static_cast<double>(all.size())))]; };
  std::printf("{\"transactions\":%ld,\"seconds\":%.3f,\"rate\":%.1f,\"max_behind_ms\":%.1f,\"commit_p50_ms\":%.3f,\"commit_p99_ms\":%.3f}\n",
              done.load(), secs, static_cast<double>(done.load()) / secs, max_behind_s.load() * 1000, pct(0.5), pct(0.99));
  return 0;
}

int cmd_latency(const args& a) {
  const long expect = a.num("expect", 0);
  const auto timeout = std::chrono::seconds(a.num("timeout", 120));
  auto rk = client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", a.get("brokers")},
                                       {"group.id", "tor-e2e-latency"},
                                       {"enable.auto.commit", "false"},
                                       {"isolation.level", a.get("isolation", "read_uncommitted")},
                                       {"fetch.wait.max.ms", a.get("fetch-wait-ms", "100")}});
  // Start at the current ends, explicitly: nothing written before counts, nothing after is missed.
  rd_kafka_topic_partition_list_t* tp = rd_kafka_topic_partition_list_new(8);
  for (const auto& t : a.pos) {
    const int n = partitions_of(rk.get(), t);
    if (n == 0) throw std::runtime_error("topic " + t + " does not exist");
    for (int p = 0; p < n; ++p) {
      std::int64_t lo = 0, hi = 0;
      if (auto e = rd_kafka_query_watermark_offsets(rk.get(), t.c_str(), p, &lo, &hi, 10000))
        throw std::runtime_error(std::string("end offset: ") + rd_kafka_err2str(e));
      rd_kafka_topic_partition_list_add(tp, t.c_str(), p)->offset = hi;
    }
  }
  rd_kafka_assign(rk.get(), tp);
  rd_kafka_topic_partition_list_destroy(tp);
  if (a.opt.count("ready")) std::ofstream(a.get("ready")) << "ready\n";
  std::vector<double> lat_ms, to_log_ms;
  lat_ms.reserve(static_cast<std::size_t>(expect));
  long missing_header = 0;
  const auto start = clock_type::now();
  long expect_now = expect;
  const std::string expect_file = a.opt.count("expect-file") ? a.get("expect-file") : "";
  while (static_cast<long>(lat_ms.size()) + missing_header < expect_now && clock_type::now() - start < timeout) {
    if (!expect_file.empty() && expect_now == expect) {  // the writer's final count, once it has finished
      std::ifstream f(expect_file);
      long n = 0;
      if (f >> n) expect_now = n;
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 100);
    if (!m) continue;
    const auto t = now_us();
    if (!m->err) {
      rd_kafka_headers_t* h = nullptr;
      const void* v = nullptr;
      size_t vs = 0;
      if (rd_kafka_message_headers(m, &h) == 0 && rd_kafka_header_get_last(h, "created_us", &v, &vs) == 0 && vs > 0) {
        const std::string s(static_cast<const char*>(v), vs);
        const auto created = std::stoll(s);
        lat_ms.push_back(static_cast<double>(t - created) / 1000.0);
        rd_kafka_timestamp_type_t tt;
        const auto ts = rd_kafka_message_timestamp(m, &tt);
        if (tt == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME) to_log_ms.push_back(static_cast<double>(ts * 1000 - created) / 1000.0);
      } else {
        ++missing_header;
      }
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk.get());
  std::sort(lat_ms.begin(), lat_ms.end());
  std::sort(to_log_ms.begin(), to_log_ms.end());
  auto pct = [](const std::vector<double>& v, double q) {
    if (v.empty()) return -1.0;
    return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
  };
  // The append time has millisecond resolution: the split is good to about 1 ms.
  std::printf("{\"messages\":%zu,\"missing_header\":%ld,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,"
              "\"to_log_p50_ms\":%.1f,\"to_log_p99_ms\":%.1f}\n",
              lat_ms.size(), missing_header, pct(lat_ms, 0.50), pct(lat_ms, 0.99), pct(lat_ms, 0.999),
              lat_ms.empty() ? -1.0 : lat_ms.back(), pct(to_log_ms, 0.50), pct(to_log_ms, 0.99));
  return static_cast<long>(lat_ms.size()) == expect_now ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: e2e_tool {topics|wait|produce|source|write|latency} [--option value]... [ARG]...\n"
                 "(see the comment at the top of benchmarks/e2e/e2e_tool.cpp)\n";
    return 2;
  }
  const std::string cmd = argv[1];
  try {
    const auto a = parse(argc, argv, 2);
    if (cmd == "topics") return cmd_topics(a);
    if (cmd == "wait") return cmd_wait(a);
    if (cmd == "produce") return cmd_produce(a);
    if (cmd == "source") return cmd_source(a);
    if (cmd == "write") return cmd_write(a);
    if (cmd == "latency") return cmd_latency(a);
    std::cerr << "e2e_tool: unknown command " << cmd << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "e2e_tool " << cmd << ": " << e.what() << "\n";
    return 1;
  }
}

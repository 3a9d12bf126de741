// Definitions for tor/kafka/detail/topics.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <tor/kafka/detail/topics.hpp>

namespace tor::kafka::detail {

TOR_DECL std::map<std::string, topic_metadata> read_topics(rd_kafka_t* rk, std::chrono::milliseconds timeout,
                                                           const std::string& brokers) {
  const rd_kafka_metadata_t* raw = nullptr;
  const auto err = rd_kafka_metadata(rk, 1, nullptr, &raw, static_cast<int>(timeout.count()));
  metadata_handle md{raw};
  if (err)
    throw error(error_kind::transient, "kafka: cannot read topic metadata from " + brokers + " within " +
                                           std::to_string(timeout.count()) + " ms: " + describe_error(err) +
                                           "; check that the brokers are running and reachable");
  std::map<std::string, topic_metadata> out;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (t.err && t.err != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE) continue;
    topic_metadata m{t.partition_cnt, t.err == RD_KAFKA_RESP_ERR_NO_ERROR && t.partition_cnt > 0};
    for (int p = 0; p < t.partition_cnt; ++p)
      if (t.partitions[p].err || t.partitions[p].leader < 0) m.ready = false;
    out.emplace(t.topic, m);
  }
  return out;
}

TOR_DECL std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

TOR_DECL void create_topics(rd_kafka_t* rk, const std::vector<std::string>& names, const topic_options& o) {
  char errstr[512] = {};
  std::vector<new_topic_handle> owned;
  std::vector<rd_kafka_NewTopic_t*> raw;
  for (const auto& name : names) {
    new_topic_handle nt{rd_kafka_NewTopic_new(name.c_str(), o.partitions, o.replication_factor, errstr, sizeof errstr)};
    if (!nt)
      throw error(error_kind::invalid_argument, "kafka: cannot describe topic '" + name + "' for creation: " + errstr);
    for (const auto& [k, v] : o.configs)
      if (auto err = rd_kafka_NewTopic_set_config(nt.get(), k.c_str(), v.c_str()))
        throw error(error_kind::invalid_argument,
                    "kafka: topic config " + k + "=" + v + " for '" + name + "' rejected: " + describe_error(err));
    raw.push_back(nt.get());
    owned.push_back(std::move(nt));
  }
  admin_options_handle opts{rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS)};
  const auto ms = static_cast<int>(o.timeout.count());
  if (rd_kafka_AdminOptions_set_operation_timeout(opts.get(), ms, errstr, sizeof errstr) ||
      rd_kafka_AdminOptions_set_request_timeout(opts.get(), ms, errstr, sizeof errstr))
    throw error(error_kind::invalid_argument, std::string("kafka: invalid topic creation timeout: ") + errstr);
  queue_handle q{rd_kafka_queue_new(rk)};
  rd_kafka_CreateTopics(rk, raw.data(), raw.size(), opts.get(), q.get());
  event_handle ev{rd_kafka_queue_poll(q.get(), ms + 5000)};
  if (!ev)
    throw error(error_kind::transient, "kafka: no answer to creating topics " + join(names) + " within " +
                                           std::to_string(ms) + " ms");
  if (rd_kafka_event_error(ev.get()))
    throw error(error_kind::transient, "kafka: creating topics " + join(names) + " failed: " +
                                           rd_kafka_event_error_string(ev.get()));
  const auto* result = rd_kafka_event_CreateTopics_result(ev.get());
  std::size_t count = 0;
  const auto** results = rd_kafka_CreateTopics_result_topics(result, &count);
  std::string failures;
  for (std::size_t i = 0; i < count; ++i) {
    const auto err = rd_kafka_topic_result_error(results[i]);
    if (!err || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) continue;  // another process was quicker: fine
    const char* why = rd_kafka_topic_result_error_string(results[i]);
    failures += std::string(failures.empty() ? "" : "; ") + rd_kafka_topic_result_name(results[i]) + ": " +
                describe_error(err) + (why ? std::string(" (") + why + ")" : std::string());
  }
  if (!failures.empty())
    throw error(error_kind::dispatch, "kafka: could not create topics: " + failures +
                                          " (check topics.partitions, topics.replication_factor against the number "
                                          "of brokers, topics.configs, and the CREATE permission on the cluster)");
}

TOR_DECL std::map<std::string, std::int64_t> max_message_bytes(rd_kafka_t* rk, const std::set<std::string>& topics,
                                                               std::chrono::milliseconds timeout) {
  std::vector<config_resource_handle> owned;
  std::vector<rd_kafka_ConfigResource_t*> raw;
  for (const auto& t : topics) {
    owned.emplace_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t.c_str()));
    raw.push_back(owned.back().get());
  }
  char errstr[512] = {};
  admin_options_handle opts{rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS)};
  const auto ms = static_cast<int>(timeout.count());
  rd_kafka_AdminOptions_set_request_timeout(opts.get(), ms, errstr, sizeof errstr);
  queue_handle q{rd_kafka_queue_new(rk)};
  rd_kafka_DescribeConfigs(rk, raw.data(), raw.size(), opts.get(), q.get());
  event_handle ev{rd_kafka_queue_poll(q.get(), ms + 5000)};
  if (!ev) throw error(error_kind::transient, "no answer within " + std::to_string(ms) + " ms");
  if (rd_kafka_event_error(ev.get())) throw error(error_kind::transient, rd_kafka_event_error_string(ev.get()));
  std::size_t count = 0;
  const auto** resources =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev.get()), &count);
  std::map<std::string, std::int64_t> out;
  for (std::size_t i = 0; i < count; ++i) {
    if (auto err = rd_kafka_ConfigResource_error(resources[i]))
      throw error(error_kind::dispatch,
                  std::string("topic '") + rd_kafka_ConfigResource_name(resources[i]) + "': " + describe_error(err));
    std::size_t n = 0;
    const auto** entries = rd_kafka_ConfigResource_configs(resources[i], &n);
    for (std::size_t j = 0; j < n; ++j)
      if (std::string_view(rd_kafka_ConfigEntry_name(entries[j])) == "max.message.bytes" &&
          rd_kafka_ConfigEntry_value(entries[j]))
        out[rd_kafka_ConfigResource_name(resources[i])] = std::stoll(rd_kafka_ConfigEntry_value(entries[j]));
  }
  return out;
}

TOR_DECL void check_batch_fits(rd_kafka_t* rk, const std::set<std::string>& topics, std::chrono::milliseconds timeout,
                               const log_sink& log) {
  char buf[32] = {};
  std::size_t size = sizeof buf;
  if (rd_kafka_conf_get(rd_kafka_conf(rk), "batch.size", buf, &size) != RD_KAFKA_CONF_OK) return;
  const std::int64_t batch = std::stoll(buf);
  std::map<std::string, std::int64_t> limits;
  try {
    limits = max_message_bytes(rk, topics, timeout);
  } catch (const error& e) {
    if (log)
      log(log_level::warning, "tor",
          std::string("cannot read the topics' max.message.bytes (") + e.what() +
              "); make sure each routed topic accepts batches of batch.size=" + std::to_string(batch) + " bytes");
    return;
  }
  std::string problems;
  std::int64_t smallest = batch;
  for (const auto& [topic, limit] : limits)
    if (limit < batch) {
      problems += (problems.empty() ? "" : ", ") + topic + " (" + std::to_string(limit) + ")";
      smallest = std::min(smallest, limit);
    }
  if (!problems.empty())
    throw error(error_kind::invalid_argument,
                "kafka: the producer's batch.size is " + std::to_string(batch) +
                    " bytes but these topics accept smaller batches (max.message.bytes): " + problems +
                    ". A batch of ordinary messages would be refused as too large; set the property batch.size to at "
                    "most " + std::to_string(smallest) + ", or raise the topics' max.message.bytes");
}

TOR_DECL std::map<std::string, int> check_topics(rd_kafka_t* rk, const std::set<std::string>& wanted,
                                                 const topic_options& o, const std::string& brokers,
                                                 const log_sink& log) {
  auto known = read_topics(rk, o.timeout, brokers);
  std::vector<std::string> missing;
  for (const auto& name : wanted)
    if (!known.count(name)) missing.push_back(name);

  if (!missing.empty()) {
    if (!o.create_missing)
      throw error(error_kind::dispatch,
                  "kafka: topics missing on " + brokers + ": " + join(missing) +
                      ". Create them (kafka-topics.sh --create --topic NAME --partitions N), or let Tor create "
                      "them (topics.create_missing=true; kafka.create_topics: true in the tor service) with " +
                      (o.partitions < 0 ? std::string("the broker's default partition count")
                                        : std::to_string(o.partitions) + " partitions") +
                      " and " +
                      (o.replication_factor < 0 ? std::string("its default replication factor")
                                                : "replication factor " + std::to_string(o.replication_factor)));
    create_topics(rk, missing, o);
    if (log) log(log_level::notice, "tor", "created topics " + join(missing));
  }

  // Wait until every wanted topic is known with a leader for each partition,
  // so the first messages do not wait on metadata propagation.
  const auto end = std::chrono::steady_clock::now() + o.timeout;
  for (;;) {
    std::vector<std::string> not_ready;
    std::map<std::string, int> partitions;
    for (const auto& name : wanted) {
      auto it = known.find(name);
      if (it == known.end() || !it->second.ready) not_ready.push_back(name);
      else partitions[name] = it->second.partitions;
    }
    if (not_ready.empty()) {
      check_batch_fits(rk, wanted, o.timeout, log);
      return partitions;
    }
    if (std::chrono::steady_clock::now() >= end)
      throw error(error_kind::transient, "kafka: topics " + join(not_ready) + " on " + brokers +
                                             " have no leader for some partition after " +
                                             std::to_string(o.timeout.count()) + " ms");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    known = read_topics(rk, o.timeout, brokers);
  }
}

}  // namespace tor::kafka::detail

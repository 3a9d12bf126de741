// The service's configuration, by section: secrets read from files, TLS
// and SASL settings checked together, hot standby, the Kafka section.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "config_support.hpp"

using namespace tor_service::config;
using namespace tor_service::config::testing;
using namespace std::chrono_literals;

namespace {

/// A file holding `text` in the temporary directory ($TMPDIR, else /tmp), removed at the end of the test.
struct temp_file {
  std::string path;
  explicit temp_file(const std::string& text)
      : path((std::filesystem::temp_directory_path() / "tor-config-test-XXXXXX").string()) {
    const int fd = ::mkstemp(path.data());  // replaces the XXXXXX with a unique name
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    ::close(fd);
  }
  ~temp_file() { std::remove(path.c_str()); }
  temp_file(const temp_file&) = delete;  // one owner removes the file
  temp_file& operator=(const temp_file&) = delete;
};

}  // namespace

TEST_CASE("a secret is read from the file named by its _file key, once, and never printed") {
  temp_file pw("s3cret-from-file\n");
  const auto l = load(std::string(minimal) + "redis:\n  host: r\n  password_file: " + pw.path + "\n", "tor.yaml", {});
  CHECK(l.values.redis.password == "s3cret-from-file");  // the trailing newline is dropped
  CHECK(*l.origins.find("redis.password") == "file " + pw.path + " (named by tor.yaml:10)");
  const auto printed = to_yaml(l);
  CHECK(printed.find("s3cret") == std::string::npos);
  CHECK(printed.find("from file " + pw.path) != std::string::npos);
}

TEST_CASE("secret files also come from TOR_<SECTION>_<KEY>_FILE, nested keys from TOR_<SECTION>_<PART>_<KEY>") {
  temp_file pw("sasl-pw");
  const auto l = load(minimal, "tor.yaml",
                      {{"TOR_KAFKA_SASL_PASSWORD_FILE", pw.path}, {"TOR_KAFKA_SASL_USERNAME", "tor"},
                       {"TOR_KAFKA_SECURITY_PROTOCOL", "sasl_ssl"}, {"TOR_MYSQL_TLS_MODE", "required"}});
  CHECK(l.values.kafka.sasl.password == "sasl-pw");
  CHECK(l.values.kafka.security.protocol == tor::kafka::security_protocol::sasl_ssl);
  CHECK(l.values.mysql.tls.mode == tor::mysql::tls_mode::required);
  CHECK(*l.origins.find("kafka.sasl.password") == "file " + pw.path + " (named by TOR_KAFKA_SASL_PASSWORD_FILE)");
  CHECK(l.ignored_env.empty());
}

TEST_CASE("a secret file that cannot be used is an error naming the key") {
  CHECK(error_of(std::string(minimal) + "redis: {host: r, password_file: /nonexistent/pw}") ==
        "tor.yaml:8:33: redis.password_file: cannot read /nonexistent/pw: No such file or directory");
  temp_file empty("");
  CHECK(error_of(std::string(minimal) + "redis: {host: r, password_file: " + empty.path + "}")
            .find("redis.password_file: " + empty.path + " is empty") != std::string::npos);
  temp_file pw("x");
  CHECK(error_of(std::string(minimal) + "redis: {host: r, password: a, password_file: " + pw.path + "}")
            .find("redis.password_file: set together with redis.password") != std::string::npos);
  CHECK(error_of(minimal, {{"TOR_REDIS_PASSWORD", "a"}, {"TOR_REDIS_PASSWORD_FILE", pw.path}})
            .find("both set redis.password") != std::string::npos);
}

TEST_CASE("a MySQL CA without a mode means verify_identity, and TLS settings are checked together") {
  const auto l = load(R"(
mysql:
  user: tor
  tls: {ca: /ca.pem}
kafka: {brokers: [k:9092]}
outbox: {tables: [a.b]}
)",
           "tor.yaml", {});
  CHECK(l.values.mysql.tls.mode == tor::mysql::tls_mode::verify_identity);
  const std::string base = "mysql:\n  user: tor\n  tls: ";
  const std::string rest = "\nkafka: {brokers: [k:9092]}\noutbox: {tables: [a.b]}\n";
  CHECK(error_of(base + "{mode: verify_ca}" + rest) ==
        "tor.yaml:3: mysql.tls.ca: required with mysql.tls.mode verify_ca (the CA the server's certificate must "
        "chain to)");
  CHECK(error_of(base + "{mode: required, ca: /ca.pem}" + rest).find("mysql.tls.ca: is only used to verify") !=
        std::string::npos);
  CHECK(error_of(base + "{cert: /c.pem}" + rest).find("mysql.tls.key: mysql.tls.cert and mysql.tls.key go together") !=
        std::string::npos);
}

TEST_CASE("Kafka TLS and SASL settings must match the security protocol") {
  const std::string head = "mysql: {user: tor}\noutbox: {tables: [a.b]}\nkafka:\n  brokers: [k:9092]\n";
  CHECK(error_of(head + "  tls: {ca: /ca.pem}\n").find("kafka.tls.ca: is set, but kafka.security.protocol is "
                                                       "plaintext") != std::string::npos);
  CHECK(error_of(head + "  security: {protocol: sasl_ssl}\n  sasl: {username: u}\n")
            .find("kafka.sasl.password: required with kafka.security.protocol sasl_ssl") != std::string::npos);
  CHECK(error_of(head + "  sasl: {username: u, password: p}\n").find("kafka.sasl: credentials are set") !=
        std::string::npos);
  CHECK(error_of("redis: {host: r, tls: {ca: /ca.pem}}\n" + head).find("redis.tls.enabled: redis.tls files are set") !=
        std::string::npos);
}

TEST_CASE("hot standby: off by default, a 10 s lease, needs Redis, set from the file or the environment") {
  const auto d = load(minimal, "tor.yaml", {}).values;
  CHECK_FALSE(d.ha.enabled);
  CHECK(d.ha.lease_ttl == 10s);
  const std::string with_redis = std::string(minimal) + "redis:\n  host: 127.0.0.1\n";
  const auto l = load(with_redis + "ha:\n  enabled: true\n  lease_ttl: 3s\n", "tor.yaml", {});
  CHECK(l.values.ha.enabled);
  CHECK(l.values.ha.lease_ttl == 3s);
  const auto e = load(with_redis, "tor.yaml", {{"TOR_HA_ENABLED", "true"}, {"TOR_HA_LEASE_TTL", "2s"}});
  CHECK(e.values.ha.enabled);
  CHECK(e.values.ha.lease_ttl == 2s);
  CHECK(*e.origins.find("ha.lease_ttl") == "TOR_HA_LEASE_TTL");
  CHECK(error_of(std::string(minimal) + "ha:\n  enabled: true\n") ==
        "tor.yaml:9: ha.enabled: needs Redis: the lease lives there (set redis.host, or turn ha.enabled off)");
  CHECK(error_of(with_redis, {{"TOR_HA_ENABLED", "true"}, {"TOR_HA_LEASE_TTL", "500ms"}}) ==
        "TOR_HA_LEASE_TTL: ha.lease_ttl: must be at least 1s");
  CHECK(to_yaml(e).find("lease_ttl: 2s") != std::string::npos);
}

TEST_CASE("the kafka section is the Kafka dispatcher's config, exactly-once and topic options included") {
  const auto l = load(R"(
mysql: {user: tor}
outbox: {tables: [app.outbox]}
kafka:
  brokers: [k1:9092, k2:9092]
  exactly_once: true
  transactional_id: orders-relay
  checkpoint_topic: relay.checkpoints
  transaction_timeout: 2m
  create_topics: true
  topic_configs: {min.insync.replicas: "2"}
  topics: [{name: audit, partitions: 1}]
)",
                      "tor.yaml", {{"TOR_KAFKA_TOPIC_TIMEOUT", "45s"}, {"TOR_KAFKA_CHECKPOINT_KEY", "eu"}});
  const tor::kafka::config& k = l.values.kafka;  // no copy: the section is the library's struct
  CHECK(k.brokers == "k1:9092,k2:9092");
  CHECK(k.exactly_once);
  CHECK(k.transactional_id == "orders-relay");
  CHECK(k.checkpoint_topic == "relay.checkpoints");
  CHECK(k.checkpoint_key == "eu");
  CHECK(k.transaction_timeout == 2min);
  CHECK(k.topics.create_missing);
  CHECK(k.topics.configs.at("min.insync.replicas") == "2");
  CHECK(k.topics.timeout == 45s);
  CHECK(*l.origins.find("kafka.topic_timeout") == "TOR_KAFKA_TOPIC_TIMEOUT");
  REQUIRE(l.values.kafka.topic_list.size() == 1);
  CHECK(l.values.kafka.topic_list[0].name == "audit");
  const auto props = tor::kafka::producer_properties(k);
  CHECK(*tor::kafka::effective_property(props, "transaction.timeout.ms") == "120000");
  CHECK(*tor::kafka::effective_property(props, "transactional.id") == "orders-relay");
  CHECK(*tor::kafka::effective_property(props, "delivery.timeout.ms") == "120000");  // capped to the transaction's
  const auto printed = to_yaml(l);
  CHECK(printed.find("transaction_timeout: 2m") != std::string::npos);
  CHECK(printed.find("topic_timeout: 45s  # from TOR_KAFKA_TOPIC_TIMEOUT") != std::string::npos);

  const std::string head = "mysql: {user: tor}\noutbox: {tables: [a.b]}\nkafka:\n  brokers: [k:9092]\n";
  CHECK(error_of(head + "  transaction_timeout: 500ms\n") ==
        "tor.yaml:5: kafka.transaction_timeout: must be at least 1s");
  CHECK(error_of(head + "  exactly_once: true\n  checkpoint_topic: \"\"\n") ==
        "tor.yaml:6: kafka.checkpoint_topic: required with kafka.exactly_once (e.g. tor.checkpoints)");
  CHECK(error_of(head + "  topic_timeout: 0\n") == "tor.yaml:5: kafka.topic_timeout: must be more than 0");
}

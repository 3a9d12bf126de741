// The generated configuration reference and the docs agree with the code;
// the shipped example files load.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "config_support.hpp"

using namespace tor_service::config;
using namespace tor_service::config::testing;
using namespace std::chrono_literals;

TEST_CASE("docs/configuration.md lists every key with its default") {
  std::ifstream in(std::string(TOR_SOURCE_DIR) + "/docs/configuration.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const std::string begin = "<!-- BEGIN GENERATED: tor --print-reference -->\n";
  const std::string end = "<!-- END GENERATED -->";
  const auto b = doc.find(begin);
  const auto e = doc.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  INFO("regenerate the reference with: build/examples/tor/tor --print-reference");
  CHECK(doc.substr(b + begin.size(), e - b - begin.size()) == reference_markdown());
}

TEST_CASE("the shipped example configurations load") {
  for (const char* name : {"tor.example.yaml", "original-tor.yaml", "docker/tor.yaml"}) {
    INFO(name);
    const auto l = load_file(std::string(TOR_SOURCE_DIR) + "/examples/tor/" + name, {{"TOR_MYSQL_PASSWORD", "x"}});
    CHECK_FALSE(l.values.outbox.tables.empty());
    CHECK_FALSE(l.values.kafka.brokers.empty());
  }
}

TEST_CASE("code quoted in the docs is the compiled code") {
  // A fenced block right after <!-- quote: PATH --> must appear verbatim in PATH.
  const auto read = [](const std::string& path) {
    std::ifstream in(std::string(TOR_SOURCE_DIR) + "/" + path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  std::size_t quotes = 0;
  for (const char* doc : {"docs/getting-started.md", "docs/configuration.md", "docs/architecture.md",
                          "docs/guarantees.md", "docs/operations.md", "docs/custom-mapper.md", "docs/testing.md",
                          "docs/state-stores.md"}) {
    const std::string text = read(doc);
    REQUIRE_FALSE(text.empty());
    const std::string marker = "<!-- quote: ";
    for (auto p = text.find(marker); p != std::string::npos; p = text.find(marker, p + 1)) {
      const auto path_end = text.find(" -->", p);
      const std::string path = text.substr(p + marker.size(), path_end - p - marker.size());
      const auto open = text.find("```", path_end);
      const auto body = text.find('\n', open) + 1;
      const auto close = text.find("\n```", body);
      const std::string block = text.substr(body, close - body + 1);
      INFO(doc << " quotes " << path << ":\n" << block);
      CHECK(read(path).find(block) != std::string::npos);
      ++quotes;
    }
  }
  CHECK(quotes >= 6);
}

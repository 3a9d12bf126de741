// tor::file_state_store: the laws, the document on disk, bad content
// quoted, a save that cannot be written. Crashes while saving:
// file_state_store_crash_test.cpp.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <tor/state/file_state_store.hpp>

#include "file_store_support.hpp"
#include "laws/state_store_laws.hpp"

namespace fs = std::filesystem;
using namespace tor;
using namespace tor::file_store_test;

TEST_CASE("file state store keeps the state store laws", "[file_state_store]") {
  temp_dir dir;
  tor::laws::check_state_store_laws([&] { return std::make_unique<file_state_store>(dir.path / "checkpoint.json"); });
}

TEST_CASE("file state store writes the JSON document an operator can read", "[file_state_store]") {
  temp_dir dir;
  file_state_store store(dir.path / "checkpoint.json", "test-host:1");
  CHECK_FALSE(store.status().last_save.has_value());
  CHECK_FALSE(store.status().staleness().has_value());

  const auto before = std::chrono::system_clock::now();
  store.save(at(1234));
  const auto text = slurp(dir.path / "checkpoint.json");
  CHECK(text.rfind(R"({"version":1,"file":"mysql-bin.000007","offset":1234,"gtid_set":"0-1-1234",)", 0) == 0);
  CHECK(text.find(R"("saved_by":"test-host:1")") != std::string::npos);
  CHECK(text.back() == '\n');
  CHECK_FALSE(fs::exists(store.temp_path()));

  const auto doc = store.load_document();
  REQUIRE(doc);
  CHECK(doc->state == at(1234));
  CHECK(doc->saved_by == "test-host:1");
  CHECK(doc->saved_at.size() == 24);

  const auto& st = store.status();
  REQUIRE(st.last_save.has_value());
  CHECK(*st.last_save >= before);
  CHECK(st.saves == 1);
  CHECK(st.failed_saves == 0);
  REQUIRE(st.staleness(*st.last_save + std::chrono::seconds(3)).has_value());
  CHECK(*st.staleness(*st.last_save + std::chrono::seconds(3)) == std::chrono::milliseconds(3000));
}

TEST_CASE("file state store: a missing file is no checkpoint, bad content is an error quoting it",
          "[file_state_store]") {
  temp_dir dir;
  const auto file = dir.path / "checkpoint.json";
  file_state_store store(file);
  CHECK_FALSE(store.load().has_value());

  auto require_state_error = [&](const std::string& needle) {
    try {
      (void)store.load();
      FAIL("loaded");
    } catch (const error& e) {
      INFO(e.what());
      CHECK(e.kind() == error_kind::state);
      CHECK(std::string(e.what()).find(file.string()) != std::string::npos);
      CHECK(std::string(e.what()).find(needle) != std::string::npos);
    }
  };
  spit(file, "not a checkpoint\n");
  require_state_error(R"(found "not a checkpoint\n")");
  spit(file, "");
  require_state_error("the value is empty");
  spit(file, R"({"name":"mysql-bin.000003","pos":-4})");
  require_state_error("\"pos\" is negative");
  spit(file, std::string(file_state_store::max_document_size + 10, ' '));
  require_state_error("larger than");
  CHECK(store.status().last_failure.has_value());
  CHECK(store.status().failed_saves == 0);  // loads are not saves

  fs::remove(file);
  fs::create_directory(file);
  require_state_error("read failed");

  // The original Tor's value is read from a file too.
  fs::remove(file);
  spit(file, R"({"name":"mysql-bin.000003","pos":1234})");
  const auto original = store.load();
  REQUIRE(original);
  CHECK(original->position == binlog_position{"mysql-bin.000003", 1234});
  CHECK(original->gtids.empty());
  CHECK(original->server_id.empty());
}

TEST_CASE("file state store: a save that cannot be written says where and why", "[file_state_store]") {
  temp_dir dir;
  file_state_store store(dir.path / "no-such-dir" / "checkpoint.json");
  CHECK_FALSE(store.load().has_value());
  try {
    store.save(at(5));
    FAIL("saved");
  } catch (const error& e) {
    INFO(e.what());
    CHECK(e.kind() == error_kind::state);
    CHECK(std::string(e.what()).find("no-such-dir") != std::string::npos);
    CHECK(std::string(e.what()).find("No such file or directory") != std::string::npos);
    CHECK(std::string(e.what()).find("Check that the directory exists") != std::string::npos);
  }
  CHECK(store.status().failed_saves == 1);
  CHECK(store.status().consecutive_failures == 1);
  CHECK_FALSE(store.status().last_save.has_value());

  CHECK_THROWS_AS(file_state_store(""), error);
  CHECK_THROWS_WITH(file_state_store(dir.path / ""), Catch::Contains("names a directory"));
}

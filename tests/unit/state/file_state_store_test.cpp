// tor::file_state_store: the laws, the document on disk, crashes at every
// step of a save (simulated and real: a child process killed mid-save), and
// bad content quoted.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tor/state/file_state_store.hpp>

#include "laws/state_store_laws.hpp"

namespace fs = std::filesystem;
using namespace tor;

namespace {

// A fresh directory under the system temp dir, removed at the end.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "tor-file-store.XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

checkpoint at(std::uint64_t offset) {
  return {{"mysql-bin.000007", offset}, gtid_set::parse("0-1-" + std::to_string(offset), gtid_flavor::mariadb), "1"};
}

}  // namespace

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

TEST_CASE("file state store: a crash between write and rename leaves the old checkpoint", "[file_state_store]") {
  temp_dir dir;
  file_state_store store(dir.path / "checkpoint.json");
  store.save(at(100));
  const auto next = encode_checkpoint_json({at(200), "", "", 0, checkpoint_format::tor_v1});

  SECTION("crash while writing the temp file: half a document is left behind") {
    spit(store.temp_path(), next.substr(0, next.size() / 2));
  }
  SECTION("crash after fsync of the temp file, before the rename") {
    spit(store.temp_path(), next);
  }
  CHECK(file_state_store(dir.path / "checkpoint.json").load() == std::optional<checkpoint>(at(100)));

  // The next save overwrites the left-over temp file and succeeds.
  file_state_store restarted(dir.path / "checkpoint.json");
  restarted.save(at(300));
  CHECK(restarted.load() == std::optional<checkpoint>(at(300)));
  CHECK_FALSE(fs::exists(restarted.temp_path()));
}

TEST_CASE("file state store: a process killed at random points while saving leaves a valid checkpoint",
          "[file_state_store]") {
  temp_dir dir;
  const auto file = dir.path / "checkpoint.json";
  file_state_store(file).save(at(1));
  std::mt19937 rng(42);
  std::uint64_t last = 1;
  for (int round = 0; round < 15; ++round) {
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // Saves increasing offsets until killed, telling the parent once the
      // first save is done; never returns into Catch.
      ::close(ready[0]);
      try {
        file_state_store store(file);
        const auto start = store.load()->position.offset;
        store.save(at(start + 1));
        if (::write(ready[1], "s", 1) != 1) ::_exit(4);
        for (std::uint64_t off = start + 2;; ++off) store.save(at(off));
      } catch (...) {
        ::_exit(3);
      }
    }
    ::close(ready[1]);
    char byte = 0;
    REQUIRE(::read(ready[0], &byte, 1) == 1);
    ::close(ready[0]);
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 15000)(rng)));
    REQUIRE(::kill(child, SIGKILL) == 0);
    int wstatus = 0;
    REQUIRE(::waitpid(child, &wstatus, 0) == child);
    INFO("round " << round);
    REQUIRE(WIFSIGNALED(wstatus));  // it was still saving, not failed
    const auto loaded = file_state_store(file).load();
    REQUIRE(loaded.has_value());
    CHECK(loaded->position.file == "mysql-bin.000007");
    CHECK(loaded->gtids == at(loaded->position.offset).gtids);  // one save, never a mixture of two
    CHECK(loaded->position.offset > last);  // this child completed a save before the kill
    last = loaded->position.offset;
  }
  INFO("each child completed at least one save before it was killed");
  CHECK(last >= 1 + 15);
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

// tor::file_state_store: crashes at every step of a save, simulated (what a
// crash leaves behind) and real (a child process killed mid-save). The rest:
// file_state_store_test.cpp.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tor/state/file_state_store.hpp>

#include "file_store_support.hpp"

namespace fs = std::filesystem;
using namespace tor;
using namespace tor::file_store_test;

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

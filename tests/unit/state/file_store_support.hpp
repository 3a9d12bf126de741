// Helpers for the file state store's tests: a temporary directory, whole
// files read and written, a checkpoint at an offset.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

#include <stdlib.h>

#include <tor/core/checkpoint.hpp>

namespace tor::file_store_test {

// A fresh directory under the system temp dir, removed at the end.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tor-file-store.XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void spit(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

inline checkpoint at(std::uint64_t offset) {
  return {{"mysql-bin.000007", offset}, gtid_set::parse("0-1-" + std::to_string(offset), gtid_flavor::mariadb), "1"};
}

}  // namespace tor::file_store_test

// Log line formats: text with key=value fields, JSON lines that parse.
#include <catch2/catch.hpp>

#include "log.hpp"

using namespace tor_service;

TEST_CASE("text lines append fields as key=value, quoting when needed") {
  CHECK(format_text_line("caught up", {{"events", 12u}, {"lag_s", 0.25}, {"topic", "orders"}}) ==
        "caught up events=12 lag_s=0.25 topic=orders");
  CHECK(format_text_line("x", {{"reason", "two words"}, {"ok", true}, {"n", -3}}) ==
        "x reason=\"two words\" ok=true n=-3");
}

TEST_CASE("JSON lines hold time, level, message and fields") {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'123));
  CHECK(format_json_line(t, level::warn, "say \"hi\"\n", {{"n", 5u}, {"path", "a\\b"}}) ==
        R"({"time":"2023-11-14T22:13:20.123Z","level":"warn","msg":"say \"hi\"\n","n":5,"path":"a\\b"})");
  CHECK(json_escape(std::string("\x01", 1)) == "\\u0001");
}

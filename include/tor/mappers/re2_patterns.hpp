// RE2 as the outbox mapper's pattern engine (CMake target tor::re2, Debian
// package libre2-dev). RE2's syntax is the syntax of Go's regexp package, so
// a pattern written for the original (Go) Tor means here what it meant there:
//
//   tor::outbox_config cfg;
//   cfg.routes = {{"(?i)^order$", "orders", /*search=*/true}};
//   cfg.patterns = tor::re2_patterns();
//
// A route with `search == false` must match the whole route-by value
// (RE2::FullMatch); with `search == true` it may match anywhere in it
// (RE2::PartialMatch, Go's MatchString). Matching takes time linear in the
// value's length whatever the pattern: no backtracking blow-up.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <tor/mappers/outbox.hpp>

namespace tor {

/// Compiles one pattern with RE2, or throws std::invalid_argument with RE2's
/// reason (e.g. "missing ): (?i" ) for a pattern it cannot compile.
inline std::shared_ptr<const re2::RE2> compile_re2(const std::string& pattern) {
  re2::RE2::Options opts;
  opts.set_log_errors(false);  // the reason goes into the exception, not to stderr
  auto re = std::make_shared<const re2::RE2>(pattern, opts);
  if (!re->ok()) throw std::invalid_argument(re->error() + " (RE2 syntax, as Go's regexp)");
  return re;
}

/// The pattern engine for tor::outbox_config::patterns.
inline pattern_engine re2_patterns() {
  return [](const outbox_route& route) -> route_matcher {
    auto re = compile_re2(route.pattern);
    if (route.search)
      return [re](std::string_view v) { return re2::RE2::PartialMatch(re2::StringPiece(v.data(), v.size()), *re); };
    return [re](std::string_view v) { return re2::RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *re); };
  };
}

}  // namespace tor

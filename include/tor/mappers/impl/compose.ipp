// Definitions for tor/mappers/compose.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <regex>

#include <tor/mappers/compose.hpp>

namespace tor {

struct table_filter::impl {
  std::vector<std::regex> patterns;
};

TOR_DECL table_filter::table_filter(const std::vector<std::string>& patterns) {
  auto compiled = std::make_shared<impl>();
  for (const auto& p : patterns) compiled->patterns.emplace_back(p, std::regex::ECMAScript | std::regex::optimize);
  patterns_ = std::move(compiled);
}

TOR_DECL bool table_filter::matches(const std::string& name) const {
  for (const auto& re : patterns_->patterns)
    if (std::regex_match(name, re)) return true;
  return false;
}

TOR_DECL bool table_filter::accept(const row_change& row, const transaction_info&) const {
  if (!patterns_) return false;  // moved from: no patterns, no row kept
  if (!row.table) return matches(row.table_name());
  for (const auto& [table, answer] : answers_)
    if (table == row.table) return answer;
  // Tables change shape rarely, and a source keeps one table_info per table
  // map; bound the answers anyway, for a stream of ever new tables.
  if (answers_.size() >= 64) answers_.clear();
  const bool answer = matches(row.table->qualified_name());
  answers_.emplace_back(row.table, answer);
  return answer;
}

TOR_DECL void static_headers::enrich(message& m, const row_change&, const transaction_info&) const {
  m.headers.insert(m.headers.end(), headers.begin(), headers.end());
}

}  // namespace tor

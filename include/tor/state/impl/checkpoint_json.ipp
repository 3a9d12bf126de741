// Definitions for tor/state/checkpoint_json.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <nlohmann/json.hpp>

#include <tor/state/checkpoint_json.hpp>

namespace tor {

TOR_DECL std::string utc_timestamp(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms / 1000);
  auto frac = static_cast<int>(ms % 1000);
  if (frac < 0) frac += 1000, --secs;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

TOR_DECL std::string quote_found(std::string_view text, std::size_t max) {
  std::string out = "\"";
  const auto shown = text.substr(0, max);
  for (const char ch : shown) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += '"';
  if (text.size() > max) out += "... (" + std::to_string(text.size()) + " bytes in all)";
  return out;
}

namespace detail::json {

enum class kind { null, boolean, number, string, object, array };

TOR_DECL const char* kind_name(kind k) {
  switch (k) {
    case kind::null: return "null";
    case kind::boolean: return "a boolean";
    case kind::number: return "a number";
    case kind::string: return "a string";
    case kind::object: return "an object";
    case kind::array: return "an array";
  }
  return "?";
}

/// One member of the top-level object. `text` is the decoded string for
/// strings and the literal for numbers and booleans (a number's own digits,
/// so a value too large for 64 bits or written as 4.5 or 1e3 is told apart);
/// empty for nested objects and arrays, which the document never holds.
struct member {
  std::string name;
  kind type;
  std::string text;
};

inline constexpr int max_depth = 32;

/// Collects the members of the single top-level object. The first problem
/// found is kept in `why` (and `offset`, when the parser knows the byte).
class member_reader final : public nlohmann::json_sax<nlohmann::json> {
 public:
  std::vector<member> members;
  std::string why;
  std::optional<std::size_t> offset;

  bool null() override { return scalar(kind::null, "null"); }
  bool boolean(bool v) override { return scalar(kind::boolean, v ? "true" : "false"); }
  bool number_integer(number_integer_t v) override { return scalar(kind::number, std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return scalar(kind::number, std::to_string(v)); }
  bool number_float(number_float_t, const string_t& literal) override { return scalar(kind::number, literal); }
  bool string(string_t& v) override { return scalar(kind::string, std::move(v)); }
  bool binary(binary_t&) override { return fail("binary values are not JSON"); }
  bool start_object(std::size_t) override { return open(kind::object); }
  bool start_array(std::size_t) override { return open(kind::array); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(string_t& name) override {
    if (depth_ == 1) {
      for (const auto& seen : members)
        if (seen.name == name) return fail("member \"" + name + "\" appears twice");
      key_ = std::move(name);
    }
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    if (done_) return fail("unexpected text after the JSON object");
    // nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1, column 9: syntax
    // error while parsing value - " prefix: what was wrong and the text last read.
    std::string_view what = e.what();
    if (const auto colon = what.find(": "); colon != std::string_view::npos) what.remove_prefix(colon + 2);
    if (const auto dash = what.find(" - "); dash != std::string_view::npos) what.remove_prefix(dash + 3);
    offset = position == 0 ? 0 : position - 1;
    return fail(std::string(what));
  }

 private:
  bool fail(std::string reason) {
    if (why.empty()) why = std::move(reason);
    return false;
  }
  bool scalar(kind k, std::string text) {
    if (depth_ == 0) return fail("expected a JSON object starting with '{'");
    if (depth_ == 1) members.push_back({std::move(key_), k, std::move(text)});
    return true;
  }
  bool open(kind k) {
    if (depth_ == 0 && k != kind::object) return fail("expected a JSON object starting with '{'");
    if (depth_ == 1) nested_ = k;
    if (++depth_ > max_depth + 1) return fail("nesting deeper than " + std::to_string(max_depth));
    return true;
  }
  bool close() {
    if (--depth_ == 1) members.push_back({std::move(key_), nested_, {}});
    if (depth_ == 0) done_ = true;
    return true;
  }

  int depth_ = 0;
  bool done_ = false;
  kind nested_ = kind::object;
  std::string key_;
};

}  // namespace detail::json

// ---------------------------------------------------------------------------
// encode / decode
// ---------------------------------------------------------------------------

TOR_DECL std::string encode_checkpoint_json(const checkpoint_document& doc) {
  const auto& c = doc.state;
  nlohmann::ordered_json out;
  out["version"] = checkpoint_document_version;
  out["file"] = std::string(c.position.file);
  out["offset"] = c.position.offset;
  out["gtid_set"] = c.gtids.to_string();
  out["gtid_flavor"] = c.gtids.flavor() == gtid_flavor::mysql ? "mysql" : "mariadb";
  out["server_id"] = c.server_id;
  if (c.skip_rows > 0) {
    out["transaction_gtid"] = c.transaction_gtid;
    out["skip_rows"] = c.skip_rows;
  }
  if (!doc.saved_at.empty()) out["saved_at"] = doc.saved_at;
  if (!doc.saved_by.empty()) out["saved_by"] = doc.saved_by;
  if (doc.owner_epoch != 0) out["owner_epoch"] = doc.owner_epoch;
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

namespace detail {

[[noreturn]] TOR_DECL void bad_checkpoint(std::string_view where, std::string_view why, std::string_view text) {
  throw error(error_kind::state, "cannot read the checkpoint in " + std::string(where) + ": " + std::string(why) +
                                     "; found " + quote_found(text) + ". " + std::string(checkpoint_what_to_do));
}

class checkpoint_fields {
 public:
  checkpoint_fields(std::vector<json::member> members, std::string_view where, std::string_view text)
      : members_(std::move(members)), where_(where), text_(text) {}

  /// Exact name, or (for the original Tor's Go-written value) any letter case.
  [[nodiscard]] const json::member* find(std::string_view name, bool any_case = false) const {
    for (const auto& m : members_) {
      if (m.name == name) return &m;
      if (any_case && m.name.size() == name.size()) {
        bool same = true;
        for (std::size_t i = 0; i < name.size() && same; ++i)
          same = std::tolower(static_cast<unsigned char>(m.name[i])) == name[i];
        if (same) return &m;
      }
    }
    return nullptr;
  }

  [[noreturn]] void fail(std::string_view why) const { bad_checkpoint(where_, why, text_); }

  const json::member& required(std::string_view name, bool any_case = false) const {
    const auto* m = find(name, any_case);
    if (!m) fail("member \"" + std::string(name) + "\" is missing");
    return *m;
  }

  [[nodiscard]] std::string string_of(const json::member& m) const {
    if (m.type != json::kind::string)
      fail("\"" + m.name + "\" must be a string, not " + json::kind_name(m.type) + " (" + m.text.substr(0, 40) + ")");
    return m.text;
  }

  [[nodiscard]] std::uint64_t uint_of(const json::member& m) const {
    if (m.type == json::kind::string)
      fail("\"" + m.name + "\" must be a number, not the string \"" + m.text.substr(0, 40) + "\"");
    if (m.type != json::kind::number)
      fail("\"" + m.name + "\" must be a number, not " + std::string(json::kind_name(m.type)));
    if (!m.text.empty() && m.text.front() == '-')
      fail("\"" + m.name + "\" is negative (" + m.text + ")");
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(m.text.data(), m.text.data() + m.text.size(), v);
    if (ec == std::errc::result_out_of_range) fail("\"" + m.name + "\" is too large (" + m.text + ")");
    if (ec != std::errc{} || end != m.text.data() + m.text.size())
      fail("\"" + m.name + "\" must be a whole number (" + m.text + ")");
    return v;
  }

  [[nodiscard]] std::string optional_string(std::string_view name) const {
    const auto* m = find(name);
    return m ? string_of(*m) : std::string();
  }

 private:
  std::vector<json::member> members_;
  std::string_view where_;
  std::string_view text_;
};

TOR_DECL std::string_view trim_json_space(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

TOR_DECL bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace detail

TOR_DECL checkpoint_document decode_checkpoint_json(std::string_view text, std::string_view where) {
  const auto trimmed = detail::trim_json_space(text);
  if (trimmed.empty()) detail::bad_checkpoint(where, "the value is empty", text);
  if (detail::all_digits(trimmed))
    detail::bad_checkpoint(where,
                           "a bare number is an offset without a binlog file name (an early Tor format that "
                           "cannot be resumed safely); write {\"name\":\"<binlog file>\",\"pos\":" +
                               std::string(trimmed.substr(0, 20)) + "} with the file that offset belongs to",
                           text);

  detail::json::member_reader reader;
  if (!nlohmann::json::sax_parse(text, &reader) || !reader.why.empty()) {
    const auto at = reader.offset ? " at byte " + std::to_string(*reader.offset) : std::string();
    detail::bad_checkpoint(where,
                           "not valid JSON (" + reader.why + at + "); " + std::string(detail::checkpoint_expected),
                           text);
  }
  const detail::checkpoint_fields f(std::move(reader.members), where, text);

  checkpoint_document doc;
  if (const auto* version = f.find("version")) {
    const auto v = f.uint_of(*version);
    if (v != checkpoint_document_version)
      f.fail("document version " + std::to_string(v) + " is not understood by this Tor (it reads version " +
             std::to_string(checkpoint_document_version) + "); it was written by a newer Tor, upgrade this one");
    doc.format = checkpoint_format::tor_v1;
    doc.state.position.file = f.string_of(f.required("file"));
    doc.state.position.offset = f.uint_of(f.required("offset"));
    const auto gtid_text = f.optional_string("gtid_set");
    if (!detail::trim_json_space(gtid_text).empty()) {
      const auto* flavor_member = f.find("gtid_flavor");
      if (!flavor_member) f.fail("\"gtid_set\" is given without \"gtid_flavor\" (\"mariadb\" or \"mysql\")");
      const auto flavor_text = f.string_of(*flavor_member);
      gtid_flavor flavor{};
      if (flavor_text == "mariadb") flavor = gtid_flavor::mariadb;
      else if (flavor_text == "mysql") flavor = gtid_flavor::mysql;
      else f.fail("\"gtid_flavor\" must be \"mariadb\" or \"mysql\", not \"" + flavor_text.substr(0, 40) + "\"");
      try {
        doc.state.gtids = gtid_set::parse(gtid_text, flavor);
      } catch (const error& e) {
        f.fail(std::string("\"gtid_set\" is not a GTID set: ") + e.what());
      }
    } else if (const auto* flavor_member = f.find("gtid_flavor")) {
      const auto flavor_text = f.string_of(*flavor_member);
      if (flavor_text != "mariadb" && flavor_text != "mysql")
        f.fail("\"gtid_flavor\" must be \"mariadb\" or \"mysql\", not \"" + flavor_text.substr(0, 40) + "\"");
      doc.state.gtids = gtid_set(flavor_text == "mysql" ? gtid_flavor::mysql : gtid_flavor::mariadb);
    }
    if (doc.state.position.file.empty() && doc.state.gtids.empty())
      f.fail("\"file\" is empty and there is no GTID set, so it names no position");
    doc.state.server_id = f.optional_string("server_id");
    if (const auto* skip = f.find("skip_rows")) doc.state.skip_rows = f.uint_of(*skip);
    doc.state.transaction_gtid = f.optional_string("transaction_gtid");
    if (!doc.state.transaction_gtid.empty() && doc.state.skip_rows == 0)
      f.fail("\"transaction_gtid\" is given without \"skip_rows\" (the rows of that transaction already published)");
    doc.saved_at = f.optional_string("saved_at");
    doc.saved_by = f.optional_string("saved_by");
    if (const auto* epoch = f.find("owner_epoch")) doc.owner_epoch = f.uint_of(*epoch);
    return doc;
  }

  // The original Tor stored go-mysql's position, {"name":FILE,"pos":OFFSET};
  // Go matches JSON member names without regard to case, so we do too.
  const auto* name = f.find("name", true);
  const auto* pos = f.find("pos", true);
  if (!name && !pos) f.fail(std::string("neither \"version\" nor \"name\"/\"pos\" is present; ") +
                            std::string(detail::checkpoint_expected));
  if (!name) f.fail("the original Tor's format needs \"name\" (the binlog file) next to \"pos\"");
  if (!pos) f.fail("the original Tor's format needs \"pos\" (the offset) next to \"name\"");
  doc.format = checkpoint_format::original_tor;
  doc.state.position.file = f.string_of(*name);
  doc.state.position.offset = f.uint_of(*pos);
  if (doc.state.position.file.empty()) f.fail("\"name\" (the binlog file) is empty");
  return doc;
}

}  // namespace tor

// Reading, printing and documenting described options (tor/core/options.hpp):
// the framework's option structs and the service's own, each described once
// next to its struct. From a description, the functions here read a struct
// from YAML, apply environment overrides, print it back as YAML with secrets
// masked and write its reference documentation, so adding a setting is one
// member and one line in its description. Errors are one line naming the
// key, where it came from (file:line or the environment variable) and what
// was expected.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <tor/core/options.hpp>

#include "config/errors.hpp"

namespace tor_service::config {

using tor::options::described;
using tor::options::for_each_option;
using tor::options::named_enum;
using tor::options::text_option;

/// The suffix naming the file form of a secret setting: every secret
/// setting `x` can instead be given as `x_file`, the path of a file holding
/// it (as Kubernetes and Docker mount secrets), read once while loading; one
/// trailing newline is dropped.
inline constexpr std::string_view secret_file_suffix = "_file";

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {
  using element = T;
};
template <class T>
struct is_string_map : std::false_type {};
template <>
struct is_string_map<std::map<std::string, std::string>> : std::true_type {};

/// The keys of a described struct, in order.
template <described T>
std::vector<std::string_view> member_names() {
  std::vector<std::string_view> names;
  for_each_option<T>([&](auto o) { names.push_back(o.key); });
  return names;
}

/// Context of one read: which file (or environment variable) the node is from.
struct read_context {
  std::string file;     ///< display name of the YAML file
  std::string env_var;  ///< set when the node was made from an environment variable
  origin_map* origins = nullptr;

  [[nodiscard]] std::string where(const YAML::Node& n) const {
    if (!env_var.empty()) return "environment variable " + env_var;
    const auto m = n.Mark();
    if (m.is_null()) return file;
    return file + ':' + std::to_string(m.line + 1) + ':' + std::to_string(m.column + 1);
  }
  [[noreturn]] void fail(const YAML::Node& n, const std::string& key, const std::string& what) const {
    throw config_error(where(n) + ": " + key + ": " + what);
  }
  void record(const YAML::Node& n, const std::string& key) const {
    if (!origins) return;
    if (!env_var.empty()) {
      origins->by_key[key] = env_var;
    } else {
      const auto m = n.Mark();
      origins->by_key[key] = m.is_null() ? file : file + ':' + std::to_string(m.line + 1);
    }
  }
};

namespace detail {

inline std::string kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return "\"" + n.Scalar() + "\"";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    default: return "an undefined value";
  }
}

inline std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

inline std::string upper(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

/// " (did you mean \"x\"?)" when a known name is close to `name`, else a list of the known names.
inline std::string suggest(std::string_view name, const std::vector<std::string_view>& known) {
  std::string_view best;
  std::size_t best_d = 3;
  const auto lname = lower(name);
  for (auto k : known) {
    const auto lk = lower(k);
    std::size_t d;
    if (lname.rfind(lk, 0) == 0 || lk.rfind(lname, 0) == 0) {
      d = lname.size() == lk.size() ? 0 : 1;  // dbHostname
    } else {
      // The edit distance is at least the difference in length: a name that
      // far off cannot win, so the quadratic distance is not computed for it
      // (an unknown key can be long; the known ones are short).
      const auto gap = lname.size() > lk.size() ? lname.size() - lk.size() : lk.size() - lname.size();
      if (gap >= best_d) continue;
      d = edit_distance(lname, lk);
    }
    if (d < best_d) best_d = d, best = k;
  }
  if (!best.empty()) return " (did you mean \"" + std::string(best) + "\"?)";
  std::string list;
  for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
  return " (known keys: " + list + ")";
}

template <class Int>
std::string int_range() {
  return std::to_string(std::numeric_limits<Int>::min()) + ".." + std::to_string(std::numeric_limits<Int>::max());
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Text forms of scalar values (shared by the reader, the printer and the docs).
// ---------------------------------------------------------------------------

/// Parses "250ms", "5s", "2m", "1h" (or "0").
inline bool parse_duration(std::string_view s, std::chrono::milliseconds& out) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || end == s.data()) return false;
  const std::string_view unit(end, static_cast<std::size_t>(s.data() + s.size() - end));
  std::uint64_t scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m" || unit == "min") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else if (unit.empty() && n == 0) scale = 1;
  else return false;
  if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / scale) return false;
  out = std::chrono::milliseconds(static_cast<std::int64_t>(n * scale));
  return true;
}

inline std::string format_duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms == 0) return "0s";
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

/// Parses "1048576", "512KiB", "64MiB", "1GiB" (also KB/MB/GB as powers of 1000).
inline bool parse_byte_size(std::string_view s, std::uint64_t& out) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || end == s.data()) return false;
  const std::string_view unit(end, static_cast<std::size_t>(s.data() + s.size() - end));
  static constexpr std::pair<std::string_view, std::uint64_t> units[] = {
      {"", 1},          {"B", 1},           {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30},
      {"KB", 1000ull}, {"MB", 1000'000ull}, {"GB", 1000'000'000ull}};
  for (const auto& [name, scale] : units) {
    if (unit != name) continue;
    if (n > std::numeric_limits<std::uint64_t>::max() / scale) return false;
    out = n * scale;
    return true;
  }
  return false;
}

inline std::string format_byte_size(std::uint64_t b) {
  if (b != 0 && b % (1ull << 30) == 0) return std::to_string(b >> 30) + "GiB";
  if (b != 0 && b % (1ull << 20) == 0) return std::to_string(b >> 20) + "MiB";
  if (b != 0 && b % (1ull << 10) == 0) return std::to_string(b >> 10) + "KiB";
  return std::to_string(b);
}

template <named_enum E>
std::string_view enum_name(E e) {
  return tor::options::name_of(e);
}

template <named_enum E>
std::string enum_choices() {
  std::string s;
  for (const auto& [v, name] : tor::options::names_of<E>()) s += (s.empty() ? "" : ", ") + std::string(name);
  return s;
}

/// Any std::chrono::duration: settings are written in ms, s, m or h.
template <class T>
struct is_duration : std::false_type {};
template <class Rep, class Period>
struct is_duration<std::chrono::duration<Rep, Period>> : std::true_type {};

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

template <class T>
void read_value(const YAML::Node& n, T& out, const std::string& key, const read_context& ctx,
                unsigned flags = tor::options::none);

/// Reads secret `base` from the file named by node `n` (key `key`, e.g.
/// mysql.password_file), and records where it came from under `base`.
inline void read_secret_file(const YAML::Node& n, std::string& out, const std::string& base, const std::string& key,
                             const read_context& ctx) {
  if (!n.IsScalar() || n.Scalar().empty()) ctx.fail(n, key, "expected the path of a file holding " + base);
  const std::string path = n.Scalar();
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) ctx.fail(n, key, "cannot read " + path + ": " + std::strerror(errno));
  std::string text;
  char buf[4096];
  std::size_t got = 0;
  while ((got = std::fread(buf, 1, sizeof buf, f)) > 0 && text.size() < (1u << 20)) text.append(buf, got);
  const bool bad = std::ferror(f) != 0;
  std::fclose(f);
  if (bad) ctx.fail(n, key, "cannot read " + path);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  if (text.empty()) ctx.fail(n, key, path + " is empty; it must hold " + base);
  out = std::move(text);
  if (ctx.origins) {
    read_context at = ctx;
    at.record(n, key);
    ctx.origins->by_key[base] = "file " + path + " (named by " + ctx.origins->by_key[key] + ")";
    ctx.origins->by_key.erase(key);
  }
}

/// Reads the keys present in map `n` into `out`; keys absent keep their value.
/// `prefix` is the dotted path of `out` ("mysql" for the mysql section).
template <described T>
void read_struct(const YAML::Node& n, T& out, const std::string& prefix, const read_context& ctx) {
  if (n.IsNull()) return;  // "mysql:" with nothing under it
  if (!n.IsMap()) ctx.fail(n, prefix, "expected a map of settings, got " + detail::kind_of(n));
  const auto known = member_names<T>();
  std::vector<std::string> seen;
  for (const auto& kv : n) {
    const auto name = kv.first.Scalar();
    const std::string key = prefix.empty() ? name : prefix + '.' + name;
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) ctx.fail(kv.first, key, "is set twice");
    seen.push_back(name);
    bool found = false;
    for_each_option<T>([&](auto o) {
      if (found) return;
      auto& field = o.of(out);
      if (name == o.key) {
        found = true;
        if (o.is(tor::options::secret) &&
            std::find(seen.begin(), seen.end(), name + std::string(secret_file_suffix)) != seen.end())
          ctx.fail(kv.first, key, "set together with " + key + std::string(secret_file_suffix) +
                                      "; give the secret one way");
        read_value(kv.second, field, key, ctx, o.flags);
      } else if constexpr (std::is_same_v<std::remove_cvref_t<decltype(field)>, std::string>) {
        if (o.is(tor::options::secret) && name.size() == o.key.size() + secret_file_suffix.size() &&
            name.rfind(o.key, 0) == 0 && std::string_view(name).substr(o.key.size()) == secret_file_suffix) {
          found = true;
          const std::string base = prefix.empty() ? std::string(o.key) : prefix + '.' + std::string(o.key);
          if (std::find(seen.begin(), seen.end(), std::string(o.key)) != seen.end() || !field.empty())
            ctx.fail(kv.first, key, "set together with " + base + "; give the secret one way");
          read_secret_file(kv.second, field, base, key, ctx);
        }
      }
    });
    if (!found) ctx.fail(kv.first, key, "unknown key" + detail::suggest(name, known));
  }
}

/// "a,b,c" as its items, blanks around them dropped.
inline std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto comma = s.find(',');
    auto item = s.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

template <class T>
void read_value(const YAML::Node& n, T& out, const std::string& key, const read_context& ctx, unsigned flags) {
  const auto scalar = [&](const char* expected) -> const std::string& {
    if (!n.IsScalar()) ctx.fail(n, key, std::string("expected ") + expected + ", got " + detail::kind_of(n));
    return n.Scalar();
  };
  if constexpr (described<T>) {
    read_struct(n, out, key, ctx);
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (flags & tor::options::list) {  // a list, or "a,b,c"; kept as "a,b,c"
      std::vector<std::string> items;
      read_value(n, items, key, ctx);
      out.clear();
      for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
      return;  // recorded by the list's read
    }
    out = n.IsNull() ? std::string() : scalar("a string");
  } else if constexpr (std::is_same_v<T, bool>) {
    const auto s = detail::lower(scalar("true or false"));
    if (s == "true" || s == "yes" || s == "on" || s == "1") out = true;
    else if (s == "false" || s == "no" || s == "off" || s == "0") out = false;
    else ctx.fail(n, key, "expected true or false, got \"" + n.Scalar() + "\"");
  } else if constexpr (std::is_integral_v<T>) {
    if (flags & tor::options::bytes) {
      const auto& s = scalar("a size");
      std::uint64_t b = 0;
      if (!parse_byte_size(s, b) || b > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
        ctx.fail(n, key, "expected a size in bytes such as 1048576, 512KiB or 64MiB, got \"" + s + "\"");
      out = static_cast<T>(b);
    } else {
      const auto& s = scalar("an integer");
      T v{};
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec == std::errc::result_out_of_range)
        ctx.fail(n, key, "\"" + s + "\" is out of range (" + detail::int_range<T>() + ")");
      if (ec != std::errc{} || end != s.data() + s.size()) ctx.fail(n, key, "expected an integer, got \"" + s + "\"");
      out = v;
    }
  } else if constexpr (is_duration<T>::value) {
    const auto& s = scalar("a duration");
    std::chrono::milliseconds ms{};
    if (!parse_duration(s, ms)) ctx.fail(n, key, "expected a duration such as 250ms, 5s, 2m or 1h, got \"" + s + "\"");
    out = std::chrono::duration_cast<T>(ms);
  } else if constexpr (text_option<T>) {
    const auto& s = scalar("a string");
    if (!parse_option(s, out))
      ctx.fail(n, key, "expected " + std::string(option_syntax(std::type_identity<T>{})) + ", got \"" + s + "\"");
  } else if constexpr (named_enum<T>) {
    const auto& s = scalar("a name");
    if (!tor::options::value_of(s, out)) ctx.fail(n, key, "expected one of " + enum_choices<T>() + ", got \"" + s + "\"");
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    out.clear();
    if (n.IsNull()) {
    } else if (n.IsScalar()) {  // "a,b,c": handy in the environment
      out = split_list(n.Scalar());
    } else if (n.IsSequence()) {
      std::size_t i = 0;
      for (const auto& item : n) {
        if (!item.IsScalar())
          ctx.fail(item, key + '[' + std::to_string(i) + ']', "expected a string, got " + detail::kind_of(item));
        out.push_back(item.Scalar());
        ++i;
      }
    } else {
      ctx.fail(n, key, "expected a list of strings, got " + detail::kind_of(n));
    }
  } else if constexpr (is_vector<T>::value) {
    out.clear();
    if (n.IsNull()) {
    } else if (!n.IsSequence()) {
      ctx.fail(n, key, "expected a list, got " + detail::kind_of(n));
    } else {
      std::size_t i = 0;
      for (const auto& item : n) {
        out.emplace_back();
        read_value(item, out.back(), key + '[' + std::to_string(i++) + ']', ctx);
      }
    }
  } else if constexpr (is_string_map<T>::value) {
    out.clear();
    if (n.IsNull()) {
    } else if (!n.IsMap()) {
      ctx.fail(n, key, "expected a map of names to values, got " + detail::kind_of(n));
    } else {
      for (const auto& kv : n) {
        const auto name = kv.first.Scalar();
        if (!kv.second.IsScalar())
          ctx.fail(kv.second, key + '.' + name, "expected a value, got " + detail::kind_of(kv.second));
        out[name] = kv.second.Scalar();
      }
    }
  } else {
    static_assert(sizeof(T) == 0, "this setting type has no YAML reader: add a branch to read_value");
  }
  ctx.record(n, key);
}

// ---------------------------------------------------------------------------
// Environment overrides: TOR_<SECTION>_<KEY>
// ---------------------------------------------------------------------------

/// Whether some variable of `env` starts with `prefix` (one ordered lookup).
inline bool has_env_prefix(const std::map<std::string, std::string>& env, const std::string& prefix) {
  const auto it = env.lower_bound(prefix);
  return it != env.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

/// The environment variable for a member of a section: TOR_MYSQL_PORT.
inline std::string env_name(std::string_view section, std::string_view member) {
  return "TOR_" + detail::upper(section) + '_' + detail::upper(member);
}

/// Overrides members of one section from `env` (name -> value). Lists of
/// maps and maps are written as YAML flow text (`[{pattern: a, topic: b}]`),
/// lists of strings also as "a,b,c"; everything else as its plain text.
/// Members of a nested part use its name too (TOR_MYSQL_TLS_MODE), and a
/// secret can be given as a file (TOR_MYSQL_PASSWORD_FILE).
template <described T>
void apply_env(T& section, std::string_view section_name, const std::map<std::string, std::string>& env,
               origin_map* origins, std::string_view key_prefix = {}) {
  if (!has_env_prefix(env, "TOR_" + detail::upper(section_name) + '_')) return;  // nothing to override
  const std::string prefix = key_prefix.empty() ? std::string(section_name) : std::string(key_prefix);
  for_each_option<T>([&](auto o) {
    auto& field = o.of(section);
    using F = std::remove_cvref_t<decltype(field)>;
    const std::string var = env_name(section_name, o.key);
    const std::string key = prefix + '.' + std::string(o.key);
    if constexpr (described<F>) {
      apply_env(field, std::string(section_name) + '_' + std::string(o.key), env, origins, key);
      return;
    } else {
      if constexpr (std::is_same_v<F, std::string>) {
        if (o.is(tor::options::secret)) {
          const std::string file_var = var + std::string(detail::upper(secret_file_suffix));
          if (const auto f = env.find(file_var); f != env.end()) {
            if (env.count(var))
              throw config_error("environment variables " + var + " and " + file_var + " both set " + key +
                                 "; give the secret one way");
            read_context ctx{"", file_var, origins};
            read_secret_file(YAML::Node(f->second), field, key, key + std::string(secret_file_suffix), ctx);
            return;
          }
        }
      }
      const auto it = env.find(var);
      if (it == env.end()) return;
      read_context ctx{"", var, origins};
      YAML::Node node;
      if constexpr ((is_vector<F>::value && !std::is_same_v<F, std::vector<std::string>>) || is_string_map<F>::value) {
        try {
          node = YAML::Load(it->second);
        } catch (const YAML::Exception& e) {
          throw config_error("environment variable " + var + ": " + key + ": not valid YAML (" + e.msg +
                             "); write it like [{a: 1, b: 2}] or {name: value}");
        }
      } else {
        node = YAML::Node(it->second);
      }
      read_value(node, field, key, ctx, o.flags);
    }
  });
}

/// The environment variable names that set members of T (nested parts and
/// secret files included), for a section named `section_name`.
template <described T>
void env_names(std::string_view section_name, std::vector<std::string>& out) {
  for_each_option<T>([&](auto o) {
    using F = typename decltype(o)::value_type;
    if constexpr (described<F>) {
      env_names<F>(std::string(section_name) + '_' + std::string(o.key), out);
    } else {
      out.push_back(env_name(section_name, o.key));
      if (o.is(tor::options::secret)) out.push_back(out.back() + std::string(detail::upper(secret_file_suffix)));
    }
  });
}

/// TOR_<SECTION>_<KEY> variables that name no setting of that section, so
/// the service can mention them (other tools share the TOR_ prefix, so they
/// are not errors).
template <described T>
std::vector<std::string> unknown_env(std::string_view section_name, const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  const std::string prefix = "TOR_" + detail::upper(section_name) + '_';
  if (!has_env_prefix(env, prefix)) return out;
  std::vector<std::string> names;
  env_names<T>(section_name, names);
  for (const auto& entry : env) {
    const auto& name = entry.first;
    if (name.rfind(prefix, 0) != 0) continue;
    if (std::find(names.begin(), names.end(), name) == names.end()) out.push_back(name);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Printing (YAML) and documenting
// ---------------------------------------------------------------------------

/// Whether a name in a free-form map (e.g. librdkafka properties) names a
/// secret, whose value is then masked like a secret option.
inline bool secret_name(std::string_view name) {
  const auto n = detail::lower(name);
  for (const char* word : {"password", "secret", "token", "credential", "jaas", "key.pem", "private"})
    if (n.find(word) != std::string::npos) return true;
  return false;
}

template <class T>
void emit_value(YAML::Emitter& out, const T& v, unsigned flags = tor::options::none) {
  if constexpr (described<T>) {
    out << YAML::BeginMap;
    for_each_option<T>([&](auto o) {
      out << YAML::Key << std::string(o.key) << YAML::Value;
      emit_value(out, o.of(v), o.flags);
    });
    out << YAML::EndMap;
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (flags & tor::options::secret) out << YAML::DoubleQuoted << (v.empty() ? "" : "********");
    else if (flags & tor::options::list) emit_value(out, split_list(v));
    else out << YAML::DoubleQuoted << v;
  } else if constexpr (std::is_same_v<T, bool>) {
    out << (v ? "true" : "false");
  } else if constexpr (std::is_integral_v<T>) {
    if (flags & tor::options::bytes) out << format_byte_size(v);
    else out << std::to_string(v);
  } else if constexpr (is_duration<T>::value) {
    out << format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(v));
  } else if constexpr (text_option<T>) {
    out << YAML::DoubleQuoted << std::string(format_option(v));
  } else if constexpr (named_enum<T>) {
    out << std::string(enum_name(v));
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& s : v) out << YAML::DoubleQuoted << s;
    out << YAML::EndSeq;
  } else if constexpr (is_vector<T>::value) {
    if (v.empty()) {
      out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
    } else {
      out << YAML::BeginSeq;
      for (const auto& item : v) emit_value(out, item);
      out << YAML::EndSeq;
    }
  } else if constexpr (is_string_map<T>::value) {
    if (v.empty()) {
      out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
    } else {
      out << YAML::BeginMap;
      for (const auto& [k, val] : v)
        out << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << (secret_name(k) && !val.empty() ? "********" : val);
      out << YAML::EndMap;
    }
  } else {
    static_assert(sizeof(T) == 0, "this setting type has no printer: add a branch to emit_value");
  }
}

/// A value as it appears in the reference table (compact, one line).
template <class T>
std::string inline_text(const T& v, unsigned flags = tor::options::none) {
  YAML::Emitter e;
  e << YAML::Flow;
  emit_value(e, v, flags);
  return e.c_str();
}

/// A short name of a setting's type for the reference.
template <class T>
std::string type_name(unsigned flags = tor::options::none) {
  if constexpr (std::is_same_v<T, std::string>) {
    if (flags & tor::options::secret) return "string (secret; or `_file`)";
    if (flags & tor::options::list) return "list of strings";
    return "string";
  } else if constexpr (std::is_same_v<T, bool>) return "bool";
  else if constexpr (std::is_integral_v<T>) return flags & tor::options::bytes ? "size" : "integer";
  else if constexpr (is_duration<T>::value) return "duration";
  else if constexpr (text_option<T>) return "string";
  else if constexpr (named_enum<T>) {
    std::string s;
    for (const auto& [v, name] : tor::options::names_of<T>()) {
      if (!s.empty()) s += '|';
      s += name;
    }
    return s;
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) return "list of strings";
  else if constexpr (is_vector<T>::value) return "list of maps";
  else if constexpr (is_string_map<T>::value) return "map of strings";
  else return "?";
}

}  // namespace tor_service::config

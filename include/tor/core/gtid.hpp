// GTID sets in both server flavours, as plain values (no I/O).
//
// MariaDB: a list of `domain-server-seq`, one per replication domain, comma
// separated ("0-1-100,1-2-7"). The set contains every GTID of a domain up to
// and including its sequence number.
// MySQL: `uuid:interval[:interval...]` per source server, comma separated
// ("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7-9"). The set contains exactly
// the listed transaction numbers.
#pragma once

#include <charconv>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>

namespace tor {

enum class gtid_flavor { mariadb, mysql };

/// One global transaction id.
struct gtid {
  gtid_flavor flavor = gtid_flavor::mariadb;
  std::uint32_t domain = 0;     ///< MariaDB replication domain
  std::uint32_t server = 0;     ///< MariaDB server id
  std::string uuid;             ///< MySQL source uuid (lower case)
  std::uint64_t sequence = 0;   ///< MariaDB seq_no, MySQL transaction number

  /// "domain-server-seq" (MariaDB) or "uuid:seq" (MySQL). Formatted without
  /// temporaries: it runs for every transaction read.
  [[nodiscard]] TOR_DECL std::string to_string() const;
  TOR_DECL static gtid parse(std::string_view text, gtid_flavor flavor);
  friend bool operator==(const gtid&, const gtid&) = default;
};

namespace detail {

[[noreturn]] TOR_DECL void bad_gtid(std::string_view what_kind, std::string_view text, std::string_view why,
                                    std::string_view expected);

template <class Int>
bool parse_uint(std::string_view s, Int& out) {
  if (s.empty() || s.front() == '-' || s.front() == '+') return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

TOR_DECL bool valid_uuid(std::string_view u);
TOR_DECL std::string lower(std::string_view s);

template <class F>
void split(std::string_view s, char sep, F&& f) {
  std::size_t start = 0;
  while (true) {
    const auto p = s.find(sep, start);
    f(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) return;
    start = p + 1;
  }
}

inline constexpr std::string_view mariadb_expect = "DOMAIN-SERVER-SEQ[,DOMAIN-SERVER-SEQ...], e.g. 0-1-100";
inline constexpr std::string_view mysql_expect = "UUID:N[-M][:N[-M]...][,UUID:...], e.g. 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5";

}  // namespace detail

/// A set of GTIDs of one flavour. Empty sets are flavour-neutral until the
/// first GTID is added.
class gtid_set {
 public:
  struct interval {
    std::uint64_t first;
    std::uint64_t last;  // inclusive
    friend bool operator==(const interval&, const interval&) = default;
  };
  struct mariadb_entry {
    std::uint32_t server;
    std::uint64_t sequence;
    friend bool operator==(const mariadb_entry&, const mariadb_entry&) = default;
  };

  gtid_set() = default;
  explicit gtid_set(gtid_flavor f) : flavor_(f) {}
  // Out of line, so that copying a checkpoint does not instantiate the maps'
  // code in every file that does it.
  TOR_DECL gtid_set(const gtid_set& other);
  TOR_DECL gtid_set(gtid_set&& other) noexcept;
  TOR_DECL gtid_set& operator=(const gtid_set& other);
  TOR_DECL gtid_set& operator=(gtid_set&& other) noexcept;
  TOR_DECL ~gtid_set();

  /// Parses either flavour's text form. Throws tor::error quoting the text.
  TOR_DECL static gtid_set parse(std::string_view text, gtid_flavor flavor);

  [[nodiscard]] gtid_flavor flavor() const noexcept { return flavor_; }
  [[nodiscard]] bool empty() const noexcept { return domains_.empty() && uuids_.empty(); }

  [[nodiscard]] TOR_DECL bool contains(const gtid& g) const;

  /// Adds one GTID. For MariaDB the domain's position moves to it when it is
  /// later than what the set holds.
  TOR_DECL void add(const gtid& g);

  /// Union of two sets of the same flavour.
  TOR_DECL void merge(const gtid_set& other);


  [[nodiscard]] TOR_DECL std::string to_string() const;

  [[nodiscard]] const std::map<std::uint32_t, mariadb_entry>& domains() const noexcept { return domains_; }
  [[nodiscard]] const std::map<std::string, std::vector<interval>>& uuids() const noexcept { return uuids_; }

  friend TOR_DECL bool operator==(const gtid_set& a, const gtid_set& b);

 private:
  static std::string_view expect(gtid_flavor f) {
    return f == gtid_flavor::mariadb ? detail::mariadb_expect : detail::mysql_expect;
  }
  TOR_DECL void adopt(gtid_flavor f);
  // Keeps intervals sorted and coalesced (adjacent ones merge: 1-3 + 4-5 = 1-5).
  TOR_DECL static void insert(std::vector<interval>& ivs, interval i);

  gtid_flavor flavor_ = gtid_flavor::mariadb;
  std::map<std::uint32_t, mariadb_entry> domains_;
  std::map<std::string, std::vector<interval>> uuids_;
};

}  // namespace tor

#ifdef TOR_HEADER_ONLY
#include <tor/core/impl/gtid.ipp>
#endif

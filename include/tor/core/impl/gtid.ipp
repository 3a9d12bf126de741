// Definitions for tor/core/gtid.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <algorithm>
#include <cctype>

#include <tor/core/gtid.hpp>

namespace tor {

namespace detail {

TOR_DECL void bad_gtid(std::string_view what_kind, std::string_view text, std::string_view why,
                                  std::string_view expected) {
  throw error(error_kind::invalid_argument, "invalid " + std::string(what_kind) + " \"" + std::string(text) +
                                                "\": " + std::string(why) + " (expected " +
                                                std::string(expected) + ")");
}

TOR_DECL bool valid_uuid(std::string_view u) {
  if (u.size() != 36) return false;
  for (std::size_t i = 0; i < u.size(); ++i) {
    const char c = u[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

TOR_DECL std::string lower(std::string_view s) {
  std::string r(s);
  std::transform(r.begin(), r.end(), r.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return r;
}

}  // namespace detail

TOR_DECL gtid gtid::parse(std::string_view text, gtid_flavor flavor) {
  gtid g;
  g.flavor = flavor;
  const auto t = detail::trim(text);
  if (flavor == gtid_flavor::mariadb) {
    const auto d1 = t.find('-');
    const auto d2 = d1 == std::string_view::npos ? d1 : t.find('-', d1 + 1);
    if (d2 == std::string_view::npos || !detail::parse_uint(t.substr(0, d1), g.domain) ||
        !detail::parse_uint(t.substr(d1 + 1, d2 - d1 - 1), g.server) ||
        !detail::parse_uint(t.substr(d2 + 1), g.sequence))
      detail::bad_gtid("MariaDB GTID", text, "not three unsigned numbers", "DOMAIN-SERVER-SEQ, e.g. 0-1-100");
    return g;
  }
  const auto colon = t.find(':');
  if (colon == std::string_view::npos || !detail::valid_uuid(t.substr(0, colon)) ||
      !detail::parse_uint(t.substr(colon + 1), g.sequence) || g.sequence == 0)
    detail::bad_gtid("MySQL GTID", text, "not a uuid and a positive transaction number", "UUID:N");
  g.uuid = detail::lower(t.substr(0, colon));
  return g;
}

TOR_DECL gtid_set gtid_set::parse(std::string_view text, gtid_flavor flavor) {
  gtid_set s(flavor);
  const auto t = detail::trim(text);
  if (t.empty()) return s;
  detail::split(t, ',', [&](std::string_view part) {
    part = detail::trim(part);
    if (part.empty()) detail::bad_gtid("GTID set", text, "empty element", expect(flavor));
    if (flavor == gtid_flavor::mariadb) {
      gtid g;
      try {
        g = gtid::parse(part, flavor);
      } catch (const error&) {
        detail::bad_gtid("MariaDB GTID set", text, "\"" + std::string(part) + "\" is not DOMAIN-SERVER-SEQ",
                         detail::mariadb_expect);
      }
      if (s.domains_.count(g.domain))
        detail::bad_gtid("MariaDB GTID set", text, "domain " + std::to_string(g.domain) + " appears twice",
                         detail::mariadb_expect);
      s.domains_[g.domain] = {g.server, g.sequence};
      return;
    }
    const auto colon = part.find(':');
    const auto uuid = part.substr(0, colon);
    if (!detail::valid_uuid(uuid))
      detail::bad_gtid("MySQL GTID set", text, "\"" + std::string(uuid) + "\" is not a uuid", detail::mysql_expect);
    if (colon == std::string_view::npos)
      detail::bad_gtid("MySQL GTID set", text, "uuid without intervals", detail::mysql_expect);
    auto& ivs = s.uuids_[detail::lower(uuid)];
    detail::split(part.substr(colon + 1), ':', [&](std::string_view iv) {
      const auto dash = iv.find('-');
      interval i{};
      const bool ok = dash == std::string_view::npos
                          ? detail::parse_uint(iv, i.first) && (i.last = i.first, true)
                          : detail::parse_uint(iv.substr(0, dash), i.first) &&
                                detail::parse_uint(iv.substr(dash + 1), i.last);
      if (!ok || i.first == 0 || i.last < i.first)
        detail::bad_gtid("MySQL GTID set", text, "bad interval \"" + std::string(iv) + "\"", detail::mysql_expect);
      insert(ivs, i);
    });
  });
  return s;
}

TOR_DECL void gtid_set::merge(const gtid_set& other) {
  if (other.empty()) return;
  adopt(other.flavor_);
  for (const auto& [d, e] : other.domains_) add(gtid{gtid_flavor::mariadb, d, e.server, {}, e.sequence});
  for (const auto& [u, ivs] : other.uuids_)
    for (const auto& i : ivs) insert(uuids_[u], i);
}

TOR_DECL std::string gtid_set::to_string() const {
  std::string out;
  for (const auto& [d, e] : domains_) {
    if (!out.empty()) out += ',';
    out += std::to_string(d) + '-' + std::to_string(e.server) + '-' + std::to_string(e.sequence);
  }
  for (const auto& [u, ivs] : uuids_) {
    if (!out.empty()) out += ',';
    out += u;
    for (const auto& i : ivs) {
      out += ':' + std::to_string(i.first);
      if (i.last != i.first) out += '-' + std::to_string(i.last);
    }
  }
  return out;
}

TOR_DECL std::string gtid::to_string() const {
  std::string out;  // a MariaDB GTID usually fits the string's inline buffer
  if (flavor == gtid_flavor::mysql) out.reserve(uuid.size() + 21);
  char num[24];
  const auto put = [&](auto v) { out.append(num, std::to_chars(num, num + sizeof num, v).ptr); };
  if (flavor == gtid_flavor::mysql) {
    out.append(uuid).push_back(':');
  } else {
    put(domain);
    out.push_back('-');
    put(server);
    out.push_back('-');
  }
  put(sequence);
  return out;
}

TOR_DECL bool gtid_set::contains(const gtid& g) const {
  if (g.flavor == gtid_flavor::mariadb) {
    const auto it = domains_.find(g.domain);
    return it != domains_.end() && it->second.sequence >= g.sequence;
  }
  const auto it = uuids_.find(g.uuid);
  if (it == uuids_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const interval& i) { return i.first <= g.sequence && g.sequence <= i.last; });
}

TOR_DECL void gtid_set::add(const gtid& g) {
  adopt(g.flavor);
  if (g.flavor == gtid_flavor::mariadb) {
    auto [it, inserted] = domains_.try_emplace(g.domain, mariadb_entry{g.server, g.sequence});
    if (!inserted && g.sequence > it->second.sequence) it->second = {g.server, g.sequence};
    return;
  }
  insert(uuids_[g.uuid], {g.sequence, g.sequence});
}

TOR_DECL bool operator==(const gtid_set& a, const gtid_set& b) {
  return a.domains_ == b.domains_ && a.uuids_ == b.uuids_ && (a.empty() || a.flavor_ == b.flavor_);
}

TOR_DECL void gtid_set::adopt(gtid_flavor f) {
  if (empty()) {
    flavor_ = f;
  } else if (f != flavor_) {
    throw error(error_kind::invalid_argument, "cannot mix MariaDB and MySQL GTIDs in one set (set is \"" +
                                                  to_string() + "\")");
  }
}

TOR_DECL void gtid_set::insert(std::vector<interval>& ivs, interval i) {
  auto it = std::lower_bound(ivs.begin(), ivs.end(), i,
                             [](const interval& a, const interval& b) { return a.last + 1 < b.first; });
  while (it != ivs.end() && it->first <= i.last + 1) {
    i.first = std::min(i.first, it->first);
    i.last = std::max(i.last, it->last);
    it = ivs.erase(it);
  }
  ivs.insert(it, i);
}

TOR_DECL gtid_set::gtid_set(const gtid_set& other) = default;
TOR_DECL gtid_set::gtid_set(gtid_set&& other) noexcept = default;
TOR_DECL gtid_set& gtid_set::operator=(const gtid_set& other) = default;
TOR_DECL gtid_set& gtid_set::operator=(gtid_set&& other) noexcept = default;
TOR_DECL gtid_set::~gtid_set() = default;

}  // namespace tor

// The checkpoint as a small JSON document, the one format every state store
// writes, so an operator can read (or, in an emergency, write) it with
// `redis-cli GET` or `cat`:
//
//   {"version":1,"file":"mysql-bin.000003","offset":1234,
//    "gtid_set":"0-1-100","gtid_flavor":"mariadb","server_id":"1",
//    "saved_at":"2026-11-26T11:35:34.120Z","saved_by":"host-a:4242","owner_epoch":7}
//
// A checkpoint inside a transaction adds two members (and only then, so a
// checkpoint between transactions is written exactly as before):
//
//   {"version":1,"file":"mysql-bin.000003","offset":1234,"gtid_set":"0-1-100",...,
//    "transaction_gtid":"0-1-101","skip_rows":25944}
//
// "file"/"offset" is where that transaction begins and "gtid_set" the set
// before it, so a Tor that does not know these members resumes at the start
// of the transaction and publishes it again in full: never less.
//
// Decoding also accepts the value the original (Go) Tor kept,
// `{"name":"mysql-bin.000003","pos":1234}`, so a deployment switches over
// without reprocessing or losing anything. Everything else is refused with a
// tor::error (kind `state`) that quotes what was found and says what to do:
// a state store never turns unreadable data into "no checkpoint", because
// that would silently restart from the configured start.
//
// Reading and writing go through nlohmann-json: strict RFC 8259 syntax, and
// on top of it duplicate members are refused and nesting is bounded. The
// format lives with the state stores (this directory), which are its only
// readers and writers.
#pragma once

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tor/core/checkpoint.hpp>
#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>

namespace tor {

/// Which layout a stored checkpoint had.
enum class checkpoint_format {
  tor_v1,        ///< this project's document, "version":1
  original_tor,  ///< the original Go Tor's {"name":...,"pos":...}
};

/// A checkpoint together with what a store records about the save.
/// `saved_at`, `saved_by` and `owner_epoch` are for operators (and for the
/// fencing message); they never influence where the router resumes.
struct checkpoint_document {
  checkpoint state;
  std::string saved_at;           ///< UTC, ISO 8601 with milliseconds; empty when unknown
  std::string saved_by;           ///< who saved it (host:pid by default); empty when unknown
  std::uint64_t owner_epoch = 0;  ///< the saver's owner epoch (Redis fencing); 0 when none
  checkpoint_format format = checkpoint_format::tor_v1;

  friend bool operator==(const checkpoint_document&, const checkpoint_document&) = default;
};

inline constexpr int checkpoint_document_version = 1;

// ---------------------------------------------------------------------------
// helpers shared by the stores
// ---------------------------------------------------------------------------

/// `t` as "2026-11-26T11:35:34.120Z".
TOR_DECL std::string utc_timestamp(std::chrono::system_clock::time_point t);

/// Quotes stored bytes for an error message: double-quoted, control and
/// non-ASCII bytes escaped (\n, \xNN), cut after `max` bytes with the total
/// size noted, so a megabyte of garbage never floods a log line.
TOR_DECL std::string quote_found(std::string_view text, std::size_t max = 200);

// ---------------------------------------------------------------------------
// what a refusal says (the reader, with nlohmann-json's SAX parser, is in
// impl/checkpoint_json.ipp)
// ---------------------------------------------------------------------------

namespace detail {

inline constexpr std::string_view checkpoint_expected =
    "expected Tor's checkpoint document {\"version\":1,\"file\":\"mysql-bin.000003\",\"offset\":1234,...} "
    "or the original Tor's {\"name\":\"mysql-bin.000003\",\"pos\":1234}";

inline constexpr std::string_view checkpoint_what_to_do =
    "Tor will not guess where to resume: correct the stored value (see docs/state-stores.md for the format), "
    "or delete it to start from the configured start position";

}  // namespace detail

/// The document as one line of JSON, members in a fixed order. Empty
/// `saved_at` / `saved_by` and a zero `owner_epoch` are left out; bytes that
/// are not UTF-8 (never in what Tor saves) are written as U+FFFD.
TOR_DECL std::string encode_checkpoint_json(const checkpoint_document& doc);

/// Decodes a stored checkpoint. `where` names the storage for messages (e.g.
/// "Redis key 'tor:checkpoint' at 127.0.0.1:6379"). Throws tor::error (kind
/// `state`) quoting what was found when the text is not a checkpoint.
TOR_DECL checkpoint_document decode_checkpoint_json(std::string_view text, std::string_view where);

}  // namespace tor

#ifdef TOR_HEADER_ONLY
#include <tor/state/impl/checkpoint_json.ipp>
#endif

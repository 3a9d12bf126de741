// tor::file_state_store keeps the checkpoint in one local file, as the same
// JSON document the Redis store writes (tor/state/checkpoint_json.hpp). It is
// the embedded default when no Redis is configured: one process, one file.
//
// A save is atomic and durable: the document is written to `<file>.tmp` in
// the same directory, fsync'ed, renamed over `<file>`, and the directory is
// fsync'ed so the rename itself survives a power cut. A crash at any step
// leaves either the old or the new document under `<file>`; a left-over
// `<file>.tmp` is never read and is overwritten by the next save.
//
// The file store has no fencing: two processes must not share one file (use
// the Redis store when instances can overlap).
#pragma once

#include <cerrno>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include <tor/core/checkpoint.hpp>
#include <tor/state/checkpoint_json.hpp>
#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>
#include <tor/state/detail/identity.hpp>
#include <tor/state/detail/posix_file.hpp>
#include <tor/state/status.hpp>

namespace tor {

class file_state_store {
 public:
  /// Larger files are refused when loading: a checkpoint document is a few
  /// hundred bytes, so anything this big is not one.
  static constexpr std::size_t max_document_size = 1 << 20;

  /// `path` is the checkpoint file; its directory must exist. `saved_by`
  /// is recorded in each document (default: host:pid).
  TOR_DECL explicit file_state_store(std::filesystem::path path, std::string saved_by = {});

  /// The saved checkpoint, or nullopt when the file does not exist.
  /// Throws tor::error (kind `state`) quoting the content when it is not a checkpoint.
  TOR_DECL std::optional<checkpoint> load();

  /// The whole stored document (who saved it and when), or nullopt.
  TOR_DECL std::optional<checkpoint_document> load_document();

  /// Replaces the checkpoint atomically and durably. Throws tor::error:
  /// `transient` when the disk is full or over quota (the router keeps
  /// publishing and retries), `state` for anything else (permissions, a
  /// missing directory, I/O errors).
  TOR_DECL void save(const checkpoint& c);

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  /// Where a save writes before renaming: `<file>.tmp` in the same directory.
  [[nodiscard]] TOR_DECL std::filesystem::path temp_path() const;
  [[nodiscard]] const state_store_status& status() const noexcept { return status_; }

 private:
  [[nodiscard]] std::string where() const { return "file \"" + path_.string() + "\""; }

  [[nodiscard]] TOR_DECL std::filesystem::path directory() const;

  TOR_DECL void sync_directory();

  [[noreturn]] TOR_DECL void fail_state(std::string what);

  [[noreturn]] TOR_DECL void fail_load(const detail::posix_failure& f);

  // Callers read errno into `err` before building `step`: building a string
  // may allocate, and allocation may change errno.
  [[noreturn]] TOR_DECL void fail_save(std::string step, int err, const std::filesystem::path& remove = {});

  std::filesystem::path path_;
  std::string saved_by_;
  state_store_status status_;
};

}  // namespace tor

#ifdef TOR_HEADER_ONLY
#include <tor/state/impl/file_state_store.ipp>
#endif

// Definitions for tor/state/file_state_store.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <tor/state/file_state_store.hpp>

namespace tor {

TOR_DECL file_state_store::file_state_store(std::filesystem::path path, std::string saved_by)
    : path_(std::move(path)), saved_by_(saved_by.empty() ? detail::process_identity() : std::move(saved_by)) {
  if (path_.empty()) throw error(error_kind::invalid_argument, "file state store: the checkpoint file path is empty");
  if (!path_.has_filename())
    throw error(error_kind::invalid_argument,
                "file state store: \"" + path_.string() + "\" names a directory, not a checkpoint file");
}

TOR_DECL std::optional<checkpoint> file_state_store::load() {
  auto doc = load_document();
  if (!doc) return std::nullopt;
  return std::move(doc->state);
}

TOR_DECL std::optional<checkpoint_document> file_state_store::load_document() {
  detail::unique_fd fd(detail::open_retrying(path_.c_str(), O_RDONLY));
  if (!fd) {
    const int err = errno;
    if (err == ENOENT) return std::nullopt;
    fail_load({"open", err});
  }
  std::string text;
  if (const int err = detail::read_up_to(fd.get(), max_document_size, text)) fail_load({"read", err});
  if (text.size() > max_document_size)
    fail_state("cannot read the checkpoint in " + where() + ": the file is larger than " +
               std::to_string(max_document_size) + " bytes, so it is not a checkpoint document; found " +
               quote_found(text) + ". " + std::string(detail::checkpoint_what_to_do));
  try {
    return decode_checkpoint_json(text, where());
  } catch (const error& e) {
    status_.record_failure(e.what(), false);
    throw;
  }
}

TOR_DECL void file_state_store::save(const checkpoint& c) {
  const auto now = state_store_status::clock::now();
  checkpoint_document doc{c, utc_timestamp(now), saved_by_, 0, checkpoint_format::tor_v1};
  const std::string text = encode_checkpoint_json(doc) + '\n';
  const auto tmp = temp_path();

  detail::unique_fd fd(detail::open_retrying(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644));
  if (!fd) {
    const int err = errno;
    fail_save("creating " + tmp.string(), err);
  }
  if (const int err = detail::write_all(fd.get(), text)) fail_save("writing " + tmp.string(), err, tmp);
  if (::fsync(fd.get()) != 0) {
    const int err = errno;
    fail_save("fsync of " + tmp.string(), err, tmp);
  }
  if (const int err = fd.close()) fail_save("closing " + tmp.string(), err, tmp);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    fail_save("renaming " + tmp.string() + " to " + path_.string(), err, tmp);
  }
  sync_directory();
  status_.record_success(now);
}

TOR_DECL std::filesystem::path file_state_store::temp_path() const {
  auto tmp = path_;
  tmp += ".tmp";
  return tmp;
}

TOR_DECL std::filesystem::path file_state_store::directory() const {
  const auto dir = path_.parent_path();
  return dir.empty() ? std::filesystem::path(".") : dir;
}

TOR_DECL void file_state_store::sync_directory() {
  const auto dir = directory();
  detail::unique_fd d(detail::open_retrying(dir.c_str(), O_RDONLY | O_DIRECTORY));
  if (!d) {
    const int err = errno;
    fail_save("opening directory " + dir.string() + " to fsync it", err);
  }
  if (::fsync(d.get()) != 0) {
    const int err = errno;
    fail_save("fsync of directory " + dir.string(), err);
  }
}

TOR_DECL void file_state_store::fail_state(std::string what) {
  status_.record_failure(what, false);
  throw error(error_kind::state, what);
}

TOR_DECL void file_state_store::fail_load(const detail::posix_failure& f) {
  fail_state("cannot read the checkpoint in " + where() + ": " + f.describe() +
             ". Check that the file is readable by this process");
}

TOR_DECL void file_state_store::fail_save(std::string step, int err, const std::filesystem::path& remove) {
  const detail::posix_failure f{std::move(step), err};
  // A half-written temp file only takes space; the next save rewrites it anyway.
  if (!remove.empty()) ::unlink(remove.c_str());
  // A full disk or quota can be freed while the router keeps publishing;
  // anything else (permissions, a missing directory, EIO) needs an operator.
  const bool transient = f.err == ENOSPC || f.err == EDQUOT;
  const bool setup = f.err == EACCES || f.err == EPERM || f.err == EROFS || f.err == ENOENT || f.err == ENOTDIR;
  std::string what = "cannot save the checkpoint to " + where() + ": " + f.describe() +
                     (transient ? ". Free disk space; saves are retried and the saved checkpoint lags until then"
                      : setup   ? ". Check that the directory exists and is writable by this process"
                                : ". Check the disk and the system log");
  status_.record_failure(what, true);
  throw error(transient ? error_kind::transient : error_kind::state, what);
}

}  // namespace tor

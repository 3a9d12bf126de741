// Errors raised by Tor. Every error says what failed, where (table, column,
// binlog position, key) and, where there is one, what to do about it. A
// `kind` lets callers tell a transient condition (retry later) from one that
// must stop the router.
#pragma once

#include <stdexcept>
#include <string>

namespace tor {

enum class error_kind {
  invalid_argument,  ///< bad text or configuration given by the user
  transient,         ///< a server is unreachable or busy; retrying may succeed
  fenced,            ///< another owner has taken over the checkpoint
  source,            ///< the change stream cannot continue
  mapping,           ///< a row could not be turned into messages
  dispatch,          ///< a message could not be delivered
  state,             ///< the checkpoint could not be loaded or saved
};

class error : public std::runtime_error {
 public:
  error(error_kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  [[nodiscard]] error_kind kind() const noexcept { return kind_; }
  [[nodiscard]] bool transient() const noexcept { return kind_ == error_kind::transient; }

 private:
  error_kind kind_;
};

}  // namespace tor

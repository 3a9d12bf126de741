// The running service: builds the four policies from the settings, checks
// the servers, runs tor::router until a stop is requested or it fails,
// restarts it after transient failures, and serves what it does at /metrics.
// `run_check` is `tor --check`: the same connections, then a report.
#pragma once

#include <stop_token>

#include "config/config.hpp"

namespace tor_service {

/// The process exit codes (docs/operations.md lists them).
enum exit_code : int {
  exit_ok = 0,            ///< stopped by SIGTERM/SIGINT after the final save; or a command succeeded
  exit_fatal = 1,         ///< the router stopped on an error it cannot recover from
  exit_config = 2,        ///< bad command line or configuration
  exit_startup = 3,       ///< a server is unusable as configured (also what --check reports)
  exit_fenced = 4,        ///< another Tor took over the checkpoint
  exit_stop_timeout = 5,  ///< a stop did not finish in time (or a second signal came): exited without the final save
};

/// Runs until `stop` is requested (returns exit_ok) or a failure (another code).
int run_service(const config::loaded_settings& settings, std::stop_token stop);

/// Connects to MySQL, Kafka and the state store, prints one line per check to
/// stdout and returns exit_ok or exit_startup. Changes nothing on the servers,
/// but for kafka.exactly_once: it starts transactions (init_transactions)
/// under the transactional id with ".check" appended, which the brokers
/// keep until transactional.id.expiration.ms (7 days by default).
int run_check(const config::loaded_settings& settings);

}  // namespace tor_service

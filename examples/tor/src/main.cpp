// tor: the Transactional Outbox Router service. Reads outbox rows from the
// MySQL/MariaDB binlog, publishes them to Kafka in commit order and keeps its
// checkpoint in Redis (or a file). See docs/getting-started.md.
//
// Signals: SIGTERM or SIGINT stops reading, flushes Kafka and saves the
// checkpoint, then exits 0; a stop that takes longer than
// router.flush_timeout + router.final_save_timeout + 10 s, or a second
// signal, exits 5 at once (the last saved checkpoint stays valid: what follows
// it is sent again at the next start). Exit codes are in service.hpp.
#include <CLI/CLI.hpp>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <stop_token>
#include <thread>

#include "config/config.hpp"
#include "log.hpp"
#include "service.hpp"

using namespace tor_service;

#ifdef TOR_WITH_JEMALLOC
// jemalloc's settings when it is the allocator (TOR_ALLOCATOR): one arena
// rather than one per thread and a smaller per-thread cache, so memory freed
// by one thread is reused by the next; this kept catch-up's peak under
// 48 MB (51 MB with jemalloc's defaults) at the same CPU per event. The
// MALLOC_CONF environment variable still overrides it.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "narenas:1,tcache_max:1024";
}
#endif

namespace {

/// Waits for SIGTERM/SIGINT on its own thread (they are blocked everywhere
/// else), turns the first into a stop request and enforces the stop deadline.
class signal_watch {
 public:
  signal_watch(std::stop_source& stop, std::chrono::milliseconds stop_bound) : stop_(stop), bound_(stop_bound) {
    thread_ = std::jthread([this](std::stop_token done) { loop(done); });
  }

  static void block_signals() {
    sigset_t set = stop_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
  }

 private:
  static sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
  }

  void loop(std::stop_token done) {
    const sigset_t set = stop_signals();
    std::chrono::steady_clock::time_point deadline{};
    while (!done.stop_requested()) {
      timespec tick{0, 200'000'000};
      const int sig = sigtimedwait(&set, nullptr, &tick);
      if (sig > 0) {
        const char* name = sig == SIGTERM ? "SIGTERM" : "SIGINT";
        if (!stop_.stop_requested()) {
          info("stopping: finishing what is in flight and saving the checkpoint", {{"signal", name}});
          deadline = std::chrono::steady_clock::now() + bound_;
          stop_.request_stop();
        } else {
          error("second signal: exiting now without the final save (what follows the last saved checkpoint "
                "is sent again at the next start)",
                {{"signal", name}});
          flush_logs();
          _exit(exit_stop_timeout);
        }
      }
      if (stop_.stop_requested() && std::chrono::steady_clock::now() > deadline &&
          deadline.time_since_epoch().count() != 0) {
        error("the stop took too long: exiting without the final save (what follows the last saved checkpoint "
              "is sent again at the next start)",
              {{"limit_ms", static_cast<std::int64_t>(bound_.count())}});
        flush_logs();
        _exit(exit_stop_timeout);
      }
    }
  }

  std::stop_source& stop_;
  std::chrono::milliseconds bound_;
  std::jthread thread_;
};

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists, so every thread (librdkafka's too) inherits it.
  signal_watch::block_signals();

  CLI::App app{"tor " TOR_VERSION
               " - Transactional Outbox Router: publishes the outbox rows of the MySQL/MariaDB binlog to Kafka in "
               "commit order.\nSettings come from the YAML file, then TOR_<SECTION>_<KEY> environment variables "
               "(see docs/configuration.md)."};
  std::string config_file;
  bool check = false, print_config = false, print_reference = false, version = false;
  app.add_option("-c,--config", config_file, "YAML settings file (also TOR_CONFIG)")->envname("TOR_CONFIG");
  app.add_flag("--check", check,
               "Validate the settings, connect to MySQL, Kafka and the state store, report, and exit (0: all good, 3: "
               "a check failed)");
  app.add_flag("--print-config", print_config, "Print the effective settings (secrets masked) and exit");
  app.add_flag("--print-reference", print_reference, "Print the reference of every setting (Markdown) and exit");
  app.add_flag("-V,--version", version, "Print the version and exit");
  app.footer(
      "Exit codes: 0 stopped cleanly (or a command succeeded), 1 fatal error while running, 2 bad command line or "
      "settings, 3 a server is unusable as configured, 4 another Tor took over the checkpoint, 5 a stop did not "
      "finish in time.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? exit_ok : exit_config;
  }
  if (version) {
    std::cout << "tor " << TOR_VERSION << '\n';
    return exit_ok;
  }
  if (print_reference) {
    std::cout << config::reference_markdown();
    return exit_ok;
  }

  config::loaded_settings settings;
  try {
    settings = config::load_file(config_file, config::process_environment());
  } catch (const config::config_error& e) {
    std::cerr << "tor: " << e.what() << '\n';
    return exit_config;
  }
  if (print_config) {
    std::cout << config::to_yaml(settings);
    return exit_ok;
  }
  init_logging(settings.values.log.format, settings.values.log.level);
  if (check) return run_check(settings);

  std::stop_source stop;
  const auto bound = settings.values.router.flush_timeout + settings.values.router.final_save_timeout +
                     std::chrono::seconds(10);
  int code = exit_ok;
  {
    signal_watch signals(stop, bound);
    code = run_service(settings, stop.get_token());
  }
  flush_logs();
  return code;
}

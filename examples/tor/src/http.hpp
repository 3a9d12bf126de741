// The service's HTTP endpoint (cpp-httplib, its own thread): /metrics in the
// Prometheus text format, /healthz (the process works: 503 only once it has
// failed) and /readyz (the router runs: 503 while starting, restarting or
// stopping). Port 0 turns it off.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "metrics.hpp"

namespace httplib {
class Server;
}

namespace tor_service {

/// The service's phase, shared by the main thread and the endpoint.
class service_state {
 public:
  enum class phase { starting, running, restarting, stopping, failed, standby };

  void set(phase p, std::string reason = {}) {
    std::lock_guard lock(mutex_);
    phase_ = p;
    reason_ = std::move(reason);
  }
  [[nodiscard]] std::pair<phase, std::string> get() const {
    std::lock_guard lock(mutex_);
    return {phase_, reason_};
  }
  [[nodiscard]] bool ready() const { return get().first == phase::running; }
  /// Hot standby: /readyz names the role (active or standby).
  void set_ha(bool on) { ha_.store(on, std::memory_order_relaxed); }
  [[nodiscard]] bool ha() const { return ha_.load(std::memory_order_relaxed); }

 private:
  mutable std::mutex mutex_;
  phase phase_ = phase::starting;
  std::string reason_;
  std::atomic<bool> ha_{false};
};

[[nodiscard]] std::string_view to_string(service_state::phase p);

class http_endpoint {
 public:
  using snapshot_fn = std::function<metrics_snapshot()>;

  http_endpoint(const service_state& state, snapshot_fn snapshot);
  ~http_endpoint();
  http_endpoint(const http_endpoint&) = delete;
  http_endpoint& operator=(const http_endpoint&) = delete;

  /// Binds and starts serving (port 0: any free port, see port()); throws
  /// std::runtime_error naming the address when the port cannot be bound.
  void start(const std::string& address, std::uint16_t port);
  void stop();
  /// The port it listens on, once started.
  [[nodiscard]] int port() const noexcept { return port_; }

 private:
  const service_state& state_;
  snapshot_fn snapshot_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace tor_service

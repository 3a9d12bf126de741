#include "http.hpp"

#include <httplib.h>

#include <stdexcept>

namespace tor_service {

std::string_view to_string(service_state::phase p) {
  switch (p) {
    case service_state::phase::starting: return "starting";
    case service_state::phase::running: return "running";
    case service_state::phase::restarting: return "restarting";
    case service_state::phase::stopping: return "stopping";
    case service_state::phase::failed: return "failed";
    case service_state::phase::standby: return "standby";
  }
  return "?";
}

http_endpoint::http_endpoint(const service_state& state, snapshot_fn snapshot)
    : state_(state), snapshot_(std::move(snapshot)) {}

http_endpoint::~http_endpoint() { stop(); }

void http_endpoint::start(const std::string& address, std::uint16_t port) {
  server_ = std::make_unique<httplib::Server>();
  auto& s = *server_;
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(render_prometheus(snapshot_()), "text/plain; version=0.0.4; charset=utf-8");
  });
  s.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    const auto [p, reason] = state_.get();
    if (p == service_state::phase::failed) {
      res.status = 503;
      res.set_content("failed: " + reason + "\n", "text/plain");
    } else {
      res.set_content("ok " + std::string(to_string(p)) + "\n", "text/plain");
    }
  });
  s.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    const auto [p, reason] = state_.get();
    if (p == service_state::phase::running) {
      res.set_content(state_.ha() ? "ready: active\n" : "ready\n", "text/plain");
    } else if (p == service_state::phase::standby && reason.empty()) {
      // A standby that reaches the lease store is ready to take over.
      res.set_content("ready: standby\n", "text/plain");
    } else {
      res.status = 503;
      res.set_content("not ready: " + std::string(to_string(p)) + (reason.empty() ? "" : ": " + reason) + "\n",
                      "text/plain");
    }
  });
  if (port == 0) {  // any free port (tests)
    port_ = s.bind_to_any_port(address);
    if (port_ < 0) throw std::runtime_error("cannot listen on " + address + " for the HTTP endpoint");
  } else {
    if (!s.bind_to_port(address, port))
      throw std::runtime_error("cannot listen on " + address + ":" + std::to_string(port) +
                               " for the HTTP endpoint (is the port in use? change http.port, or 0 to turn it off)");
    port_ = port;
  }
  thread_ = std::thread([&s] { s.listen_after_bind(); });
}

void http_endpoint::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace tor_service

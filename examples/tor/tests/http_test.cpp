// The HTTP endpoint: readiness follows the service's phase, health fails only
// once the service has failed, /metrics is Prometheus text.
#include <catch2/catch.hpp>

#include <httplib.h>

#include "http.hpp"

using namespace tor_service;

TEST_CASE("/readyz, /healthz and /metrics follow the service state") {
  service_state state;
  int snapshots = 0;
  http_endpoint http(state, [&] {
    ++snapshots;
    metrics_snapshot s;
    s.version = "test";
    s.ready = state.ready();
    s.router.events_read = 7;
    return s;
  });
  http.start("127.0.0.1", 0);
  REQUIRE(http.port() > 0);
  httplib::Client client("127.0.0.1", http.port());

  auto r = client.Get("/readyz");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(r->body == "not ready: starting\n");
  r = client.Get("/healthz");
  REQUIRE(r);
  CHECK(r->status == 200);

  state.set(service_state::phase::running);
  r = client.Get("/readyz");
  REQUIRE(r);
  CHECK(r->status == 200);

  r = client.Get("/metrics");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
  CHECK(r->body.find("tor_events_read_total 7\n") != std::string::npos);
  CHECK(r->body.find("tor_ready 1\n") != std::string::npos);
  CHECK(snapshots == 1);

  state.set(service_state::phase::restarting, "Kafka unreachable");
  r = client.Get("/readyz");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(r->body == "not ready: restarting: Kafka unreachable\n");
  CHECK(client.Get("/healthz")->status == 200);

  state.set(service_state::phase::failed, "mapping failed");
  r = client.Get("/healthz");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(r->body == "failed: mapping failed\n");
  http.stop();
}

TEST_CASE("with hot standby, /readyz names the role, and a standby that cannot reach Redis is not ready") {
  service_state state;
  state.set_ha(true);
  http_endpoint http(state, [] { return metrics_snapshot{}; });
  http.start("127.0.0.1", 0);
  httplib::Client client("127.0.0.1", http.port());
  state.set(service_state::phase::standby);
  auto r = client.Get("/readyz");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "ready: standby\n");
  state.set(service_state::phase::standby, "cannot take the lease: connection refused");
  r = client.Get("/readyz");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(r->body == "not ready: standby: cannot take the lease: connection refused\n");
  state.set(service_state::phase::running);
  r = client.Get("/readyz");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "ready: active\n");
  CHECK(client.Get("/healthz")->body == "ok running\n");
  http.stop();
}

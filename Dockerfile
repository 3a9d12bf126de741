# Tor in a container: a multi-stage build on Debian 12 (bookworm).
#
#   docker build -t tor .
#   docker run --rm -v $PWD/tor.yaml:/etc/tor/tor.yaml tor
#
# The first stage builds `tor` and `tor-api-server` with Debian's packages;
# the second holds only the binaries and their runtime libraries. Settings
# come from /etc/tor/tor.yaml and/or TOR_<SECTION>_<KEY> variables
# (docs/configuration.md). Note: this file was written without a Docker
# engine at hand and has not been built here; the build steps are the ones
# scripts/install-deps.sh and scripts/demo.sh run on Debian 12.

FROM debian:bookworm-slim AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config ca-certificates \
      libmariadb-dev libzstd-dev librdkafka-dev libhiredis-dev libssl-dev \
      libboost-dev librange-v3-dev libre2-dev \
      libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev libcpp-httplib-dev libjemalloc-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DTOR_BUILD_TESTS=OFF -DTOR_BUILD_BENCHMARKS=OFF \
    && cmake --build /build --target tor_service tor-api-server \
    && strip /build/examples/tor/tor /build/examples/api-server/tor-api-server

FROM debian:bookworm-slim AS runtime
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmariadb3 libzstd1 librdkafka1 libhiredis0.14 libssl3 libre2-9 libyaml-cpp0.7 libspdlog1.10 libfmt9 libcpp-httplib0.11 \
      libjemalloc2 \
      ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/tor --create-home tor
COPY --from=build /build/examples/tor/tor /usr/local/bin/tor
COPY --from=build /build/examples/api-server/tor-api-server /usr/local/bin/tor-api-server
USER tor
WORKDIR /var/lib/tor
# /metrics, /healthz, /readyz
EXPOSE 9090
HEALTHCHECK --interval=10s --timeout=3s CMD curl -sf http://127.0.0.1:9090/healthz || exit 1
# SIGTERM (docker stop) makes tor flush Kafka and save its checkpoint; give
# it at least router.flush_timeout + router.final_save_timeout (docker stop -t 45).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/tor"]
CMD ["--config", "/etc/tor/tor.yaml"]

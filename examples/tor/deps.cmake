# Finds what the tor service needs besides the adapters and sets
# TOR_SERVICE_DEPS_FOUND. Included by examples/tor and tests/e2e, which must
# agree on whether the service is built (tests/ is configured first, so it
# cannot ask for the target).

find_package(yaml-cpp QUIET)
find_package(spdlog QUIET)
find_package(fmt QUIET)
find_package(CLI11 QUIET)
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(TOR_HTTPLIB QUIET IMPORTED_TARGET GLOBAL cpp-httplib)
endif()
set(TOR_SERVICE_LIBS_FOUND OFF)
if(yaml-cpp_FOUND AND spdlog_FOUND AND fmt_FOUND AND CLI11_FOUND AND TOR_HTTPLIB_FOUND AND TARGET tor::re2)
  set(TOR_SERVICE_LIBS_FOUND ON)
endif()
set(TOR_SERVICE_DEPS_FOUND OFF)
if(TOR_SERVICE_LIBS_FOUND AND TARGET tor::mysql AND TARGET tor::kafka AND TARGET tor::redis)
  set(TOR_SERVICE_DEPS_FOUND ON)
endif()

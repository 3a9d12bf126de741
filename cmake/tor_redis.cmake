# tor::redis: created only when hiredis (pkg-config) and OpenSSL are found.
# hiredis gives the Redis protocol (command formatting and the reply
# reader); OpenSSL the TLS stream the store owns, since hiredis 0.14 (Debian
# 12) has no TLS of its own.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(TOR_HIREDIS QUIET IMPORTED_TARGET GLOBAL hiredis)
endif()
find_package(OpenSSL 1.1.1 QUIET COMPONENTS SSL Crypto)
if(TOR_HIREDIS_FOUND AND OpenSSL_FOUND)
  add_library(tor_redis INTERFACE)
  add_library(tor::redis ALIAS tor_redis)
  set_target_properties(tor_redis PROPERTIES EXPORT_NAME redis)
  target_link_libraries(tor_redis INTERFACE tor PkgConfig::TOR_HIREDIS OpenSSL::SSL OpenSSL::Crypto)
  tor_compiled_component(redis)
  tor_export_component(redis tor_redis
    "find_package(PkgConfig QUIET)\nif(PkgConfig_FOUND)\n  pkg_check_modules(TOR_HIREDIS QUIET IMPORTED_TARGET GLOBAL hiredis)\nendif()\nfind_package(OpenSSL 1.1.1 QUIET COMPONENTS SSL Crypto)\nif(NOT TOR_HIREDIS_FOUND)\n  set(_tor_missing \"hiredis (pkg-config hiredis; Debian: libhiredis-dev)\")\nelseif(NOT OpenSSL_FOUND)\n  set(_tor_missing \"OpenSSL (Debian: libssl-dev)\")\nendif()\n" tor_redis_compiled)
  message(STATUS "tor::redis: enabled (hiredis ${TOR_HIREDIS_VERSION}, OpenSSL ${OPENSSL_VERSION})")
else()
  message(STATUS "tor::redis: disabled (needs hiredis and OpenSSL)")
endif()

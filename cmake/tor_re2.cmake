# tor::re2: RE2 as the outbox mapper's pattern engine
# (<tor/mappers/re2_patterns.hpp>); created only when RE2 is found (pkg-config
# re2, Debian's libre2-dev), so the core never needs it.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(TOR_RE2 QUIET IMPORTED_TARGET GLOBAL re2)
endif()
if(TOR_RE2_FOUND)
  add_library(tor_re2 INTERFACE)
  add_library(tor::re2 ALIAS tor_re2)
  set_target_properties(tor_re2 PROPERTIES EXPORT_NAME re2)
  target_link_libraries(tor_re2 INTERFACE tor PkgConfig::TOR_RE2)
  tor_export_component(re2 tor_re2
    "find_package(PkgConfig QUIET)\nif(PkgConfig_FOUND)\n  pkg_check_modules(TOR_RE2 QUIET IMPORTED_TARGET GLOBAL re2)\nendif()\nif(NOT TOR_RE2_FOUND)\n  set(_tor_missing \"RE2 (pkg-config re2; Debian: libre2-dev)\")\nendif()\n")
  message(STATUS "tor::re2: enabled (re2 ${TOR_RE2_VERSION})")
else()
  message(STATUS "tor::re2: disabled (RE2 not found; Debian: libre2-dev)")
endif()

# tor::mysql: created only when libmariadb is found (pkg-config).
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(TOR_MARIADB QUIET IMPORTED_TARGET GLOBAL libmariadb)
  # Optional: zstd decompresses MySQL's compressed transactions
  # (binlog_transaction_compression=ON); without it they are refused.
  pkg_check_modules(TOR_ZSTD QUIET IMPORTED_TARGET GLOBAL libzstd)
endif()
# zlib inflates MariaDB's compressed events and columns and checks CRC32s.
find_package(ZLIB QUIET)
if(TOR_MARIADB_FOUND AND ZLIB_FOUND)
  # The source reads a few of the connector's internal structures
  # (include/tor/mysql/detail/connector_internals.hpp, checked against 3.3).
  # A connector whose layout differs stops here, with the header's own
  # message, rather than deep in a build.
  include(CheckCXXSourceCompiles)
  include(CMakePushCheckState)
  cmake_push_check_state(RESET)
  set(CMAKE_REQUIRED_INCLUDES ${PROJECT_SOURCE_DIR}/include ${TOR_MARIADB_INCLUDE_DIRS})
  set(CMAKE_REQUIRED_FLAGS -std=c++20)
  set(CMAKE_REQUIRED_QUIET ON)
  check_cxx_source_compiles("#include <tor/mysql/detail/connector_internals.hpp>\nint main() { return 0; }"
    TOR_MARIADB_INTERNALS_OK_${TOR_MARIADB_VERSION})
  cmake_pop_check_state()
  if(NOT TOR_MARIADB_INTERNALS_OK_${TOR_MARIADB_VERSION})
    message(FATAL_ERROR "tor::mysql: libmariadb ${TOR_MARIADB_VERSION}'s internal structures differ from those "
      "include/tor/mysql/detail/connector_internals.hpp was checked against (mariadb-connector-c 3.3). "
      "Build against libmariadb 3.3 (Debian 12: libmariadb-dev); compile that header alone to see which "
      "member differs.")
  endif()
  add_library(tor_mysql INTERFACE)
  add_library(tor::mysql ALIAS tor_mysql)
  set_target_properties(tor_mysql PROPERTIES EXPORT_NAME mysql)
  target_link_libraries(tor_mysql INTERFACE tor PkgConfig::TOR_MARIADB ZLIB::ZLIB)
  set(_tor_mysql_deps
    "find_package(ZLIB QUIET)\nfind_package(PkgConfig QUIET)\nif(PkgConfig_FOUND)\n  pkg_check_modules(TOR_MARIADB QUIET IMPORTED_TARGET GLOBAL libmariadb)\nendif()\nif(NOT TOR_MARIADB_FOUND)\n  set(_tor_missing \"libmariadb (pkg-config libmariadb; Debian: libmariadb-dev)\")\nelseif(NOT ZLIB_FOUND)\n  set(_tor_missing \"zlib (Debian: zlib1g-dev)\")\nendif()\n")
  if(TOR_ZSTD_FOUND)
    target_link_libraries(tor_mysql INTERFACE PkgConfig::TOR_ZSTD)
    target_compile_definitions(tor_mysql INTERFACE TOR_MYSQL_HAVE_ZSTD=1)
    string(APPEND _tor_mysql_deps
      "if(PkgConfig_FOUND)\n  pkg_check_modules(TOR_ZSTD QUIET IMPORTED_TARGET GLOBAL libzstd)\nendif()\nif(NOT TOR_ZSTD_FOUND AND NOT _tor_missing)\n  set(_tor_missing \"libzstd (pkg-config libzstd; Debian: libzstd-dev), which this tor was installed with\")\nendif()\n")
  endif()
  tor_compiled_component(mysql)
  tor_export_component(mysql tor_mysql "${_tor_mysql_deps}" tor_mysql_compiled)
  if(TOR_ZSTD_FOUND)
    message(STATUS "tor::mysql: enabled (libmariadb ${TOR_MARIADB_VERSION}, zstd ${TOR_ZSTD_VERSION})")
  else()
    message(STATUS "tor::mysql: enabled (libmariadb ${TOR_MARIADB_VERSION}; no libzstd: MySQL's compressed transactions are refused)")
  endif()
else()
  message(STATUS "tor::mysql: disabled (libmariadb or zlib not found)")
endif()

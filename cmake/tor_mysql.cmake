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
  tor_export_component(mysql tor_mysql "${_tor_mysql_deps}")
  if(TOR_ZSTD_FOUND)
    message(STATUS "tor::mysql: enabled (libmariadb ${TOR_MARIADB_VERSION}, zstd ${TOR_ZSTD_VERSION})")
  else()
    message(STATUS "tor::mysql: enabled (libmariadb ${TOR_MARIADB_VERSION}; no libzstd: MySQL's compressed transactions are refused)")
  endif()
else()
  message(STATUS "tor::mysql: disabled (libmariadb or zlib not found)")
endif()

// The definitions of the MySQL adapter's non-template functions, for
// separate compilation (tor/core/detail/config.hpp): include this in exactly
// one translation unit built with TOR_SEPARATE_COMPILATION defined (the
// CMake target tor::mysql_compiled does), next to the one that includes
// <tor/src.hpp>.
#pragma once

#ifndef TOR_SEPARATE_COMPILATION
#error "tor/mysql/src.hpp is for separate compilation: define TOR_SEPARATE_COMPILATION in every translation unit"
#endif

#include <tor/mysql/detail/impl/connection.ipp>
#include <tor/mysql/detail/impl/crc32.ipp>
#include <tor/mysql/detail/impl/dump_command.ipp>
#include <tor/mysql/detail/impl/dump_refusal.ipp>
#include <tor/mysql/detail/impl/inflate.ipp>
#include <tor/mysql/detail/impl/json_binary.ipp>
#include <tor/mysql/detail/impl/zstd.ipp>
#include <tor/mysql/impl/binlog_event.ipp>
#include <tor/mysql/impl/binlog_source.ipp>
#include <tor/mysql/impl/change_decoder.ipp>
#include <tor/mysql/impl/row_decoder.ipp>
#include <tor/mysql/impl/schema_fallback.ipp>
#include <tor/mysql/impl/server.ipp>
#include <tor/mysql/impl/table_map.ipp>

// The binlog source, built from the `mysql` settings.
#pragma once

#include <memory>

#include <tor/mysql/binlog_source.hpp>

#include "config/settings.hpp"

namespace tor_service {

std::unique_ptr<tor::mysql::binlog_source> make_source(const config::mysql_settings& s);

/// For --check: opens a replication connection the way the service will and
/// throws tor::error when the server refuses it (e.g. missing privileges).
void check_source(const config::mysql_settings& s);

}  // namespace tor_service

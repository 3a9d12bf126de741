// The service's mapper: tor::outbox_mapper built from the `outbox` settings,
// plus tables named `*.table`, which match that table in every schema (the
// original Tor matched its outbox table in any database). A mapper is made
// per schema the first time a row of it arrives, so each keeps exact-name
// lookups.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <tor/core/concepts.hpp>
#include <tor/mappers/outbox.hpp>

#include "config/settings.hpp"

namespace tor_service {

/// The outbox_config the settings describe, with `tables` left empty (the
/// service_mapper fills it per table) and warnings sent to `warn`.
tor::outbox_config outbox_config_from(const config::outbox_settings& s, std::function<void(const std::string&)> warn);

class service_mapper {
 public:
  service_mapper(const config::outbox_settings& s, std::function<void(const std::string&)> warn);

  void map(const tor::row_change& row, const tor::transaction_info& tx, std::vector<tor::message>& out);
  /// The same, moving the key, payload and id out of the row instead of
  /// copying them (the router hands rows over this way).
  void map(tor::row_change&& row, const tor::transaction_info& tx, std::vector<tor::message>& out);

  /// Topics known without seeing data: the routes' topics.
  [[nodiscard]] std::set<std::string> static_topics() const;

 private:
  tor::outbox_mapper* mapper_for(const tor::table_info& t);
  tor::outbox_mapper* mapper_of(const tor::row_change& row);  // nullptr: not an outbox table

  tor::outbox_config base_;
  std::unique_ptr<tor::outbox_mapper> exact_;  // tables named schema.table
  std::set<std::string> exact_tables_;
  std::set<std::string> any_schema_;  // table names given as *.table
  std::map<std::string, std::unique_ptr<tor::outbox_mapper>> per_table_;
  std::shared_ptr<const tor::table_info> last_table_;  // held, so its address is not reused
  tor::outbox_mapper* last_ = nullptr;
};

static_assert(tor::mapper<service_mapper>);

}  // namespace tor_service

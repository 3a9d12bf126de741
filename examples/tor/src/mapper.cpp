#include "mapper.hpp"

#include <tor/mappers/re2_patterns.hpp>

namespace tor_service {

tor::outbox_config outbox_config_from(const config::outbox_settings& s, std::function<void(const std::string&)> warn) {
  tor::outbox_config c;
  c.id_column = s.id_column;
  c.key_column = s.key_column;
  c.route_by_column = s.route_by_column;
  c.payload_column = s.payload_column;
  c.type_column = s.type_column;
  c.timestamp_column = s.timestamp_column;
  for (const auto& r : s.routes) c.routes.push_back({r.pattern, r.topic, r.search});
  c.patterns = tor::re2_patterns();
  c.topic_template = s.topic_template;
  c.unrouted = s.unrouted == config::invalid_policy::fail ? tor::on_invalid::fail : tor::on_invalid::skip;
  c.fan_out = s.fan_out;
  for (const auto& f : s.fields) {
    tor::outbox_field field;
    field.column = f.column;
    field.header = f.header;
    field.where = f.partition ? tor::outbox_field::placement::partition : tor::outbox_field::placement::header;
    c.fields.push_back(std::move(field));
  }
  switch (s.on_update) {
    case config::update_policy::warn: c.updates = tor::on_update::warn; break;
    case config::update_policy::skip: c.updates = tor::on_update::skip; break;
    case config::update_policy::fail: c.updates = tor::on_update::fail; break;
  }
  c.invalid = s.on_invalid == config::invalid_policy::fail ? tor::on_invalid::fail : tor::on_invalid::skip;
  c.tombstone_on_empty_payload = s.tombstone_on_empty_payload;
  c.id_header = s.id_header;
  c.coordinate_headers = s.coordinate_headers;
  c.warn = std::move(warn);
  return c;
}

service_mapper::service_mapper(const config::outbox_settings& s, std::function<void(const std::string&)> warn)
    : base_(outbox_config_from(s, std::move(warn))) {
  for (const auto& t : s.tables) {
    if (t.rfind("*.", 0) == 0) any_schema_.insert(t.substr(2));
    else exact_tables_.insert(t);
  }
  if (!exact_tables_.empty()) {
    auto c = base_;
    c.tables.assign(exact_tables_.begin(), exact_tables_.end());
    exact_ = std::make_unique<tor::outbox_mapper>(std::move(c));  // validates routes and names
  } else {
    auto c = base_;
    c.tables = {"check.routes"};
    (void)tor::outbox_mapper(std::move(c));  // validate the routes now, not at the first row
  }
}

tor::outbox_mapper* service_mapper::mapper_for(const tor::table_info& t) {
  if (exact_ && exact_tables_.count(t.qualified_name())) return exact_.get();
  if (!any_schema_.count(t.table)) return nullptr;
  const auto name = t.qualified_name();
  auto it = per_table_.find(name);
  if (it == per_table_.end()) {
    auto c = base_;
    c.tables = {name};
    it = per_table_.emplace(name, std::make_unique<tor::outbox_mapper>(std::move(c))).first;
  }
  return it->second.get();
}

tor::outbox_mapper* service_mapper::mapper_of(const tor::row_change& row) {
  if (!row.table) return nullptr;
  // Rows come in runs of the same table; skip the lookups for a repeat.
  if (row.table != last_table_) {
    last_table_ = row.table;
    last_ = mapper_for(*row.table);
  }
  return last_;
}

void service_mapper::map(const tor::row_change& row, const tor::transaction_info& tx, std::vector<tor::message>& out) {
  if (auto* m = mapper_of(row)) m->map(row, tx, out);
}

void service_mapper::map(tor::row_change&& row, const tor::transaction_info& tx, std::vector<tor::message>& out) {
  if (auto* m = mapper_of(row)) m->map(std::move(row), tx, out);
}

std::set<std::string> service_mapper::static_topics() const {
  std::set<std::string> t;
  for (const auto& r : base_.routes) t.insert(r.topic);
  return t;
}

}  // namespace tor_service

// Loading the service's settings: defaults, then the YAML file (in the new
// sectioned layout or with the original Tor's flat keys), then TOR_<SECTION>_<KEY>
// environment variables, then validation. Every failure is a config_error whose
// message is one line naming the key and where its value came from; the
// service prints it and exits with status 2.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"

namespace tor_service::config {

struct loaded_settings {
  settings values;
  origin_map origins;                    ///< where each set key came from
  std::vector<std::string> legacy_keys;  ///< original Tor keys found in the file
  std::vector<std::string> ignored_env;  ///< TOR_<SECTION>_<X> variables naming no setting
};

/// Loads settings from YAML text. `file` names it in messages; `env` holds
/// the environment (name -> value) to take overrides from.
[[nodiscard]] loaded_settings load(std::string_view yaml, const std::string& file,
                                   const std::map<std::string, std::string>& env);

/// Loads the file at `path` (or, when empty, defaults and the environment only).
[[nodiscard]] loaded_settings load_file(const std::string& path, const std::map<std::string, std::string>& env);

/// The process environment as a map.
[[nodiscard]] std::map<std::string, std::string> process_environment();

/// The effective settings as YAML, secrets masked, each key set by the file or
/// the environment annotated with where it came from.
[[nodiscard]] std::string to_yaml(const loaded_settings& s);

/// The reference of every key (Markdown), generated from the settings structs.
[[nodiscard]] std::string reference_markdown();

/// The original Tor's keys and what each becomes (Markdown table).
[[nodiscard]] std::string legacy_reference_markdown();

}  // namespace tor_service::config

// libFuzzer target for the service's configuration loader: YAML text (and
// TOR_<SECTION>_<KEY> environment overrides) -> settings. The input is the
// YAML, optionally followed by a NUL byte and NAME=VALUE lines taken as the
// environment. The loader documents one way to fail, config_error with a
// one-line message; any other exception escaping it is a bug (the service
// would die with an unexplained error), and so is any crash. Property: the
// effective settings it prints (to_yaml) load again.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nul = input.find('\0');
  const auto yaml = input.substr(0, nul);
  std::map<std::string, std::string> env;
  if (nul != std::string_view::npos) {
    auto rest = input.substr(nul + 1);
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      const auto line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
      const auto eq = line.find('=');
      if (eq != std::string_view::npos) env[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
    }
  }
  namespace c = tor_service::config;
  c::loaded_settings loaded;
  try {
    loaded = c::load(yaml, "fuzz.yaml", env);
  } catch (const c::config_error& e) {
    const std::string_view what = e.what();
    TOR_FUZZ_CHECK(!what.empty());
    return 0;
  }
  const auto printed = c::to_yaml(loaded);
  try {
    (void)c::load(printed, "printed.yaml", {});
  } catch (const c::config_error& e) {
    std::fprintf(stderr, "to_yaml printed settings that do not load: %s\n%s\n", e.what(), printed.c_str());
    tor_fuzz::broken("the printed settings load again");
  }
  return 0;
}

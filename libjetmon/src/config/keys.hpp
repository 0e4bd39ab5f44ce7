#pragma once

#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "jetmon/config/config.hpp"

namespace jetmon::config::detail {

// A config key and the Config member it fills (monostate: DB_UPDATES_ENABLE, folded into
// LEGACY_STATUS_PROJECTION_ENABLE by the parser).
struct KeyBinding {
  KeySpec spec;
  std::variant<std::monostate, int Config::*, bool Config::*, std::string Config::*,
               std::optional<int> Config::*, std::vector<Verifier> Config::*>
      member;
};

std::span<const KeyBinding> key_bindings();

}  // namespace jetmon::config::detail

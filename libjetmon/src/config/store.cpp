#include <stdexcept>
#include <utility>

#include "jetmon/config/config.hpp"

namespace jetmon::config {

ConfigStore::ConfigStore(std::shared_ptr<const Config> initial) : current_(std::move(initial)) {
  if (!current_) throw std::invalid_argument("ConfigStore needs an initial config");
}

std::shared_ptr<const Config> ConfigStore::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::optional<std::string> ConfigStore::reload(const std::string& path) {
  std::shared_ptr<const Config> loaded;
  try {
    loaded = std::make_shared<const Config>(load_file(path));
  } catch (const ConfigError& error) {
    return std::string(error.what());
  }
  std::lock_guard lock(mutex_);
  current_ = std::move(loaded);
  return std::nullopt;
}

}  // namespace jetmon::config

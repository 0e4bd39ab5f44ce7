#include <fcntl.h>
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "config/keys.hpp"
#include "config/text_util.hpp"
#include "jetmon/common/text.hpp"
#include "jetmon/config/config.hpp"

namespace jetmon::config {

namespace {

using rapidjson::Value;

// A config file is a few kilobytes; the cap keeps a mistaken path such as /dev/zero from
// exhausting memory.
constexpr std::size_t kMaxConfigBytes = 16 * 1024 * 1024;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Iterative parsing keeps deeply nested hostile input off the call stack; encoding validation
// rejects non-UTF-8 strings before they reach logs and JSON output.
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseValidateEncodingFlag;

[[noreturn]] void fail(const std::string& detail) {
  throw ConfigError(ConfigError::Stage::parse, detail);
}

std::string_view type_name(const Value& value) {
  switch (value.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "boolean";
    case rapidjson::kObjectType: return "object";
    case rapidjson::kArrayType: return "array";
    case rapidjson::kStringType: return "string";
    case rapidjson::kNumberType: return "number";
  }
  return "unknown";
}

std::string_view string_of(const Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

struct Location {
  std::size_t line;
  std::size_t column;  // in UTF-8 characters
};

Location location_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  Location location{1, 1};
  for (std::size_t i = 0; i < offset; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\n') {
      ++location.line;
      location.column = 1;
    } else if ((byte & 0xC0) != 0x80) {
      ++location.column;
    }
  }
  return location;
}

[[noreturn]] void fail_at(std::string_view text, std::size_t offset, std::string_view what) {
  const auto location = location_of(text, offset);
  fail(fmt::format("{} at line {} column {}", what, location.line, location.column));
}

// The value of a key found in an object: exact spelling preferred over a case variant; among
// equals the last occurrence wins, as with Go's encoding/json.
struct FoundMember {
  const Value* value = nullptr;
  std::string written_name;
  bool exact = false;
};

std::vector<FoundMember> find_members(const Value& object,
                                      const std::vector<std::string_view>& names) {
  std::unordered_map<std::string, std::size_t> slot_by_lower_name;
  std::size_t longest = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    slot_by_lower_name.emplace(jetmon::to_lower_ascii(names[i]), i);
    longest = std::max(longest, names[i].size());
  }
  std::vector<FoundMember> found(names.size());
  for (auto member = object.MemberBegin(); member != object.MemberEnd(); ++member) {
    const auto written = string_of(member->name);
    if (written.size() > longest) continue;
    const auto slot = slot_by_lower_name.find(jetmon::to_lower_ascii(written));
    if (slot == slot_by_lower_name.end()) continue;
    const bool exact = written == names[slot->second];
    auto& entry = found[slot->second];
    if (exact || !entry.exact) entry = FoundMember{&member->value, std::string(written), exact};
  }
  return found;
}

int read_int(const Value& value, const std::string& key) {
  if (!value.IsNumber()) fail(fmt::format("{}: expected integer, got {}", key, type_name(value)));
  if (value.IsInt()) return value.GetInt();
  const auto out_of_range = [&](const auto& number) {
    fail(fmt::format("{}: expected integer between {} and {}, got {}", key, INT_MIN, INT_MAX,
                     number));
  };
  if (value.IsInt64()) out_of_range(value.GetInt64());
  if (value.IsUint64()) out_of_range(value.GetUint64());
  const double number = value.GetDouble();
  if (!std::isfinite(number) || std::trunc(number) != number) {
    fail(fmt::format("{}: expected integer, got {}", key, number));
  }
  if (number < INT_MIN || number > INT_MAX) out_of_range(number);
  return static_cast<int>(number);
}

std::optional<int> read_int_or_null(const Value& value, const std::string& key) {
  if (value.IsNull()) return std::nullopt;
  if (!value.IsNumber()) {
    fail(fmt::format("{}: expected integer or null, got {}", key, type_name(value)));
  }
  return read_int(value, key);
}

bool read_bool(const Value& value, const std::string& key) {
  if (!value.IsBool()) fail(fmt::format("{}: expected boolean, got {}", key, type_name(value)));
  return value.GetBool();
}

std::string read_string(const Value& value, const std::string& key) {
  if (!value.IsString()) fail(fmt::format("{}: expected string, got {}", key, type_name(value)));
  return std::string(string_of(value));
}

Verifier read_verifier(const Value& item, const std::string& path) {
  if (!item.IsObject()) fail(fmt::format("{}: expected object, got {}", path, type_name(item)));
  static const std::vector<std::string_view> kFields = {"name", "host", "port", "grpc_port",
                                                        "auth_token"};
  Verifier verifier;
  std::string* const targets[] = {&verifier.name, &verifier.host, &verifier.port,
                                  &verifier.grpc_port, &verifier.auth_token};
  const auto found = find_members(item, kFields);
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (found[i].value == nullptr) continue;
    *targets[i] = read_string(*found[i].value, path + "." + found[i].written_name);
  }
  return verifier;
}

std::vector<Verifier> read_verifiers(const Value& value, const std::string& key) {
  if (!value.IsArray()) fail(fmt::format("{}: expected array, got {}", key, type_name(value)));
  std::vector<Verifier> verifiers;
  verifiers.reserve(value.Size());
  for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
    verifiers.push_back(read_verifier(value[i], fmt::format("{}[{}]", key, i)));
  }
  return verifiers;
}

Config overlay(const Value& root) {
  const auto bindings = detail::key_bindings();
  std::vector<std::string_view> names;
  names.reserve(bindings.size());
  for (const auto& binding : bindings) names.push_back(binding.spec.name);
  const auto found = find_members(root, names);

  Config config;
  std::optional<bool> db_updates_enable;
  bool has_projection_key = false;
  for (std::size_t i = 0; i < bindings.size(); ++i) {
    if (found[i].value == nullptr) continue;
    const Value& value = *found[i].value;
    const std::string& key = found[i].written_name;
    const auto& member = bindings[i].member;
    if (bindings[i].spec.name == "LEGACY_STATUS_PROJECTION_ENABLE") has_projection_key = true;

    if (std::holds_alternative<std::monostate>(member)) {
      db_updates_enable = read_bool(value, key);
    } else if (const auto* as_int = std::get_if<int Config::*>(&member)) {
      config.*(*as_int) = read_int(value, key);
    } else if (const auto* as_bool = std::get_if<bool Config::*>(&member)) {
      config.*(*as_bool) = read_bool(value, key);
    } else if (const auto* as_string = std::get_if<std::string Config::*>(&member)) {
      config.*(*as_string) = read_string(value, key);
    } else if (const auto* as_optional = std::get_if<std::optional<int> Config::*>(&member)) {
      config.*(*as_optional) = read_int_or_null(value, key);
    } else if (const auto* as_list = std::get_if<std::vector<Verifier> Config::*>(&member)) {
      config.*(*as_list) = read_verifiers(value, key);
    }
  }
  if (db_updates_enable && !has_projection_key) {
    config.legacy_status_projection_enable = *db_updates_enable;
  }
  return config;
}

Config parse_unvalidated(std::string_view text) {
  // Positions in messages are counted after the byte order mark, as editors show them.
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());

  // rapidjson treats a NUL byte as the end of input; raw NUL is never valid JSON.
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    fail_at(text, nul, "Invalid NUL byte");
  }

  rapidjson::Document document;
  document.Parse<kParseFlags>(text.data(), text.size());
  if (document.HasParseError()) {
    std::string_view message = rapidjson::GetParseError_En(document.GetParseError());
    if (message.ends_with('.')) message.remove_suffix(1);
    fail_at(text, document.GetErrorOffset(), message);
  }
  if (!document.IsObject()) {
    fail(fmt::format("top level must be a JSON object, got {}", type_name(document)));
  }
  return overlay(document);
}

}  // namespace

Config parse(std::string_view json_text) {
  Config config = parse_unvalidated(json_text);
  if (auto problem = validate(config)) throw ConfigError(ConfigError::Stage::invalid, *problem);
  return config;
}

Config load_file(const std::string& path) {
  const auto open_error = [&](const std::string& reason) {
    return ConfigError(ConfigError::Stage::open, fmt::format("{}: {}", path, reason));
  };
  const auto errno_text = [] { return std::generic_category().message(errno); };

  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw open_error(errno_text());
  std::string content;
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      const auto reason = errno_text();
      ::close(fd);
      throw open_error(reason);
    }
    if (n == 0) break;
    content.append(buffer, static_cast<std::size_t>(n));
    if (content.size() > kMaxConfigBytes) {
      ::close(fd);
      throw open_error(fmt::format("file is larger than {} bytes", kMaxConfigBytes));
    }
  }
  ::close(fd);
  return parse(content);
}

}  // namespace jetmon::config

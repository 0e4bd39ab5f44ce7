#include "jetmon/rollout/flags.hpp"

#include <algorithm>
#include <charconv>
#include <climits>
#include <optional>

#include <fmt/format.h>

#include "jetmon/common/text.hpp"

namespace jetmon::rollout {

bool parse_go_bool(std::string_view text, bool& value) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (text == t) {
      value = true;
      return true;
    }
  }
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (text == f) {
      value = false;
      return true;
    }
  }
  return false;
}

bool parse_go_int(std::string_view text, int& value) {
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  int base = 10;
  if (text.size() > 2 && text[0] == '0') {
    const char p = static_cast<char>(text[1] | 0x20);
    if (p == 'x') base = 16;
    if (p == 'o') base = 8;
    if (p == 'b') base = 2;
    if (base != 10) text.remove_prefix(2);
  }
  if (text.empty()) return false;
  long long magnitude = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude, base);
  if (ec != std::errc{} || end != text.data() + text.size() || magnitude < 0) return false;
  const long long signed_value = negative ? -magnitude : magnitude;
  if (signed_value < INT_MIN || signed_value > INT_MAX) return false;
  value = static_cast<int>(signed_value);
  return true;
}

void FlagSet::add_string(std::string name, std::string* target, std::string help) {
  flags_.push_back(Flag{std::move(name), Kind::string, target, std::move(help), go_quote(*target)});
}

void FlagSet::add_int(std::string name, int* target, std::string help) {
  flags_.push_back(Flag{std::move(name), Kind::integer, target, std::move(help), std::to_string(*target)});
}

void FlagSet::add_bool(std::string name, bool* target, std::string help) {
  flags_.push_back(Flag{std::move(name), Kind::boolean, target, std::move(help), *target ? "true" : "false"});
}

FlagSet::Flag* FlagSet::find(std::string_view name) {
  for (Flag& flag : flags_) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

bool FlagSet::was_set(std::string_view name) const {
  return std::any_of(flags_.begin(), flags_.end(), [&](const Flag& f) { return f.name == name && f.set; });
}

std::string FlagSet::assign(Flag& flag, std::string_view value) {
  switch (flag.kind) {
    case Kind::string:
      *static_cast<std::string*>(flag.target) = std::string(value);
      break;
    case Kind::integer:
      if (!parse_go_int(value, *static_cast<int*>(flag.target))) {
        return fmt::format("invalid value {} for flag -{}: parse error", go_quote(value), flag.name);
      }
      break;
    case Kind::boolean:
      if (!parse_go_bool(value, *static_cast<bool*>(flag.target))) {
        return fmt::format("invalid boolean value {} for -{}: parse error", go_quote(value), flag.name);
      }
      break;
  }
  flag.set = true;
  return {};
}

FlagSet::Result FlagSet::parse(const std::vector<std::string>& args) {
  Result result;
  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') break;  // "-" alone and non-flags end the flags
    std::size_t dashes = 1;
    if (arg[1] == '-') {
      dashes = 2;
      if (arg.size() == 2) {  // "--" terminates the flags
        ++i;
        break;
      }
    }
    std::string_view body = arg.substr(dashes);
    if (body.empty() || body[0] == '-' || body[0] == '=') {
      result.outcome = Outcome::error;
      result.error = fmt::format("bad flag syntax: {}", arg);
      return result;
    }
    std::string_view name = body;
    std::optional<std::string_view> value;
    if (const auto eq = body.find('='); eq != std::string_view::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
    }
    Flag* flag = find(name);
    if (flag == nullptr) {
      if (name == "h" || name == "help") {
        result.outcome = Outcome::help;
        return result;
      }
      result.outcome = Outcome::error;
      result.error = fmt::format("flag provided but not defined: -{}", name);
      return result;
    }
    if (!value) {
      if (flag->kind == Kind::boolean) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        result.outcome = Outcome::error;
        result.error = fmt::format("flag needs an argument: -{}", name);
        return result;
      }
    }
    if (std::string error = assign(*flag, *value); !error.empty()) {
      result.outcome = Outcome::error;
      result.error = std::move(error);
      return result;
    }
  }
  result.positionals.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  return result;
}

std::string FlagSet::defaults() const {
  std::vector<const Flag*> sorted;
  for (const Flag& flag : flags_) sorted.push_back(&flag);
  std::sort(sorted.begin(), sorted.end(), [](const Flag* a, const Flag* b) { return a->name < b->name; });
  std::string text;
  for (const Flag* flag : sorted) {
    text += "  -" + flag->name;
    if (flag->kind == Kind::string) text += " string";
    if (flag->kind == Kind::integer) text += " int";
    text += "\n    \t" + flag->help;
    const bool zero = flag->default_text == "\"\"" || flag->default_text == "0" || flag->default_text == "false";
    if (!zero) text += " (default " + flag->default_text + ")";
    text += "\n";
  }
  return text;
}

}  // namespace jetmon::rollout

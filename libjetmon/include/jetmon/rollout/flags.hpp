#pragma once

#include <string>
#include <string_view>
#include <vector>

// Go `flag` package rules for the rollout subcommands (rollout.md §0 "Flags"): `-x`, `--x`,
// `-x=v`, `--x=v`, `-x v`, `--x v`; a bool takes only `--x` or `--x=<bool>`; parsing stops at the
// first non-flag argument or at `--`. CLI11 cannot parse Go's single-dash long flags (`-file`),
// which operators' runbooks use, so the rollout commands use this small declarative set instead.
namespace jetmon::rollout {

class FlagSet {
 public:
  explicit FlagSet(std::string name) : name_(std::move(name)) {}

  // The targets must outlive parse(); each holds its default until a flag sets it.
  void add_string(std::string name, std::string* target, std::string help);
  void add_int(std::string name, int* target, std::string help);
  void add_bool(std::string name, bool* target, std::string help);

  enum class Outcome { ok, help, error };
  struct Result {
    Outcome outcome = Outcome::ok;
    std::string error;                     // Go's wording, e.g. "flag provided but not defined: -x"
    std::vector<std::string> positionals;  // everything after the flags
  };
  Result parse(const std::vector<std::string>& args);

  // Whether a flag was given on the command line (not just defaulted).
  bool was_set(std::string_view name) const;

  // One entry per flag, sorted by name, like Go's PrintDefaults:
  // "  -name type\n    \thelp (default …)\n".
  std::string defaults() const;

  const std::string& name() const { return name_; }

 private:
  enum class Kind { string, integer, boolean };
  struct Flag {
    std::string name;
    Kind kind;
    void* target;
    std::string help;
    std::string default_text;
    bool set = false;
  };
  Flag* find(std::string_view name);
  // Applies `value` to `flag`; an error text in Go's wording, or empty.
  std::string assign(Flag& flag, std::string_view value);

  std::string name_;
  std::vector<Flag> flags_;
};

// Go's strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False.
bool parse_go_bool(std::string_view text, bool& value);
// A decimal int (optional sign) that fits in int; Go's base prefixes (0x, 0o, 0b) too.
bool parse_go_int(std::string_view text, int& value);

}  // namespace jetmon::rollout

#pragma once

#include <optional>
#include <string>
#include <string_view>

// rehearsal-plan (rollout.md §1.2): the per-host runbook text, as a pure function of its inputs.
namespace jetmon::rollout {

enum class RehearsalMode { same_server, fresh_server };

struct RehearsalPlan {
  RehearsalMode mode = RehearsalMode::same_server;
  std::string file;          // the --file path as given
  std::size_t ranges = 0;    // rows in the validated plan
  std::string host;          // v1 host id (H)
  std::string runtime_host;  // v2 host id (R)
  int bucket_min = 0;        // A
  int bucket_max = 0;        // Z
  int bucket_total = 0;      // T
  std::string binary;        // B, e.g. "./jetmon2" or "./jetmon-rollout"
  // What follows B before a rollout subcommand: "rollout " for `jetmon2`, "" for `jetmon-rollout`.
  std::string rollout_prefix;
  std::string service = "jetmon2";                // S
  std::optional<std::string> systemd_unit;        // replaces --service S in step 3
  std::string since = "15m";
  std::optional<std::string> v1_stop_command;     // printed verbatim
  std::optional<std::string> v1_start_command;    // printed verbatim
};

// A shell word: unchanged when every byte is in [A-Za-z0-9_\-./:=+,@], '' when empty, else
// single-quoted with ' written as '\''.
std::string shell_quote(std::string_view word);

// The whole plan text: header, then seven "## N. …" sections, each followed by one empty line.
std::string rehearsal_plan_text(const RehearsalPlan& plan);

}  // namespace jetmon::rollout

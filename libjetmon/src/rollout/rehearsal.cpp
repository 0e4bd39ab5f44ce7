#include "jetmon/rollout/rehearsal.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "jetmon/common/text.hpp"

namespace jetmon::rollout {

std::string shell_quote(std::string_view word) {
  if (word.empty()) return "''";
  const bool safe = std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("_-./:=+,@").find(c) != std::string_view::npos;
  });
  if (safe) return std::string(word);
  std::string quoted = "'";
  for (char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

namespace {

// Builds command lines word by word, quoting each argument.
class Plan {
 public:
  explicit Plan(const RehearsalPlan& plan) : plan_(plan) {}

  void line(std::string text) { text_ += text + "\n"; }
  void section(std::string_view title) { line(fmt::format("## {}", title)); }
  void end_section() { line(""); }

  // "<B> <prefix><sub> <args…>" with every argument quoted.
  void rollout(std::string_view sub, const std::vector<std::string>& args = {}) {
    std::string text = shell_quote(plan_.binary) + " " + plan_.rollout_prefix + std::string(sub);
    for (const std::string& arg : args) text += " " + shell_quote(arg);
    line(std::move(text));
  }
  // "<B> validate-config": not a rollout subcommand in either form.
  void validate_config() { line(shell_quote(plan_.binary) + " validate-config"); }

  std::string take() { return std::move(text_); }

 private:
  const RehearsalPlan& plan_;
  std::string text_;
};

}  // namespace

std::string rehearsal_plan_text(const RehearsalPlan& p) {
  const bool fresh = p.mode == RehearsalMode::fresh_server;
  const std::string a = std::to_string(p.bucket_min);
  const std::string z = std::to_string(p.bucket_max);
  const std::string t = std::to_string(p.bucket_total);
  const std::string& h = p.host;
  const std::string& r = p.runtime_host;
  const std::string s = shell_quote(p.service);
  const std::vector<std::string> cutover{"--host", r, "--bucket-min", a, "--bucket-max", z, "--since", p.since};
  std::vector<std::string> cutover_all = cutover;
  cutover_all.emplace_back("--require-all");

  Plan plan(p);
  plan.line("# Jetmon v2 rollout rehearsal plan");
  plan.line(fmt::format("INFO mode={}", fresh ? "fresh-server" : "same-server"));
  plan.line(fmt::format("INFO static_plan_file={} ranges={}", p.file, p.ranges));
  plan.line(fmt::format("INFO plan_host={} runtime_host={} range={}-{}", go_quote(h), go_quote(r), a, z));
  plan.line("# Run this runbook from the staged v2 runtime host, not from a separate orchestrator host.");
  plan.line("# Commands run from that runtime host unless the printed command explicitly targets another host.");
  plan.line("# Shell commands need the same DB_* environment used by the jetmon2 service.");
  if (fresh || h != r) {
    plan.line(fmt::format("# Fresh-server mode requires {} to have SSH access to old v1 host {} for any v1 stop/start "
                          "commands that use ssh.",
                          r, h));
  }
  plan.end_section();

  plan.section("1. Validate the copied static bucket plan");
  plan.rollout("static-plan-check", {"--file", p.file, "--host", h, "--bucket-min", a, "--bucket-max", z,
                                     "--bucket-total", t});
  plan.end_section();

  plan.section("2. Validate the staged v2 config with the service environment");
  plan.validate_config();
  plan.end_section();

  plan.section("3. Run the host preflight before stopping v1");
  std::vector<std::string> preflight{"--file", p.file, "--host", h, "--runtime-host", r, "--bucket-min", a,
                                     "--bucket-max", z, "--bucket-total", t};
  if (p.systemd_unit) {
    preflight.insert(preflight.end(), {"--systemd-unit", *p.systemd_unit});
  } else {
    preflight.insert(preflight.end(), {"--service", p.service});
  }
  plan.rollout("host-preflight", preflight);
  plan.end_section();

  if (fresh) {
    plan.section("4. Cut over from the old v1 host to the fresh v2 host");
    plan.line("# HOLD: keep v2 stopped on the fresh server until the old v1 monitor process is stopped.");
  } else {
    plan.section("4. Cut over the same server from v1 to v2");
  }
  plan.line(p.v1_stop_command.value_or(
      "# TODO: stop the v1 monitor for this bucket range with the documented production command."));
  plan.line(fresh ? fmt::format("# HOLD: confirm v1 on {} is stopped before starting v2 on {}.", h, r)
                  : std::string("# HOLD: confirm v1 is stopped before starting v2."));
  plan.line(fmt::format("systemctl enable --now {} && systemctl is-active --quiet {}", s, s));
  plan.end_section();

  plan.section("5. Verify the v2 host after start");
  plan.line("# Immediate smoke gate: checks startup and recent activity; recent writes can still include v1.");
  plan.rollout("cutover-check", cutover);
  plan.line("# Strong gate after one full v2 check round:");
  plan.rollout("cutover-check", cutover_all);
  plan.end_section();

  plan.section("6. Rehearse the rollback path before the rollback window closes");
  plan.line(fmt::format("systemctl stop {} && ! systemctl is-active --quiet {}", s, s));
  plan.line("# HOLD: confirm the v2 process is stopped before restarting v1.");
  plan.rollout("rollback-check", {"--host", r, "--bucket-min", a, "--bucket-max", z});
  plan.line("# HOLD: do not restart v1 unless rollback-check passes.");
  plan.line(p.v1_start_command.value_or(
      fresh ? fmt::format("# Restart v1 on {} with its original BUCKET_NO_MIN/BUCKET_NO_MAX config.", h)
            : std::string("# Restart the original v1 service with its original BUCKET_NO_MIN/BUCKET_NO_MAX config.")));
  plan.line("# Do not roll back schema migrations.");
  plan.end_section();

  plan.section("7. Finish this host, then complete fleet-level checks");
  plan.line("# Host signoff before moving on or before the fleet dynamic cutover:");
  plan.rollout("cutover-check", cutover_all);
  plan.line("# After every host is on v2, remove PINNED_BUCKET_* from every monitor config and restart the fleet:");
  plan.validate_config();
  plan.rollout("dynamic-check");
  plan.rollout("activity-check", {"--since", p.since, "--require-all"});
  plan.rollout("projection-drift", {"--limit", "100"});
  plan.end_section();
  return plan.take();
}

}  // namespace jetmon::rollout

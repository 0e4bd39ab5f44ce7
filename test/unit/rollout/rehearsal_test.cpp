#include <catch2/catch.hpp>

#include "jetmon/rollout/rehearsal.hpp"

using namespace jetmon::rollout;

namespace {

RehearsalPlan base_plan() {
  RehearsalPlan plan;
  plan.file = "ranges.csv";
  plan.ranges = 2;
  plan.host = "jetmon-v1-a";
  plan.runtime_host = "jetmon-v1-a";
  plan.bucket_min = 0;
  plan.bucket_max = 4;
  plan.bucket_total = 10;
  plan.binary = "./jetmon2";
  plan.rollout_prefix = "rollout ";
  return plan;
}

}  // namespace

TEST_CASE("rollout rehearsal plan, same server, upstream form", "[rollout]") {
  CHECK(rehearsal_plan_text(base_plan()) ==
        "# Jetmon v2 rollout rehearsal plan\n"
        "INFO mode=same-server\n"
        "INFO static_plan_file=ranges.csv ranges=2\n"
        "INFO plan_host=\"jetmon-v1-a\" runtime_host=\"jetmon-v1-a\" range=0-4\n"
        "# Run this runbook from the staged v2 runtime host, not from a separate orchestrator host.\n"
        "# Commands run from that runtime host unless the printed command explicitly targets another host.\n"
        "# Shell commands need the same DB_* environment used by the jetmon2 service.\n"
        "\n"
        "## 1. Validate the copied static bucket plan\n"
        "./jetmon2 rollout static-plan-check --file ranges.csv --host jetmon-v1-a --bucket-min 0 --bucket-max 4 "
        "--bucket-total 10\n"
        "\n"
        "## 2. Validate the staged v2 config with the service environment\n"
        "./jetmon2 validate-config\n"
        "\n"
        "## 3. Run the host preflight before stopping v1\n"
        "./jetmon2 rollout host-preflight --file ranges.csv --host jetmon-v1-a --runtime-host jetmon-v1-a "
        "--bucket-min 0 --bucket-max 4 --bucket-total 10 --service jetmon2\n"
        "\n"
        "## 4. Cut over the same server from v1 to v2\n"
        "# TODO: stop the v1 monitor for this bucket range with the documented production command.\n"
        "# HOLD: confirm v1 is stopped before starting v2.\n"
        "systemctl enable --now jetmon2 && systemctl is-active --quiet jetmon2\n"
        "\n"
        "## 5. Verify the v2 host after start\n"
        "# Immediate smoke gate: checks startup and recent activity; recent writes can still include v1.\n"
        "./jetmon2 rollout cutover-check --host jetmon-v1-a --bucket-min 0 --bucket-max 4 --since 15m\n"
        "# Strong gate after one full v2 check round:\n"
        "./jetmon2 rollout cutover-check --host jetmon-v1-a --bucket-min 0 --bucket-max 4 --since 15m --require-all\n"
        "\n"
        "## 6. Rehearse the rollback path before the rollback window closes\n"
        "systemctl stop jetmon2 && ! systemctl is-active --quiet jetmon2\n"
        "# HOLD: confirm the v2 process is stopped before restarting v1.\n"
        "./jetmon2 rollout rollback-check --host jetmon-v1-a --bucket-min 0 --bucket-max 4\n"
        "# HOLD: do not restart v1 unless rollback-check passes.\n"
        "# Restart the original v1 service with its original BUCKET_NO_MIN/BUCKET_NO_MAX config.\n"
        "# Do not roll back schema migrations.\n"
        "\n"
        "## 7. Finish this host, then complete fleet-level checks\n"
        "# Host signoff before moving on or before the fleet dynamic cutover:\n"
        "./jetmon2 rollout cutover-check --host jetmon-v1-a --bucket-min 0 --bucket-max 4 --since 15m --require-all\n"
        "# After every host is on v2, remove PINNED_BUCKET_* from every monitor config and restart the fleet:\n"
        "./jetmon2 validate-config\n"
        "./jetmon2 rollout dynamic-check\n"
        "./jetmon2 rollout activity-check --since 15m --require-all\n"
        "./jetmon2 rollout projection-drift --limit 100\n"
        "\n");
}

TEST_CASE("rollout rehearsal plan, fresh server, jetmon-rollout form with every option", "[rollout]") {
  RehearsalPlan plan = base_plan();
  plan.mode = RehearsalMode::fresh_server;
  plan.runtime_host = "jetmon-v2-a";
  plan.binary = "./jetmon-rollout";
  plan.rollout_prefix = "";
  plan.file = "plans/v1 ranges.csv";
  plan.systemd_unit = "/etc/systemd/system/jetmon2.service";
  plan.since = "30m";
  plan.v1_stop_command = "ssh jetmon-v1-a 'sudo systemctl stop jetmon'";
  plan.v1_start_command = "ssh jetmon-v1-a 'sudo systemctl start jetmon'";
  CHECK(rehearsal_plan_text(plan) ==
        "# Jetmon v2 rollout rehearsal plan\n"
        "INFO mode=fresh-server\n"
        "INFO static_plan_file=plans/v1 ranges.csv ranges=2\n"
        "INFO plan_host=\"jetmon-v1-a\" runtime_host=\"jetmon-v2-a\" range=0-4\n"
        "# Run this runbook from the staged v2 runtime host, not from a separate orchestrator host.\n"
        "# Commands run from that runtime host unless the printed command explicitly targets another host.\n"
        "# Shell commands need the same DB_* environment used by the jetmon2 service.\n"
        "# Fresh-server mode requires jetmon-v2-a to have SSH access to old v1 host jetmon-v1-a for any v1 "
        "stop/start commands that use ssh.\n"
        "\n"
        "## 1. Validate the copied static bucket plan\n"
        "./jetmon-rollout static-plan-check --file 'plans/v1 ranges.csv' --host jetmon-v1-a --bucket-min 0 "
        "--bucket-max 4 --bucket-total 10\n"
        "\n"
        "## 2. Validate the staged v2 config with the service environment\n"
        "./jetmon-rollout validate-config\n"
        "\n"
        "## 3. Run the host preflight before stopping v1\n"
        "./jetmon-rollout host-preflight --file 'plans/v1 ranges.csv' --host jetmon-v1-a --runtime-host jetmon-v2-a "
        "--bucket-min 0 --bucket-max 4 --bucket-total 10 --systemd-unit /etc/systemd/system/jetmon2.service\n"
        "\n"
        "## 4. Cut over from the old v1 host to the fresh v2 host\n"
        "# HOLD: keep v2 stopped on the fresh server until the old v1 monitor process is stopped.\n"
        "ssh jetmon-v1-a 'sudo systemctl stop jetmon'\n"
        "# HOLD: confirm v1 on jetmon-v1-a is stopped before starting v2 on jetmon-v2-a.\n"
        "systemctl enable --now jetmon2 && systemctl is-active --quiet jetmon2\n"
        "\n"
        "## 5. Verify the v2 host after start\n"
        "# Immediate smoke gate: checks startup and recent activity; recent writes can still include v1.\n"
        "./jetmon-rollout cutover-check --host jetmon-v2-a --bucket-min 0 --bucket-max 4 --since 30m\n"
        "# Strong gate after one full v2 check round:\n"
        "./jetmon-rollout cutover-check --host jetmon-v2-a --bucket-min 0 --bucket-max 4 --since 30m --require-all\n"
        "\n"
        "## 6. Rehearse the rollback path before the rollback window closes\n"
        "systemctl stop jetmon2 && ! systemctl is-active --quiet jetmon2\n"
        "# HOLD: confirm the v2 process is stopped before restarting v1.\n"
        "./jetmon-rollout rollback-check --host jetmon-v2-a --bucket-min 0 --bucket-max 4\n"
        "# HOLD: do not restart v1 unless rollback-check passes.\n"
        "ssh jetmon-v1-a 'sudo systemctl start jetmon'\n"
        "# Do not roll back schema migrations.\n"
        "\n"
        "## 7. Finish this host, then complete fleet-level checks\n"
        "# Host signoff before moving on or before the fleet dynamic cutover:\n"
        "./jetmon-rollout cutover-check --host jetmon-v2-a --bucket-min 0 --bucket-max 4 --since 30m --require-all\n"
        "# After every host is on v2, remove PINNED_BUCKET_* from every monitor config and restart the fleet:\n"
        "./jetmon-rollout validate-config\n"
        "./jetmon-rollout dynamic-check\n"
        "./jetmon-rollout activity-check --since 30m --require-all\n"
        "./jetmon-rollout projection-drift --limit 100\n"
        "\n");
}

TEST_CASE("rollout rehearsal plan variants: H differs from R in same-server mode, fresh-server default rollback comment",
          "[rollout]") {
  RehearsalPlan plan = base_plan();
  plan.runtime_host = "jetmon-v2-a";
  const std::string same = rehearsal_plan_text(plan);
  CHECK(same.find("# Fresh-server mode requires jetmon-v2-a to have SSH access to old v1 host jetmon-v1-a") !=
        std::string::npos);
  CHECK(same.find("## 4. Cut over the same server from v1 to v2\n") != std::string::npos);
  CHECK(same.find("# HOLD: confirm v1 is stopped before starting v2.\n") != std::string::npos);

  plan.mode = RehearsalMode::fresh_server;
  const std::string fresh = rehearsal_plan_text(plan);
  CHECK(fresh.find("# Restart v1 on jetmon-v1-a with its original BUCKET_NO_MIN/BUCKET_NO_MAX config.\n") !=
        std::string::npos);
  for (const std::string& text : {same, fresh}) {
    CHECK(text.find("rollout pinned-check") == std::string::npos);
    CHECK(text.find("systemd-analyze verify") == std::string::npos);
  }
}

TEST_CASE("rollout rehearsal shell quoting", "[rollout]") {
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("A-z_0.9/:=+,@") == "A-z_0.9/:=+,@");
  CHECK(shell_quote("a b") == "'a b'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("$HOME") == "'$HOME'");
}

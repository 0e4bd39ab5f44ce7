#pragma once

#include "jetmon/rollout/cli.hpp"

// The runners of the database gates (rollout.md §1.3–§1.10): each opens the session, resolves
// its range and options, and calls the library checks in the spec's order. cli.cpp's table
// points at them.
namespace jetmon::rollout {

int run_host_preflight(Run& run);
int run_pinned_check(Run& run);
int run_cutover_check(Run& run);
int run_rollback_check(Run& run);
int run_dynamic_check(Run& run);
int run_activity_check(Run& run);
int run_projection_drift(Run& run);
int run_state_report(Run& run);

}  // namespace jetmon::rollout

#pragma once

#include <chrono>
#include <span>

#include "jetmon/check/check.hpp"
#include "jetmon/incident/tracker.hpp"
#include "jetmon/metrics/statsd.hpp"

// The detection.* and verifier.* StatsD metrics of monitor.md §9.1, from what the incident
// tracker reports. Durations in detection.*.time are measured from first_fail_at.
namespace jetmon::service {

// For every local result: detection.failure.<class>.count when it failed.
void emit_result_metrics(metrics::Sink& sink, const check::CheckResult& result);

// For what a tracker step did (on_result or on_veriflier_votes).
void emit_outcome_metrics(metrics::Sink& sink, const incident::Outcome& outcome,
                          std::chrono::system_clock::time_point now);

// Per Veriflier answer: verifier.rpc.duration, .rpc.error/.rpc.success, .vote.confirm_down/
// .vote.disagree, each also as verifier.host.<seg>.<suffix>.
struct VeriflierCall {
  std::string address;  // host:port as configured
  bool replied = false;
  bool site_up = false;  // the Veriflier's own check succeeded
  std::chrono::milliseconds duration{0};
};
void emit_veriflier_metrics(metrics::Sink& sink, std::span<const VeriflierCall> calls);

}  // namespace jetmon::service

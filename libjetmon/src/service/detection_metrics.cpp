#include "jetmon/service/detection_metrics.hpp"

#include <string>

namespace jetmon::service {
namespace {

std::string named(std::string_view base, std::string_view class_name) {
  return std::string(base) + "." + std::string(class_name) + ".count";
}

}  // namespace

void emit_result_metrics(metrics::Sink& sink, const check::CheckResult& result) {
  if (!result.is_failure()) return;
  sink.increment(named("detection.failure", metrics::class_segment(result.failure_class)));
}

void emit_outcome_metrics(metrics::Sink& sink, const incident::Outcome& o,
                          std::chrono::system_clock::time_point now) {
  using incident::Step;
  const std::string_view cls =
      o.failure_class ? metrics::class_segment(*o.failure_class) : std::string_view("intermittent");
  const auto since_first_fail = [&](std::string_view name) {
    if (o.first_fail_at) sink.timing_since(name, *o.first_fail_at, now);
  };
  if (o.event_obtained) {
    sink.increment("detection.seems_down.open.count");
    sink.increment(named("detection.seems_down.open", cls));
    since_first_fail("detection.first_failure_to_seems_down.time");
  }
  if (o.escalated) {
    sink.increment("detection.verifier.escalation.count");
    since_first_fail("detection.first_failure_to_verification.time");
  }
  if (o.confirm_reason == incident::ConfirmReason::no_verifliers_configured) {
    sink.increment("detection.verifier.no_clients.count");
  }
  if (o.quorum) {
    sink.gauge("detection.verifier.healthy.count", o.quorum->healthy);
    sink.gauge("detection.verifier.confirmations.count", o.quorum->confirmations);
    sink.gauge("detection.verifier.quorum.count", o.quorum->quorum);
    if (o.quorum->confirmed()) sink.increment("detection.verifier.quorum_met.count");
  }
  switch (o.step) {
    case Step::false_alarm:
      sink.increment("detection.verifier.false_alarm.count");
      sink.increment(named("detection.verifier.false_alarm", cls));
      since_first_fail("detection.seems_down_to_false_alarm.time");
      break;
    case Step::confirmed_down:
      sink.increment("detection.down.confirmed.count");
      sink.increment(named("detection.down.confirmed", cls));
      since_first_fail("detection.seems_down_to_down.time");
      break;
    case Step::recovered:
      if (o.had_retry_state && o.closed_from_state == "Seems Down") {
        sink.increment("detection.probe_cleared.count");
        sink.increment(named("detection.probe_cleared", cls));
        since_first_fail("detection.seems_down_to_probe_cleared.time");
      }
      break;
    default: break;
  }
}

void emit_veriflier_metrics(metrics::Sink& sink, std::span<const VeriflierCall> calls) {
  for (const VeriflierCall& call : calls) {
    const std::string host = "verifier.host." + metrics::veriflier_segment(call.address) + ".";
    for (const std::string& prefix : {std::string("verifier."), host}) {
      sink.timing(prefix + "rpc.duration", call.duration);
      if (!call.replied) {
        sink.increment(prefix + "rpc.error.count");
        continue;
      }
      sink.increment(prefix + "rpc.success.count");
      sink.increment(prefix + (call.site_up ? "vote.disagree.count" : "vote.confirm_down.count"));
    }
  }
}

}  // namespace jetmon::service

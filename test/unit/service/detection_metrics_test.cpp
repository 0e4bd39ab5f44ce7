#include <catch2/catch.hpp>

#include "jetmon/service/detection_metrics.hpp"

using namespace jetmon;
using incident::Outcome;
using incident::Step;
using Clock = std::chrono::system_clock;

namespace {
const Clock::time_point kNow = Clock::time_point(std::chrono::seconds(1'800'000'000));
}

TEST_CASE("service: detection metrics follow the steps of monitor.md 9.1") {
  struct Row {
    const char* name;
    Outcome outcome;
    std::vector<std::string> expected;
  };
  Outcome opened;
  opened.step = Step::retry_scheduled;
  opened.event_obtained = true;
  opened.failure_class = check::FailureClass::server;
  opened.first_fail_at = kNow - std::chrono::seconds(2);

  Outcome confirmed_alone;
  confirmed_alone.step = Step::confirmed_down;
  confirmed_alone.escalated = true;
  confirmed_alone.confirm_reason = incident::ConfirmReason::no_verifliers_configured;
  confirmed_alone.failure_class = check::FailureClass::https;
  confirmed_alone.first_fail_at = kNow - std::chrono::seconds(60);

  Outcome false_alarm;
  false_alarm.step = Step::false_alarm;
  false_alarm.failure_class = check::FailureClass::blocked;
  false_alarm.first_fail_at = kNow - std::chrono::seconds(90);
  false_alarm.quorum = incident::QuorumDecision{2, 0, 2, 1, 2, incident::QuorumVerdict::disagreed};

  Outcome cleared;
  cleared.step = Step::recovered;
  cleared.had_retry_state = true;
  cleared.closed_from_state = "Seems Down";
  cleared.failure_class = check::FailureClass::client;
  cleared.first_fail_at = kNow - std::chrono::seconds(5);

  Outcome cleared_from_down = cleared;
  cleared_from_down.closed_from_state = "Down";

  auto row = GENERATE_COPY(values<Row>({
      {"first failure opens Seems Down", opened,
       {"detection.seems_down.open.count:1|c", "detection.seems_down.open.server.count:1|c",
        "detection.first_failure_to_seems_down.time:2000|ms"}},
      {"confirm without Verifliers", confirmed_alone,
       {"detection.verifier.escalation.count:1|c", "detection.first_failure_to_verification.time:60000|ms",
        "detection.verifier.no_clients.count:1|c", "detection.down.confirmed.count:1|c",
        "detection.down.confirmed.https.count:1|c", "detection.seems_down_to_down.time:60000|ms"}},
      {"false alarm after votes", false_alarm,
       {"detection.verifier.healthy.count:2|g", "detection.verifier.confirmations.count:0|g",
        "detection.verifier.quorum.count:2|g", "detection.verifier.false_alarm.count:1|c",
        "detection.verifier.false_alarm.blocked.count:1|c", "detection.seems_down_to_false_alarm.time:90000|ms"}},
      {"probe cleared from Seems Down", cleared,
       {"detection.probe_cleared.count:1|c", "detection.probe_cleared.client.count:1|c",
        "detection.seems_down_to_probe_cleared.time:5000|ms"}},
      {"recovery from Down is not a probe clear", cleared_from_down, {}},
  }));
  INFO(row.name);
  metrics::RecordingSink sink;
  service::emit_outcome_metrics(sink, row.outcome, kNow);
  CHECK(sink.lines() == row.expected);
}

TEST_CASE("service: Veriflier call metrics are repeated per host segment") {
  metrics::RecordingSink sink;
  const std::vector<service::VeriflierCall> calls{{"Veriflier:7803", true, false, std::chrono::milliseconds(12)},
                                                  {"10.0.0.2:7803", false, false, std::chrono::milliseconds(5000)}};
  service::emit_veriflier_metrics(sink, calls);
  CHECK(sink.lines() == std::vector<std::string>{
                            "verifier.rpc.duration:12|ms", "verifier.rpc.success.count:1|c",
                            "verifier.vote.confirm_down.count:1|c",
                            "verifier.host.veriflier_7803.rpc.duration:12|ms",
                            "verifier.host.veriflier_7803.rpc.success.count:1|c",
                            "verifier.host.veriflier_7803.vote.confirm_down.count:1|c",
                            "verifier.rpc.duration:5000|ms", "verifier.rpc.error.count:1|c",
                            "verifier.host.10_0_0_2_7803.rpc.duration:5000|ms",
                            "verifier.host.10_0_0_2_7803.rpc.error.count:1|c"});
}

TEST_CASE("service: failing results count per class") {
  metrics::RecordingSink sink;
  check::CheckResult ok;
  ok.success = true;
  check::CheckResult failed;
  failed.failure_class = check::FailureClass::server;
  failed.http_code = 500;
  service::emit_result_metrics(sink, ok);
  service::emit_result_metrics(sink, failed);
  CHECK(sink.lines() == std::vector<std::string>{"detection.failure.server.count:1|c"});
}

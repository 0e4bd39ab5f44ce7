#include "jetmon/incident/escalation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <random>

namespace jetmon::incident {

LocalCheck LocalCheck::from(const check::CheckResult& result) {
  LocalCheck local;
  local.started_at = result.started_at;
  local.success = result.success;
  local.http_code = result.http_code;
  local.error_code = result.error_code;
  local.rtt_ms = result.rtt_ms;
  local.failure_class = result.failure_class;
  return local;
}

EscalationSettings EscalationSettings::from(const config::Config& config) {
  EscalationSettings s;
  s.num_of_checks = config.num_of_checks;
  s.time_between_checks = std::chrono::seconds(config.time_between_checks_sec);
  s.verifier_count = config.verifiers.size();
  s.peer_offline_limit = config.peer_offline_limit;
  s.alert_cooldown_minutes = config.alert_cooldown_minutes;
  s.projection_enabled = config.legacy_status_projection_enable;
  return s;
}

FailureDecision decide_failure(const std::optional<RetryState>& before, const LocalCheck& failure,
                               TimePoint now, const EscalationSettings& settings) {
  FailureDecision d;
  if (before && before->phase == RetryPhase::awaiting_verifliers) {
    // The escalation already carries the failure it was made for; the votes decide.
    d.step = FailureStep::awaiting_votes;
    d.state = *before;
    d.state.last_activity = now;
    return d;
  }

  RetryState& s = d.state;
  if (before) {
    s = *before;
  } else {
    s.first_fail_at = now;
  }
  s.fail_count += 1;
  s.last_failure = failure;
  s.last_activity = now;
  s.next_retry_at.reset();
  s.request_id.clear();
  s.phase = RetryPhase::retrying;
  d.open_event = !s.event_id.has_value();

  if (s.fail_count < settings.num_of_checks) {
    d.step = FailureStep::retry_later;
    s.next_retry_at = now + std::max(settings.time_between_checks, std::chrono::seconds{0});
  } else if (settings.verifier_count == 0) {
    d.step = FailureStep::confirm_down;
  } else {
    d.step = FailureStep::escalate;
    s.phase = RetryPhase::awaiting_verifliers;
  }
  return d;
}

QuorumDecision decide_quorum(std::span<const VeriflierVote> votes, int peer_offline_limit) {
  QuorumDecision q;
  for (const auto& vote : votes) {
    if (!vote.replied) {
      ++q.errors;
    } else if (vote.success) {
      ++q.healthy;
      ++q.disagreements;
    } else {
      ++q.healthy;
      ++q.confirmations;
    }
  }
  q.quorum = std::max(1, std::min(peer_offline_limit, q.healthy));
  if (q.confirmations >= q.quorum) {
    q.verdict = QuorumVerdict::confirmed;
  } else if (q.healthy == 0) {
    q.verdict = QuorumVerdict::no_healthy_replies;
  } else {
    q.verdict = QuorumVerdict::disagreed;
  }
  return q;
}

bool in_maintenance(const std::optional<TimePoint>& start, const std::optional<TimePoint>& end,
                    TimePoint now) {
  return start && end && *start < now && now < *end;
}

int effective_cooldown_minutes(std::optional<int> site_minutes, int global_minutes) {
  return site_minutes ? *site_minutes : global_minutes;
}

bool in_cooldown(std::optional<int> site_minutes, int global_minutes,
                 const std::optional<TimePoint>& last_alert_sent_at, TimePoint now) {
  const int minutes = effective_cooldown_minutes(site_minutes, global_minutes);
  if (minutes <= 0 || !last_alert_sent_at) return false;
  return now - *last_alert_sent_at < std::chrono::minutes(minutes);
}

NoticeGate notice_gate(const SiteSnapshot& site, TimePoint now, int global_cooldown_minutes) {
  if (in_maintenance(site.maintenance_start, site.maintenance_end, now)) return NoticeGate::maintenance;
  if (in_cooldown(site.alert_cooldown_minutes, global_cooldown_minutes, site.last_alert_sent_at, now))
    return NoticeGate::cooldown;
  return NoticeGate::send;
}

RecoveryStep decide_recovery(bool has_retry_state, bool has_open_event) {
  if (has_open_event) return RecoveryStep::close_event;
  return has_retry_state ? RecoveryStep::clear_retry_state : RecoveryStep::nothing;
}

std::string new_request_id() {
  try {
    std::random_device device;
    std::array<unsigned char, 16> bytes{};
    for (auto& b : bytes) b = static_cast<unsigned char>(device() & 0xFF);
    std::string id;
    id.reserve(32);
    for (unsigned char b : bytes) id += fmt::format("{:02x}", b);
    return id;
  } catch (const std::exception&) {
    const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    return fmt::format("ts-{}", nanos.count());
  }
}

}  // namespace jetmon::incident

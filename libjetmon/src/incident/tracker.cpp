#include "jetmon/incident/tracker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <unordered_set>
#include <utility>

#include "incident/audit_metadata.hpp"
#include "jetmon/common/log.hpp"
#include "jetmon/incident/audit.hpp"

namespace jetmon::incident {

namespace {

CheckMetadata check_metadata(const SiteSnapshot& site, const LocalCheck& failure) {
  return {failure.http_code, static_cast<int>(failure.error_code), failure.rtt_ms, site.monitor_url};
}

OpenRequest seems_down_request(const SiteSnapshot& site, const LocalCheck& failure) {
  return {site.blog_id, check_types::http, severities::seems_down, states::seems_down,
          check_metadata(site, failure)};
}

WpcomCheck local_entry(const std::string& hostname, const LocalCheck& local) {
  return {hostname, local.success, local.rtt_ms, local.http_code};
}

std::int64_t clamp_to_int32(std::int64_t value) {
  return std::clamp<std::int64_t>(value, std::numeric_limits<std::int32_t>::min(),
                                  std::numeric_limits<std::int32_t>::max());
}

}  // namespace

std::string_view step_name(Step step) {
  switch (step) {
    case Step::none: return "none";
    case Step::retry_scheduled: return "retry_scheduled";
    case Step::escalated: return "escalated";
    case Step::awaiting_votes: return "awaiting_votes";
    case Step::confirmed_down: return "confirmed_down";
    case Step::false_alarm: return "false_alarm";
    case Step::recovered: return "recovered";
    case Step::retry_state_cleared: return "retry_state_cleared";
    case Step::stale_votes: return "stale_votes";
    case Step::untracked: return "untracked";
  }
  return "unknown";
}

IncidentTracker::IncidentTracker(TrackerOptions options)
    : hostname_(options.hostname.empty() ? std::string(kLocalSource) : std::move(options.hostname)),
      settings_(options.settings),
      request_ids_(options.request_ids ? std::move(options.request_ids) : new_request_id),
      store_(hostname_),
      retries_(options.retry_capacity) {}

void IncidentTracker::update_settings(const EscalationSettings& settings) {
  std::lock_guard lock(mutex_);
  settings_ = settings;
}

EscalationSettings IncidentTracker::settings() const {
  std::lock_guard lock(mutex_);
  return settings_;
}

std::size_t IncidentTracker::expire_idle(TimePoint now, std::chrono::seconds max_idle) {
  return retries_.expire_idle(now, max_idle);
}

void IncidentTracker::note_error(Outcome& out, std::string_view what, const std::exception& error) const {
  log::warn("incident: blog_id={} {}: {}", out.blog_id, what, error.what());
  out.errors.push_back(fmt::format("{}: {}", what, error.what()));
}

void IncidentTracker::warn_untracked(std::uint64_t blog_id, TimePoint now) {
  ++untracked_since_warning_;
  if (now - last_full_warning_ < std::chrono::minutes(1)) return;
  log::warn("incident: retry table full ({} entries): {} failing site(s) not tracked since the last"
            " warning, latest blog_id={}; their events are open but escalation waits for room",
            retries_.capacity(), untracked_since_warning_, blog_id);
  last_full_warning_ = now;
  untracked_since_warning_ = 0;
}

Outcome IncidentTracker::on_result(db::Connection& connection, const SiteSnapshot& site,
                                   const check::CheckResult& result, TimePoint now) {
  std::lock_guard lock(mutex_);
  if (result.cancelled) {  // the engine gave up on it: no verdict about the site
    Outcome out;
    out.blog_id = site.blog_id;
    return out;
  }
  const LocalCheck local = LocalCheck::from(result);
  if (!local.is_failure()) return handle_recovery(connection, site, local, now);
  return handle_failure(connection, site, local, decide_failure(retries_.get(site.blog_id), local, now, settings_),
                        now);
}

Outcome IncidentTracker::handle_failure(db::Connection& connection, const SiteSnapshot& site,
                                        const LocalCheck& failure, FailureDecision decision, TimePoint now) {
  RetryState& state = decision.state;
  Outcome out = failure_outcome(site.blog_id, state);

  if (decision.step == FailureStep::awaiting_votes) {
    retries_.put(site.blog_id, state);
    out.step = Step::awaiting_votes;
    return out;
  }

  if (decision.open_event) {
    try {
      EventTransaction tx(store_, connection);
      const OpenResult opened = tx.open(seems_down_request(site, failure));
      if (opened.created && settings_.projection_enabled) tx.project(site.blog_id, SiteStatus::down, now);
      tx.commit();
      record_open(opened, state, out);
    } catch (const std::exception& e) {
      note_error(out, "open http event (retried on the next failure)", e);
    }
  }

  switch (decision.step) {
    case FailureStep::retry_later: {
      if (auto audit = schedule_retry(site, failure, state, now, out)) write_audit(connection, *audit);
      return out;
    }
    case FailureStep::escalate: {
      out.escalated = true;
      state.request_id = request_ids_();
      if (!retries_.put(site.blog_id, state)) {
        out.step = Step::untracked;
        warn_untracked(site.blog_id, now);
        return out;
      }
      write_audit(connection, {site.blog_id, state.event_id.value_or(0),
                               std::string(audit_events::veriflier_sent), hostname_,
                               fmt::format("escalating to {} verifliers", settings_.verifier_count),
                               escalation_metadata(settings_.verifier_count, state.request_id)});
      out.step = Step::escalated;
      out.action = EscalateToVerifliers{state.request_id, settings_.verifier_count, state.last_failure};
      return out;
    }
    case FailureStep::confirm_down:
      out.escalated = true;
      confirm_down(connection, site, state, {}, ConfirmReason::no_verifliers_configured, now, out);
      return out;
    case FailureStep::awaiting_votes:
      break;
  }
  return out;
}

Outcome IncidentTracker::failure_outcome(std::uint64_t blog_id, const RetryState& state) {
  Outcome out;
  out.blog_id = blog_id;
  out.fail_count = state.fail_count;
  out.failure_class = state.last_failure.failure_class;
  out.first_fail_at = state.first_fail_at;
  out.event_id = state.event_id;
  return out;
}

void IncidentTracker::record_open(const OpenResult& opened, RetryState& state, Outcome& out) {
  state.event_id = opened.event.id;
  out.event_id = opened.event.id;
  out.event_obtained = true;
  out.event_created = opened.created;
}

std::optional<AuditEntry> IncidentTracker::schedule_retry(const SiteSnapshot& site, const LocalCheck& failure,
                                                          const RetryState& state, TimePoint now, Outcome& out) {
  if (!retries_.put(site.blog_id, state)) {
    out.step = Step::untracked;
    warn_untracked(site.blog_id, now);
    return std::nullopt;
  }
  out.step = Step::retry_scheduled;
  out.action = ScheduleRetry{*state.next_retry_at, state.fail_count, settings_.num_of_checks};
  return AuditEntry{site.blog_id, state.event_id.value_or(0), std::string(audit_events::retry_dispatched),
                    hostname_, fmt::format("retry {} of {}", state.fail_count, settings_.num_of_checks),
                    retry_dispatched_metadata(failure, state.fail_count, settings_.num_of_checks,
                                              state.event_id)};
}

std::vector<Outcome> IncidentTracker::on_results(db::Connection& connection,
                                                 std::span<const SiteResult> results, TimePoint now) {
  std::lock_guard lock(mutex_);
  std::vector<Outcome> outcomes(results.size());
  std::vector<FirstFailure> first_failures;
  std::vector<Recovery> recoveries;
  std::unordered_set<std::uint64_t> pending_blogs;
  const auto open_pending = [&] {
    open_first_failures(connection, results, first_failures, now, outcomes);
    close_recoveries(connection, results, recoveries, now, outcomes);
    first_failures.clear();
    recoveries.clear();
    pending_blogs.clear();
  };
  for (std::size_t i = 0; i < results.size(); ++i) {
    const SiteSnapshot& site = results[i].site;
    const check::CheckResult& result = results[i].result;
    if (result.cancelled) {  // as on_result: no verdict about the site
      outcomes[i].blog_id = site.blog_id;
      continue;
    }
    if (pending_blogs.contains(site.blog_id)) open_pending();  // one site's steps stay in order
    const LocalCheck local = LocalCheck::from(result);
    if (!local.is_failure()) {
      // Recoveries whose open event is known without a lookup: from the retry state (a blip
      // recovering from Seems Down) or, without retry state, from the fetch (a confirmed Down
      // coming back). close_all_recovered checks that each is still open; anything else needs
      // lookups first and goes one by one.
      auto state = retries_.get(site.blog_id);
      std::optional<std::uint64_t> event_id =
          state ? state->event_id : (site.open_http_event_known ? site.open_http_event_id : std::nullopt);
      if (event_id) {
        pending_blogs.insert(site.blog_id);
        recoveries.push_back({i, local, *event_id, std::move(state)});
        continue;
      }
      outcomes[i] = handle_recovery(connection, site, local, now);
      continue;
    }
    FailureDecision decision = decide_failure(retries_.get(site.blog_id), local, now, settings_);
    if (decision.open_event && decision.step == FailureStep::retry_later) {
      pending_blogs.insert(site.blog_id);
      first_failures.push_back({i, local, std::move(decision)});
      continue;
    }
    outcomes[i] = handle_failure(connection, site, local, std::move(decision), now);
  }
  open_pending();
  return outcomes;
}

void IncidentTracker::open_first_failures(db::Connection& connection, std::span<const SiteResult> results,
                                          std::span<FirstFailure> failures, TimePoint now,
                                          std::vector<Outcome>& outcomes) {
  const auto one_by_one = [&] {
    for (const FirstFailure& f : failures) {
      outcomes[f.index] = handle_failure(connection, results[f.index].site, f.failure, f.decision, now);
    }
  };
  if (failures.size() < 2) return one_by_one();  // the single path's statements stay prepared

  std::vector<OpenRequest> requests;
  requests.reserve(failures.size());
  for (const FirstFailure& f : failures) requests.push_back(seems_down_request(results[f.index].site, f.failure));
  std::vector<OpenResult> opened;
  try {
    EventTransaction tx(store_, connection);
    opened = tx.open_all(requests);
    if (settings_.projection_enabled) {
      std::vector<std::uint64_t> created;
      for (const OpenResult& o : opened) {
        if (o.created) created.push_back(o.event.blog_id);
      }
      tx.project_all(created, SiteStatus::down, now);
    }
    tx.commit();
  } catch (const std::exception& e) {
    log::warn("incident: opening {} events together failed ({}); opening them one by one", failures.size(),
              e.what());
    return one_by_one();
  }

  std::vector<AuditEntry> audits;
  audits.reserve(failures.size());
  for (std::size_t k = 0; k < failures.size(); ++k) {
    FirstFailure& f = failures[k];
    const SiteSnapshot& site = results[f.index].site;
    RetryState& state = f.decision.state;
    Outcome& out = outcomes[f.index];
    out = failure_outcome(site.blog_id, state);
    record_open(opened[k], state, out);
    if (auto audit = schedule_retry(site, f.failure, state, now, out)) audits.push_back(std::move(*audit));
  }
  write_audits(connection, audits);
}

Outcome IncidentTracker::on_veriflier_votes(db::Connection& connection, const SiteSnapshot& site,
                                            std::string_view request_id,
                                            std::span<const VeriflierVote> votes, TimePoint now) {
  std::lock_guard lock(mutex_);
  Outcome out;
  out.blog_id = site.blog_id;
  const auto state = retries_.get(site.blog_id);
  if (!state || state->phase != RetryPhase::awaiting_verifliers || state->request_id != request_id) {
    log::debug("incident: blog_id={} votes for request {} are no longer awaited", site.blog_id, request_id);
    out.step = Step::stale_votes;
    return out;
  }
  out.fail_count = state->fail_count;
  out.failure_class = state->last_failure.failure_class;
  out.first_fail_at = state->first_fail_at;
  out.event_id = state->event_id;

  std::vector<VeriflierVote> replies;
  for (const auto& vote : votes) {
    if (!vote.replied) continue;
    write_audit(connection, {site.blog_id, state->event_id.value_or(0),
                             std::string(audit_events::veriflier_sent), vote.address, "veriflier reply",
                             veriflier_reply_metadata(vote, request_id)});
    replies.push_back(vote);
  }

  const QuorumDecision quorum = decide_quorum(votes, settings_.peer_offline_limit);
  out.quorum = quorum;
  if (quorum.confirmed()) {
    confirm_down(connection, site, *state, replies, ConfirmReason::quorum_met, now, out);
  } else {
    if (quorum.verdict == QuorumVerdict::no_healthy_replies) {
      log::warn("incident: blog_id={} no Veriflier answered ({} errors); treated as a false alarm",
                site.blog_id, quorum.errors);
    }
    false_alarm(connection, site, *state, quorum, now, out);
  }
  return out;
}

void IncidentTracker::confirm_down(db::Connection& connection, const SiteSnapshot& site,
                                   const RetryState& state, const std::vector<VeriflierVote>& replies,
                                   ConfirmReason reason, TimePoint now, Outcome& out) {
  out.step = Step::confirmed_down;
  out.confirm_reason = reason;

  VerifierConfirmedMetadata metadata;
  for (const auto& r : replies) metadata.verifier_results.push_back({r.host, r.success, r.http_code, r.rtt_ms});
  metadata.verifier_confirmed = static_cast<int>(replies.size());
  try {
    // Opening first makes sure there is an open event to promote even when the first failure
    // could not open one or it was closed meanwhile; normally it returns the known event untouched.
    EventTransaction tx(store_, connection);
    const OpenResult opened = tx.open(seems_down_request(site, state.last_failure));
    tx.promote(opened.event.id, severities::down, states::down, reasons::verifier_confirmed, metadata);
    if (settings_.projection_enabled) tx.project(site.blog_id, SiteStatus::confirmed_down, now);
    tx.commit();
    out.event_id = opened.event.id;
    out.event_created = out.event_created || opened.created;
  } catch (const std::exception& e) {
    note_error(out, "promote to Down", e);
    if (settings_.projection_enabled) {
      try {
        store_.project(connection, site.blog_id, SiteStatus::confirmed_down, now);
      } catch (const std::exception& e2) {
        note_error(out, "project site_status=2", e2);
      }
    }
  }

  const NoticeGate gate = notice_gate(site, now, settings_.alert_cooldown_minutes);
  out.notice_gate = gate;
  const std::uint64_t event_id = out.event_id.value_or(0);
  switch (gate) {
    case NoticeGate::maintenance:
      write_audit(connection, {site.blog_id, event_id, std::string(audit_events::maintenance_active),
                               std::string(kLocalSource), "downtime suppressed during maintenance", ""});
      break;
    case NoticeGate::cooldown:
      write_audit(connection, {site.blog_id, event_id, std::string(audit_events::alert_suppressed),
                               std::string(kLocalSource), "cooldown active", ""});
      break;
    case NoticeGate::send: {
      NotifyWpcom notice;
      notice.blog_id = site.blog_id;
      notice.monitor_url = site.monitor_url;
      notice.status_id = 2;
      notice.status_type = std::string(check::failure_class_name(state.last_failure.failure_class));
      notice.last_check = state.last_failure.started_at;
      notice.last_status_change = now;
      notice.local = local_entry(hostname_, state.last_failure);
      for (const auto& r : replies) notice.verifliers.push_back({r.host, r.success, r.rtt_ms, r.http_code});
      out.action = std::move(notice);
      break;
    }
  }
  retries_.erase(site.blog_id);
}

void IncidentTracker::false_alarm(db::Connection& connection, const SiteSnapshot& site,
                                  const RetryState& state, const QuorumDecision& quorum, TimePoint now,
                                  Outcome& out) {
  out.step = Step::false_alarm;
  try {
    connection.exec(
        "INSERT INTO jetmon_false_positives (blog_id, http_code, error_code, rtt_ms) VALUES (?, ?, ?, ?)",
        {site.blog_id, state.last_failure.http_code, static_cast<int>(state.last_failure.error_code),
         clamp_to_int32(state.last_failure.rtt_ms)});
  } catch (const std::exception& e) {
    note_error(out, "record false positive", e);
  }

  if (const auto event_id = open_http_event(connection, site.blog_id, state.event_id, out)) {
    try {
      EventTransaction tx(store_, connection);
      const ChangeResult closed =
          tx.close(*event_id, reasons::false_alarm,
                   FalseAlarmMetadata{quorum.quorum, quorum.healthy, quorum.disagreements,
                                      quorum.confirmations});
      if (settings_.projection_enabled) tx.project(site.blog_id, SiteStatus::running, now);
      tx.commit();
      out.event_id = *event_id;
      out.closed_from_state = closed.state_before;
    } catch (const std::exception& e) {
      note_error(out, "close false alarm", e);
    }
  }
  retries_.erase(site.blog_id);
}

std::optional<std::uint64_t> IncidentTracker::open_http_event(db::Connection& connection,
                                                             std::uint64_t blog_id,
                                                             std::optional<std::uint64_t> known,
                                                             Outcome& out) {
  try {
    if (known) {
      if (auto event = store_.find(connection, *known); event && event->is_open()) return event->id;
    }
    if (auto active = store_.find_active(connection, blog_id, check_types::http)) return active->id;
  } catch (const std::exception& e) {
    note_error(out, "look up the open http event", e);
  }
  return std::nullopt;
}

Outcome IncidentTracker::handle_recovery(db::Connection& connection, const SiteSnapshot& site,
                                         const LocalCheck& local, TimePoint now) {
  Outcome out;
  out.blog_id = site.blog_id;
  const auto state = retries_.get(site.blog_id);
  out.had_retry_state = state.has_value();
  if (state) {
    out.fail_count = state->fail_count;
    out.failure_class = state->last_failure.failure_class;
    out.first_fail_at = state->first_fail_at;
  }

  // Decision 4: which event is open comes from the retry state, else from what the fetch knew,
  // else from the events table; the fetched site_status plays no part.
  std::optional<std::uint64_t> event_id;
  if (state && state->event_id) {
    event_id = open_http_event(connection, site.blog_id, state->event_id, out);
  } else if (site.open_http_event_known) {
    event_id = site.open_http_event_id;
  } else {
    event_id = open_http_event(connection, site.blog_id, std::nullopt, out);
  }

  switch (decide_recovery(state.has_value(), event_id.has_value())) {
    case RecoveryStep::nothing:
      return out;
    case RecoveryStep::clear_retry_state:
      retries_.erase(site.blog_id);
      out.step = Step::retry_state_cleared;
      return out;
    case RecoveryStep::close_event:
      break;
  }

  retries_.erase(site.blog_id);
  try {
    EventTransaction tx(store_, connection);
    const ChangeResult closed = tx.close_recovered(*event_id);
    if (settings_.projection_enabled) tx.project(site.blog_id, SiteStatus::running, now);
    tx.commit();
    out.event_id = *event_id;
    out.closed_from_state = closed.state_before;
  } catch (const std::exception& e) {
    // Nothing was closed, so nothing is announced; the next healthy result tries again.
    note_error(out, "close recovered event", e);
    out.step = state ? Step::retry_state_cleared : Step::none;
    return out;
  }
  if (auto audit = recovery_notice(site, local, *event_id, now, out)) write_audit(connection, *audit);
  return out;
}

std::optional<AuditEntry> IncidentTracker::recovery_notice(const SiteSnapshot& site, const LocalCheck& local,
                                                           std::uint64_t event_id, TimePoint now, Outcome& out) {
  out.step = Step::recovered;
  const NoticeGate gate = notice_gate(site, now, settings_.alert_cooldown_minutes);
  out.notice_gate = gate;
  switch (gate) {
    case NoticeGate::maintenance:
      return AuditEntry{site.blog_id, event_id, std::string(audit_events::maintenance_active),
                        std::string(kLocalSource), "recovery suppressed during maintenance", ""};
    case NoticeGate::cooldown:  // §5.4: silently, no audit row
      return std::nullopt;
    case NoticeGate::send: {
      NotifyWpcom notice;
      notice.blog_id = site.blog_id;
      notice.monitor_url = site.monitor_url;
      notice.status_id = 1;
      notice.status_type = "success";
      notice.last_check = local.started_at;
      notice.last_status_change = now;
      notice.local = local_entry(hostname_, local);
      out.action = std::move(notice);
      return std::nullopt;
    }
  }
  return std::nullopt;
}

void IncidentTracker::close_recoveries(db::Connection& connection, std::span<const SiteResult> results,
                                       std::span<const Recovery> recoveries, TimePoint now,
                                       std::vector<Outcome>& outcomes) {
  const auto one_by_one = [&] {
    for (const Recovery& r : recoveries) {
      outcomes[r.index] = handle_recovery(connection, results[r.index].site, r.local, now);
    }
  };
  if (recoveries.size() < 2) return one_by_one();

  std::vector<std::uint64_t> event_ids;
  std::vector<std::uint64_t> blog_ids;
  for (const Recovery& r : recoveries) {
    event_ids.push_back(r.event_id);
    blog_ids.push_back(results[r.index].site.blog_id);
  }
  std::vector<ChangeResult> closed;
  try {
    EventTransaction tx(store_, connection);
    closed = tx.close_all_recovered(event_ids);
    if (settings_.projection_enabled) tx.project_all(blog_ids, SiteStatus::running, now);
    tx.commit();
  } catch (const std::exception& e) {
    log::warn("incident: closing {} recovered events together failed ({}); closing them one by one",
              recoveries.size(), e.what());
    return one_by_one();
  }

  std::vector<AuditEntry> audits;
  for (std::size_t k = 0; k < recoveries.size(); ++k) {
    const SiteSnapshot& site = results[recoveries[k].index].site;
    Outcome& out = outcomes[recoveries[k].index];
    out = Outcome{};
    out.blog_id = site.blog_id;
    if (const auto& state = recoveries[k].state) {
      out.had_retry_state = true;
      out.fail_count = state->fail_count;
      out.failure_class = state->last_failure.failure_class;
      out.first_fail_at = state->first_fail_at;
      retries_.erase(site.blog_id);
    }
    out.event_id = event_ids[k];
    out.closed_from_state = closed[k].state_before;
    if (auto audit = recovery_notice(site, recoveries[k].local, event_ids[k], now, out)) audits.push_back(std::move(*audit));
  }
  write_audits(connection, audits);
}

}  // namespace jetmon::incident

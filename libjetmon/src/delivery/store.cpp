#include "jetmon/delivery/store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <optional>

#include "jetmon/common/log.hpp"
#include "jetmon/db/error.hpp"

namespace jetmon::delivery {
namespace {

// The only differences between the two families' tables.
struct Tables {
  std::string_view deliveries;
  std::string_view progress;
  std::string_view subscriber_column;
  std::string_view subscriber_word;  // for log lines
};

const Tables& tables(Family family) {
  static const Tables webhook{"jetmon_webhook_deliveries", "jetmon_webhook_dispatch_progress",
                              "webhook_id", "webhook"};
  static const Tables alert{"jetmon_alert_deliveries", "jetmon_alert_dispatch_progress",
                            "alert_contact_id", "alert contact"};
  return family == Family::webhook ? webhook : alert;
}

int severity_value(const db::Row& row, std::string_view column) {
  const auto v = row.get_int64(column);
  return v ? static_cast<int>(*v) : 0;  // NULL severity = 0
}

Transition transition_of(const db::Row& row) {
  Transition t;
  t.id = row.get_uint64("id").value_or(0);
  t.event_id = row.get_uint64("event_id").value_or(0);
  t.blog_id = row.get_uint64("blog_id").value_or(0);
  t.severity_before = severity_value(row, "severity_before");
  t.severity_after = severity_value(row, "severity_after");
  t.state_after = row.get_string("state_after").value_or("");
  t.reason = row.get_string("reason").value_or("");
  if (auto at = row.get_datetime("changed_at")) {
    t.changed_at = std::chrono::time_point_cast<std::chrono::system_clock::duration>(at->time);
  }
  return t;
}

// The stored filter columns as one text: each NULL or length-prefixed, so any change shows.
std::string filter_text(std::initializer_list<const std::optional<std::string>*> columns) {
  std::string text;
  for (const auto* column : columns) {
    text += *column ? fmt::format("{}:{};", (*column)->size(), **column) : std::string("NULL;");
  }
  return text;
}

// The subscriber with an unreadable filter joins `problems`.
template <typename Subscriber>
void note_problem(const Subscriber& s, std::string text, std::vector<FilterProblem>& problems) {
  if (std::string error = filter_error(s); !error.empty()) {
    problems.push_back({s.id, std::move(text), std::move(error)});
  }
}

std::vector<WebhookSubscriber> load_webhooks(db::Connection& c, std::vector<FilterProblem>& problems) {
  std::vector<WebhookSubscriber> out;
  for (const db::Row& row :
       c.query("SELECT id, events, site_filter, state_filter FROM jetmon_webhooks WHERE active = 1 ORDER BY id")) {
    WebhookSubscriber s;
    s.id = row.get_uint64("id").value_or(0);
    const auto events = row.get_string("events");
    const auto sites = row.get_string("site_filter");
    const auto states = row.get_string("state_filter");
    s.events = parse_events_filter(events);
    s.sites = parse_site_filter(sites);
    s.states = parse_state_filter(states);
    note_problem(s, filter_text({&events, &sites, &states}), problems);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<AlertSubscriber> load_contacts(db::Connection& c, std::vector<FilterProblem>& problems) {
  std::vector<AlertSubscriber> out;
  for (const db::Row& row : c.query(
           "SELECT id, site_filter, min_severity FROM jetmon_alert_contacts WHERE active = 1 ORDER BY id")) {
    AlertSubscriber s;
    s.id = row.get_uint64("id").value_or(0);
    const auto sites = row.get_string("site_filter");
    s.sites = parse_site_filter(sites);
    s.min_severity = static_cast<int>(row.get_int64("min_severity").value_or(4));
    note_problem(s, filter_text({&sites}), problems);
    out.push_back(std::move(s));
  }
  return out;
}

// One row to enqueue for a transition.
struct Match {
  std::uint64_t subscriber_id = 0;
  std::string type;
};

// Logs the subscribers whose stored filter cannot be read (they match nothing): every one, or
// with `warnings` only those it has not warned about yet.
void log_filter_errors(std::vector<FilterProblem> problems, const Tables& t, FilterWarnings* warnings) {
  if (warnings != nullptr) problems = warnings->due(std::move(problems));
  for (const FilterProblem& p : problems) {
    log::warn("{} dispatcher: {} {} has an unreadable filter ({}); it matches nothing until fixed",
              t.subscriber_word, t.subscriber_word, p.subscriber_id, p.error);
  }
}

}  // namespace

std::string_view family_name(Family family) { return family == Family::webhook ? "webhook" : "alert"; }

DispatchResult dispatch_once(db::Connection& c, Family family, std::string_view instance_id,
                             std::size_t batch, FilterWarnings* warnings) {
  const Tables& t = tables(family);
  DispatchResult result;
  // A brand-new install (no mark row) starts at the newest transition.
  c.exec(fmt::format("INSERT IGNORE INTO {} (instance_id, last_transition_id) "
                     "SELECT ?, COALESCE(MAX(id), 0) FROM jetmon_event_transitions",
                     t.progress),
         {instance_id});
  const auto mark = c.query_scalar(
      fmt::format("SELECT last_transition_id FROM {} WHERE instance_id = ?", t.progress), {instance_id});
  result.mark_before = mark ? mark->as_uint64().value_or(0) : 0;
  result.mark_after = result.mark_before;

  const auto rows = c.query(
      "SELECT id, event_id, blog_id, severity_before, severity_after, state_after, reason, changed_at "
      "FROM jetmon_event_transitions WHERE id > ? ORDER BY id LIMIT ?",
      {result.mark_before, static_cast<std::uint64_t>(batch)});
  result.transitions = rows.size();
  if (rows.empty()) return result;

  std::vector<WebhookSubscriber> webhooks;
  std::vector<AlertSubscriber> contacts;
  std::vector<FilterProblem> problems;
  if (family == Family::webhook) {
    webhooks = load_webhooks(c, problems);
  } else {
    contacts = load_contacts(c, problems);
  }
  log_filter_errors(std::move(problems), t, warnings);

  const std::string insert =
      family == Family::webhook
          ? std::string("INSERT IGNORE INTO jetmon_webhook_deliveries (webhook_id, transition_id, event_id, "
                        "event_type, payload, status, attempt, next_attempt_at) "
                        "VALUES (?, ?, ?, ?, ?, 'pending', 0, CURRENT_TIMESTAMP)")
          : std::string("INSERT IGNORE INTO jetmon_alert_deliveries (alert_contact_id, transition_id, event_id, "
                        "event_type, severity, payload, status, attempt, next_attempt_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, CURRENT_TIMESTAMP)");
  std::uint64_t done = result.mark_before;
  for (const db::Row& row : rows) {
    const Transition tr = transition_of(row);
    const auto type = event_type_for(family, tr.reason);
    if (type) {
      std::vector<std::uint64_t> matches;
      if (family == Family::webhook) {
        for (const auto& s : webhooks) {
          if (webhook_matches(s, tr, *type)) matches.push_back(s.id);
        }
      } else {
        for (const auto& s : contacts) {
          if (alert_matches(s, tr)) matches.push_back(s.id);
        }
      }
      const std::string payload = matches.empty() ? std::string() : build_payload(family, tr, *type);
      for (std::uint64_t id : matches) {
        try {
          db::Params params{id, tr.id, tr.event_id, std::string(*type)};
          if (family == Family::alert) params.emplace_back(static_cast<std::int64_t>(std::max(tr.severity_after, 0)));
          params.emplace_back(payload);
          result.inserted += c.exec(insert, params).affected_rows;
        } catch (const db::DbError& e) {
          log::error("{} dispatcher: enqueue transition {} for {} {}: {}; the mark stays at {}",
                     t.subscriber_word, tr.id, t.subscriber_word, id, e.what(), done);
          result.enqueue_failed = true;
          break;
        }
      }
      if (result.enqueue_failed) break;
    }
    done = tr.id;
  }
  if (done > result.mark_before) {
    c.exec(fmt::format("UPDATE {} SET last_transition_id = GREATEST(last_transition_id, ?) "
                       "WHERE instance_id = ?",
                       t.progress),
           {done, instance_id});
  }
  result.mark_after = done;
  return result;
}

std::vector<ClaimedRow> claim_due(db::Connection& c, Family family, const ClaimOptions& options) {
  const Tables& t = tables(family);
  std::vector<ClaimedRow> claimed;
  if (options.limit == 0) return claimed;
  std::string skip;
  db::Params params;
  for (std::uint64_t id : options.skip_subscribers) {
    skip += skip.empty() ? "?" : ", ?";
    params.emplace_back(id);
  }
  params.emplace_back(static_cast<std::uint64_t>(options.limit));
  const std::string select = fmt::format(
      "SELECT id, {0} AS subscriber_id, transition_id, event_id, event_type, {1} AS severity, payload, attempt "
      "FROM {2} WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= CURRENT_TIMESTAMP) "
      "{3} ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE",
      t.subscriber_column, family == Family::alert ? "severity" : "0", t.deliveries,
      skip.empty() ? std::string() : fmt::format("AND {} NOT IN ({})", t.subscriber_column, skip));
  const std::string lease = fmt::format(
      "UPDATE {} SET next_attempt_at = CURRENT_TIMESTAMP + INTERVAL ? SECOND "
      "WHERE id = ? AND status = 'pending'",
      t.deliveries);

  db::Transaction tx(c);
  std::vector<ClaimedRow> selected;
  for (const db::Row& row : c.query(select, params)) {
    ClaimedRow r;
    r.id = row.get_uint64("id").value_or(0);
    r.subscriber_id = row.get_uint64("subscriber_id").value_or(0);
    r.transition_id = row.get_uint64("transition_id").value_or(0);
    r.event_id = row.get_uint64("event_id").value_or(0);
    r.event_type = row.get_string("event_type").value_or("");
    r.severity = static_cast<int>(row.get_int64("severity").value_or(0));
    r.payload = row.get_string("payload").value_or("");
    r.attempt = static_cast<unsigned>(row.get_uint64("attempt").value_or(0));
    selected.push_back(std::move(r));
  }
  auto stmt = c.prepare(lease);
  for (ClaimedRow& r : selected) {
    if (options.accept && !options.accept(r.subscriber_id)) continue;
    const auto hit = stmt.execute({static_cast<std::int64_t>(options.lease.count()), r.id}).affected_rows;
    if (hit != 1) {
      tx.rollback();
      log::warn("{} sender: lease of row {} hit {} rows; claim rolled back", family_name(family), r.id, hit);
      return {};
    }
    claimed.push_back(std::move(r));
  }
  tx.commit();
  return claimed;
}

std::uint64_t record_outcome(db::Connection& c, Family family, std::uint64_t row_id, const RowUpdate& u) {
  const Tables& t = tables(family);
  const bool delivered = u.status == RowUpdate::Status::delivered;
  const std::string sql = fmt::format(
      "UPDATE {} SET last_attempt_at = CURRENT_TIMESTAMP, attempt = ?, last_status_code = ?, "
      "last_response = ?, status = ?, next_attempt_at = {}{} WHERE id = ?",
      t.deliveries, u.next_after ? "CURRENT_TIMESTAMP + INTERVAL ? SECOND" : "NULL",
      delivered ? ", delivered_at = CURRENT_TIMESTAMP" : "");
  db::Params params{u.attempt, static_cast<std::int64_t>(u.status_code), u.response, std::string(status_name(u.status))};
  if (u.next_after) params.emplace_back(static_cast<std::int64_t>(u.next_after->count()));
  params.emplace_back(row_id);
  return c.exec(sql, params).affected_rows;
}

}  // namespace jetmon::delivery

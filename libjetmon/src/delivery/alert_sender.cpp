#include "jetmon/delivery/alert_sender.hpp"

#include <fmt/format.h>

#include <ctime>
#include <optional>

#include "common/http_post.hpp"
#include "common/utf8.hpp"
#include "delivery/alert_notification.hpp"
#include "delivery/alert_rate_cap.hpp"
#include "delivery/alert_smtp.hpp"
#include "jetmon/common/log.hpp"
#include "jetmon/common/text.hpp"
#include "jetmon/common/time.hpp"
#include "jetmon/config/config.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/db/pool.hpp"
#include "jetmon/incident/vocabulary.hpp"

namespace jetmon::delivery {
namespace {

using alert::Notification;
using alert::Transport;
using Kind = SendOutcome::Kind;

// Stored codes of the email transport (§8.5).
constexpr int kEmailOk = 250;
constexpr int kEmailBadDestination = 550;
constexpr int kEmailFailure = 554;
constexpr int kRateLimited = 429;

SendOutcome outcome(Kind kind, int code, std::string response) {
  return SendOutcome{kind, code, std::move(response)};
}

struct Contact {
  std::uint64_t id = 0;
  bool active = false;
  std::string transport;
  std::string destination;
  int min_severity = incident::severities::down;
  int max_per_hour = 0;
};

// nullopt: no such contact. Throws (DbError) when the database cannot answer.
std::optional<Contact> load_contact(db::Pool& pool, std::uint64_t id) {
  auto lease = pool.acquire();
  auto row = (*lease).query_one(
      "SELECT active, transport, destination, min_severity, max_per_hour FROM jetmon_alert_contacts WHERE id = ?",
      {id});
  if (!row) return std::nullopt;
  Contact c;
  c.id = id;
  c.active = row->get_int64(0).value_or(0) != 0;
  c.transport = row->get_string(1).value_or("");
  c.destination = row->get_string(2).value_or("");
  c.min_severity = static_cast<int>(row->get_int64(3).value_or(incident::severities::down));
  c.max_per_hour = static_cast<int>(std::min<std::int64_t>(row->get_int64(4).value_or(0), 1'000'000'000));
  return c;
}

// monitor_url for the blog; any failure falls back to "site:<id>" (a label, never a reason to fail).
std::string site_url(db::Pool& pool, std::uint64_t site_id) {
  std::optional<std::string> url;
  try {
    auto lease = pool.acquire();
    auto row = (*lease).query_one("SELECT monitor_url FROM jetpack_monitor_sites WHERE blog_id = ? LIMIT 1", {site_id});
    if (row) url = row->get_string(0);
  } catch (const std::exception& e) {
    log::warn("alert-contacts: site url lookup blog_id={}: {}", site_id, e.what());
  }
  return alert::site_url_or_fallback(url, site_id);
}

std::string rfc5322_date(std::chrono::system_clock::time_point now) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon],
                     tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

bool email_configured(const AlertSettings& s) {
  const std::string& t = s.config.email_transport;
  return t.empty() || t == "stub" || t == "smtp" || t == "wpcom";
}

std::string response_text(const std::string& body) { return valid_utf8(trim(body)); }

// Why an HTTP send failed ("<curl error>" or "status <code>[: <body>]"); nullopt when the status
// is < 400 (delivered).
std::optional<std::string> http_failure(const http::PostResponse& r) {
  if (!r.transport_ok) return r.error;
  if (r.status < 400) return std::nullopt;
  const std::string body = response_text(r.body);
  return body.empty() ? fmt::format("status {}", r.status) : fmt::format("status {}: {}", r.status, body);
}

http::PostResponse post_json(const AlertSettings& s, const std::string& url, const std::string& body,
                             const std::atomic<bool>* abort, const std::string& bearer = {}) {
  std::vector<std::string> headers{"Content-Type: application/json"};
  if (!bearer.empty()) headers.push_back(fmt::format("Authorization: Bearer {}", bearer));
  return http::thread_poster(abort).post(url, headers, body, s.send_timeout);
}

// An HTTP transport's answer as a row outcome: < 400 delivered, ≥ 400 and transport errors retry.
SendOutcome post_webhook(const AlertSettings& s, const std::string& url, const std::string& body,
                         const std::atomic<bool>* abort) {
  const auto r = post_json(s, url, body, abort);
  if (auto failure = http_failure(r)) {
    return outcome(Kind::retry, static_cast<int>(r.status), fmt::format("transport error: {}", *failure));
  }
  return outcome(Kind::delivered, static_cast<int>(r.status), response_text(r.body));
}

SendOutcome send_email(const AlertSettings& s, const std::string& address, const Notification& n,
                       const std::atomic<bool>* abort) {
  const config::Config& c = s.config;
  const alert::EmailMessage m = alert::render_email(n, c.email_from, address);
  if (c.email_transport == "smtp") {
    const alert::SmtpSettings smtp{c.smtp_host, c.smtp_port, c.smtp_username, c.smtp_password, c.smtp_use_tls};
    const std::string message = alert::mime_message(m, rfc5322_date(std::chrono::system_clock::now()));
    const auto r = alert::smtp_send(smtp, m.from, m.to, message, s.send_timeout, abort);
    if (!r.ok) {
      const std::string reply = r.code > 0 ? fmt::format(" (reply {})", r.code) : std::string();
      return outcome(Kind::retry, kEmailFailure,
                     fmt::format("transport error: smtp {}:{}: {}{}", c.smtp_host, c.smtp_port, r.error, reply));
    }
    return outcome(Kind::delivered, kEmailOk, "delivered");
  }
  if (c.email_transport == "wpcom") {
    const auto r = post_json(s, c.wpcom_email_endpoint, alert::wpcom_email_body(m), abort, c.wpcom_email_auth_token);
    if (auto failure = http_failure(r)) {
      return outcome(Kind::retry, kEmailFailure, fmt::format("transport error: wpcom email: {}", *failure));
    }
    return outcome(Kind::delivered, kEmailOk, "delivered");
  }
  log::info("alert-contacts: email stub (EMAIL_TRANSPORT={}): from={} to={} subject={}",
            c.email_transport.empty() ? "\"\"" : c.email_transport, go_quote(m.from), go_quote(m.to),
            go_quote(m.subject));
  return outcome(Kind::delivered, kEmailOk, "delivered (stub: logged, not sent)");
}

SendOutcome dispatch(const AlertSettings& s, Transport transport, const std::string& target, const Notification& n,
                     const std::atomic<bool>* abort) {
  switch (transport) {
    case Transport::email: return send_email(s, target, n, abort);
    case Transport::pagerduty: return post_webhook(s, s.config.pagerduty_events_url, alert::pagerduty_body(n, target), abort);
    case Transport::slack: return post_webhook(s, target, alert::slack_body(n), abort);
    case Transport::teams: return post_webhook(s, target, alert::teams_body(n), abort);
  }
  return outcome(Kind::abandon, 0, "unknown transport");
}

// The steps shared by a row send and a test send once the contact is known and may be sent to:
// transport configured, destination usable. nullopt: go on (transport and target are set).
std::optional<SendOutcome> resolve_target(const AlertSettings& s, const Contact& c, Transport& transport,
                                          std::string& target) {
  const auto parsed = alert::parse_transport(c.transport);
  if (!parsed || (*parsed == Transport::email && !email_configured(s))) {
    return outcome(Kind::abandon, 0, fmt::format("transport {} not configured on this instance", go_quote(c.transport)));
  }
  transport = *parsed;
  std::string error;
  auto value = alert::destination_target(transport, c.destination, error);
  if (!value) {
    return outcome(Kind::abandon, transport == Transport::email ? kEmailBadDestination : 0,
                   fmt::format("destination lookup: {}", error));
  }
  target = std::move(*value);
  return std::nullopt;
}

// Loads the contact; an outcome when it cannot be used.
std::optional<SendOutcome> lookup(db::Pool& pool, std::uint64_t id, std::optional<Contact>& contact) {
  try {
    contact = load_contact(pool, id);
  } catch (const std::exception& e) {
    return outcome(Kind::retry, 0, fmt::format("contact lookup: {}", e.what()));
  }
  if (!contact) return outcome(Kind::abandon, 0, fmt::format("contact lookup: alert contact {} not found", id));
  return std::nullopt;
}

}  // namespace

struct AlertRowSender::Impl {
  Impl(db::Pool& p, AlertSettings s, std::function<Clock::time_point()> clock)
      : pool(p), settings(std::move(s)), now(std::move(clock)) {}

  db::Pool& pool;
  AlertSettings settings;
  std::function<Clock::time_point()> now;
  alert::RateCap cap;

  SendOutcome send(const ClaimedRow& row, const std::atomic<bool>* abort) {
    std::optional<Contact> contact;
    if (auto early = lookup(pool, row.subscriber_id, contact)) return *early;
    if (!contact->active) return outcome(Kind::abandon, 0, "contact is inactive");
    if (contact->max_per_hour > 0 && !cap.try_consume(contact->id, contact->max_per_hour, now())) {
      return outcome(Kind::abandon, kRateLimited, fmt::format("rate-limited: contact {} exceeded max_per_hour={}",
                                                              contact->id, contact->max_per_hour));
    }
    Transport transport{};
    std::string target;
    if (auto early = resolve_target(settings, *contact, transport, target)) return *early;

    std::string error;
    const auto payload = alert::parse_event_payload(row.payload, error);
    std::optional<Notification> n;
    if (payload) n = alert::make_notification(*payload, site_url(pool, payload->site_id), contact->min_severity, error);
    if (!n) return outcome(Kind::abandon, 0, fmt::format("build notification: {}", error));
    return dispatch(settings, transport, target, *n, abort);
  }
};

AlertRowSender::AlertRowSender(db::Pool& pool, AlertSettings settings, std::function<Clock::time_point()> now)
    : impl_(std::make_unique<Impl>(pool, std::move(settings), std::move(now))) {}

AlertRowSender::~AlertRowSender() = default;

SendOutcome AlertRowSender::send(const ClaimedRow& row, const std::atomic<bool>* abort) {
  try {
    return impl_->send(row, abort);
  } catch (const std::exception& e) {
    return outcome(Kind::retry, 0, fmt::format("send: {}", e.what()));
  } catch (...) {
    return outcome(Kind::retry, 0, "send: unknown error");
  }
}

SendOutcome send_test_notification(db::Pool& pool, const AlertSettings& settings, std::uint64_t contact_id,
                                   std::uint64_t site_id, const std::atomic<bool>* abort) {
  try {
    std::optional<Contact> contact;
    if (auto early = lookup(pool, contact_id, contact)) return *early;
    Transport transport{};
    std::string target;
    if (auto early = resolve_target(settings, *contact, transport, target)) return *early;

    const auto now = std::chrono::system_clock::now();
    Notification n;
    n.site_id = site_id;
    n.site_url = site_url(pool, site_id);
    n.event_id = 0;
    n.event_type = "alert.test";
    n.severity = contact->min_severity;
    n.state = std::string(incident::severity_name(contact->min_severity));
    n.reason = "test";
    n.time = format_rfc3339_utc(std::chrono::floor<std::chrono::seconds>(now));
    n.is_test = true;
    n.dedup_key = fmt::format("jetmon-test-{}-{}", site_id, std::chrono::system_clock::to_time_t(now));
    return dispatch(settings, transport, target, n, abort);
  } catch (const std::exception& e) {
    return outcome(Kind::retry, 0, fmt::format("send: {}", e.what()));
  } catch (...) {
    return outcome(Kind::retry, 0, "send: unknown error");
  }
}

std::unique_ptr<RowSender> make_alert_row_sender(db::Pool& pool, const config::Config& config) {
  return std::make_unique<AlertRowSender>(pool, AlertSettings{config});
}

}  // namespace jetmon::delivery

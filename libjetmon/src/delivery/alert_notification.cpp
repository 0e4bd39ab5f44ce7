#include "delivery/alert_notification.hpp"

#include <openssl/evp.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <fmt/format.h>

#include <cctype>
#include <limits>
#include <vector>

#include "common/utf8.hpp"
#include "config/text_util.hpp"
#include "incident/json_writer.hpp"
#include "jetmon/common/text.hpp"
#include "jetmon/common/time.hpp"
#include "jetmon/incident/vocabulary.hpp"

namespace jetmon::delivery::alert {
namespace {

using incident::JsonWriter;

bool read_string(const rapidjson::Value& object, const char* key, std::string& out, std::string& error) {
  const auto it = object.FindMember(key);
  if (it == object.MemberEnd() || it->value.IsNull()) return true;
  if (!it->value.IsString()) {
    error = fmt::format("decode payload: {} must be a string", key);
    return false;
  }
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}

bool read_uint(const rapidjson::Value& object, const char* key, std::uint64_t max, std::uint64_t& out,
               std::string& error) {
  const auto it = object.FindMember(key);
  if (it == object.MemberEnd() || it->value.IsNull()) return true;
  if (!it->value.IsUint64() || it->value.GetUint64() > max) {
    error = fmt::format("decode payload: {} must be an integer from 0 to {}", key, max);
    return false;
  }
  out = it->value.GetUint64();
  return true;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string header_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

std::string base64(std::string_view data) {
  std::vector<unsigned char> out(4 * ((data.size() + 2) / 3) + 1);
  const int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  return std::string(reinterpret_cast<const char*>(out.data()), n > 0 ? static_cast<std::size_t>(n) : 0);
}

// RFC 2047 for a header value with non-ASCII bytes; ASCII stays as it is.
std::string encoded_word(std::string_view value) {
  for (const char c : value) {
    if (static_cast<unsigned char>(c) >= 0x80) return fmt::format("=?UTF-8?B?{}?=", base64(value));
  }
  return std::string(value);
}

// The words of a notification, shared by the transports.
std::string_view severity_label(const Notification& n) { return incident::severity_name(n.severity); }

}  // namespace

std::optional<Transport> parse_transport(std::string_view name) {
  if (name == "email") return Transport::email;
  if (name == "pagerduty") return Transport::pagerduty;
  if (name == "slack") return Transport::slack;
  if (name == "teams") return Transport::teams;
  return std::nullopt;
}

std::optional<EventPayload> parse_event_payload(std::string_view json, std::string& error) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    error = fmt::format("decode payload: {} at offset {}", rapidjson::GetParseError_En(doc.GetParseError()),
                        doc.GetErrorOffset());
    return std::nullopt;
  }
  if (!doc.IsObject()) {
    error = "decode payload: not a JSON object";
    return std::nullopt;
  }
  EventPayload p;
  std::uint64_t before = 0, after = 0;
  constexpr auto kMaxId = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (!read_string(doc, "type", p.type, error) || !read_string(doc, "occurred_at", p.occurred_at, error) ||
      !read_uint(doc, "transition_id", kMaxId, p.transition_id, error) ||
      !read_uint(doc, "event_id", kMaxId, p.event_id, error) ||
      !read_uint(doc, "site_id", kMaxId, p.site_id, error) || !read_string(doc, "reason", p.reason, error) ||
      !read_string(doc, "state", p.state, error) || !read_uint(doc, "severity_before", 255, before, error) ||
      !read_uint(doc, "severity_after", 255, after, error)) {
    return std::nullopt;
  }
  p.severity_before = static_cast<int>(before);
  p.severity_after = static_cast<int>(after);
  return p;
}

bool is_recovery(int severity_before, int severity_after, int min_severity) {
  return severity_before >= min_severity && severity_after == incident::severities::up;
}

std::string site_url_or_fallback(const std::optional<std::string>& monitor_url, std::uint64_t site_id) {
  if (monitor_url && !monitor_url->empty()) return *monitor_url;
  return fmt::format("site:{}", site_id);
}

std::optional<std::string> display_time(std::string_view t) {
  if (t.empty()) return std::string(kNeverTimestamp);
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)
  if (t.size() < 20) return std::nullopt;
  const std::string_view date = t.substr(0, 19);
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u, 11u, 12u, 14u, 15u, 17u, 18u}) {
    if (!std::isdigit(static_cast<unsigned char>(date[i]))) return std::nullopt;
  }
  if (date[4] != '-' || date[7] != '-' || (date[10] != 'T' && date[10] != 't') || date[13] != ':' ||
      date[16] != ':') {
    return std::nullopt;
  }
  std::string_view rest = t.substr(19);
  if (!rest.empty() && rest.front() == '.') {
    std::size_t n = 1;
    while (n < rest.size() && std::isdigit(static_cast<unsigned char>(rest[n]))) ++n;
    if (n == 1) return std::nullopt;
    rest.remove_prefix(n);
  }
  if (rest == "Z" || rest == "z") return std::string(date.substr(0, 10)) + "T" + std::string(date.substr(11)) + "Z";
  if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && all_digits(rest.substr(1, 2)) &&
      rest[3] == ':' && all_digits(rest.substr(4, 2))) {
    return std::string(date.substr(0, 10)) + "T" + std::string(date.substr(11)) + std::string(rest);
  }
  return std::nullopt;
}

std::string dedup_key(std::uint64_t event_id) { return fmt::format("jetmon-event-{}", event_id); }

std::optional<Notification> make_notification(const EventPayload& payload, std::string site_url,
                                              int min_severity, std::string& error) {
  auto time = display_time(payload.occurred_at);
  if (!time) {
    error = fmt::format("decode payload: occurred_at {} is not an RFC 3339 time", go_quote(payload.occurred_at));
    return std::nullopt;
  }
  Notification n;
  n.site_id = payload.site_id;
  n.site_url = std::move(site_url);
  n.event_id = payload.event_id;
  n.event_type = payload.type;
  n.severity = payload.severity_after;
  n.state = payload.state;
  n.reason = payload.reason;
  n.time = std::move(*time);
  n.recovery = is_recovery(payload.severity_before, payload.severity_after, min_severity);
  n.dedup_key = dedup_key(payload.event_id);
  return n;
}

std::string_view pagerduty_severity(int severity) {
  switch (severity) {
    case incident::severities::down:
    case incident::severities::seems_down: return "critical";
    case incident::severities::degraded: return "warning";
    default: return "info";
  }
}

std::string pagerduty_body(const Notification& n, std::string_view routing_key) {
  const std::string summary = n.is_test    ? fmt::format("[Jetmon test] {}", n.site_url)
                              : n.recovery ? fmt::format("Recovered: {}", n.site_url)
                                           : fmt::format("{}: {}", severity_label(n), n.site_url);
  JsonWriter w;
  w.begin_object()
      .field("routing_key", routing_key)
      .field("event_action", n.recovery ? "resolve" : "trigger")
      .field("dedup_key", n.dedup_key)
      .begin_object("payload")
      .field("summary", summary)
      .field("source", n.site_url)
      .field("severity", pagerduty_severity(n.severity))
      .begin_object("custom_details")
      .field("site_id", n.site_id)
      .field("event_id", n.event_id)
      .field("event_type", n.event_type)
      .field("state", n.state)
      .field("reason", n.reason)
      .field("is_test", n.is_test)
      .end_object()
      .end_object()
      .end_object();
  return w.text();
}

std::string slack_body(const Notification& n) {
  const std::string fallback = n.is_test    ? fmt::format("Jetmon test notification for {}", n.site_url)
                               : n.recovery ? fmt::format("Jetmon recovery: {}", n.site_url)
                                            : fmt::format("Jetmon {} alert: {}", severity_label(n), n.site_url);
  const std::string_view emoji = n.is_test                                       ? ":mag:"
                                 : n.recovery                                    ? ":white_check_mark:"
                                 : n.severity >= incident::severities::seems_down ? ":rotating_light:"
                                                                                  : ":warning:";
  const std::string header = n.is_test    ? fmt::format("{} *Jetmon test* — {}", emoji, n.site_url)
                             : n.recovery ? fmt::format("{} *Recovered* — {}", emoji, n.site_url)
                                          : fmt::format("{} *{}* — {}", emoji, severity_label(n), n.site_url);
  JsonWriter w;
  w.begin_object().field("text", fallback).begin_array("blocks");
  w.begin_object().field("type", "section").begin_object("text").field("type", "mrkdwn").field("text", header);
  w.end_object().end_object();
  w.begin_object().field("type", "section").begin_array("fields");
  auto field = [&w](std::string_view title, const std::string& value) {
    w.begin_object().field("type", "mrkdwn").field("text", fmt::format("*{}*\n{}", title, value)).end_object();
  };
  field("Site ID", std::to_string(n.site_id));
  field("Event", fmt::format("#{}", n.event_id));
  if (!n.state.empty()) field("State", n.state);
  if (!n.reason.empty()) field("Reason", n.reason);
  field("Time", n.time);
  w.end_array().end_object();
  w.end_array().end_object();
  return w.text();
}

std::string teams_body(const Notification& n) {
  const std::string header = n.is_test    ? fmt::format("**Jetmon test** — {}", n.site_url)
                             : n.recovery ? fmt::format("**Recovered** — {}", n.site_url)
                                          : fmt::format("**{}** — {}", severity_label(n), n.site_url);
  JsonWriter w;
  w.begin_object().field("type", "message").begin_array("attachments");
  w.begin_object().field("contentType", "application/vnd.microsoft.card.adaptive").begin_object("content");
  w.field("$schema", "http://adaptivecards.io/schemas/adaptive-card.json")
      .field("type", "AdaptiveCard")
      .field("version", "1.4")
      .begin_array("body");
  w.begin_object()
      .field("type", "TextBlock")
      .field("text", header)
      .field("wrap", true)
      .field("size", "Large")
      .field("weight", "Bolder")
      .end_object();
  w.begin_object().field("type", "FactSet").begin_array("facts");
  auto fact = [&w](std::string_view title, const std::string& value) {
    w.begin_object().field("title", title).field("value", value).end_object();
  };
  fact("Site ID", std::to_string(n.site_id));
  fact("Event", fmt::format("#{} ({})", n.event_id, n.event_type));
  if (!n.state.empty()) fact("State", n.state);
  if (!n.reason.empty()) fact("Reason", n.reason);
  fact("Time", n.time);
  w.end_array().end_object();  // facts, FactSet
  w.end_array();               // body
  w.end_object().end_object();  // content, attachment
  w.end_array().end_object();   // attachments, message
  return w.text();
}

EmailMessage render_email(const Notification& n, std::string from, std::string to) {
  EmailMessage m;
  m.from = std::move(from);
  m.to = std::move(to);
  const std::string_view severity = severity_label(n);
  m.subject = n.is_test    ? fmt::format("[Jetmon test] {}", n.site_url)
              : n.recovery ? fmt::format("[Recovered] {}", n.site_url)
                           : fmt::format("[{}] {}", severity, n.site_url);

  std::string& p = m.plain;
  if (n.is_test) p += "*** Jetmon test notification ***\n\n";
  if (n.recovery) p += "Recovery: site is back to Up.\n\n";
  p += fmt::format("Site: {} (id {})\n", n.site_url, n.site_id);
  p += fmt::format("Severity: {}\n", severity);
  if (!n.state.empty()) p += fmt::format("State: {}\n", n.state);
  p += fmt::format("Event: #{} ({})\n", n.event_id, n.event_type);
  if (!n.reason.empty()) p += fmt::format("Reason: {}\n", n.reason);
  p += fmt::format("Time: {}\n", n.time);

  std::string& h = m.html;
  auto row = [&h](std::string_view title, const std::string& value) {
    h += fmt::format("<tr><td><strong>{}</strong></td><td>{}</td></tr>", title, html_escape(value));
  };
  h += "<html><body style=\"font-family:sans-serif;\">";
  if (n.is_test) h += "<p><strong>*** Jetmon test notification ***</strong></p>";
  if (n.recovery) h += "<p><strong>Recovery:</strong> site is back to Up.</p>";
  h += "<table cellpadding=\"4\">";
  row("Site", fmt::format("{} (id {})", n.site_url, n.site_id));
  row("Severity", std::string(severity));
  if (!n.state.empty()) row("State", n.state);
  row("Event", fmt::format("#{} ({})", n.event_id, n.event_type));
  if (!n.reason.empty()) row("Reason", n.reason);
  row("Time", n.time);
  h += "</table></body></html>";
  return m;
}

std::string wpcom_email_body(const EmailMessage& m) {
  JsonWriter w;
  w.begin_object()
      .field("from", m.from)
      .field("to", m.to)
      .field("subject", m.subject)
      .field("plain", m.plain)
      .field("html", m.html)
      .end_object();
  return w.text();
}

std::string mime_message(const EmailMessage& m, std::string_view date) {
  constexpr std::string_view kBoundary = "JetmonAlertBoundary_4d8f31a2";
  auto crlf = [](std::string_view body) {  // SMTP lines end in CRLF
    std::string out;
    out.reserve(body.size() + body.size() / 32);
    for (const char c : body) {
      if (c == '\r') continue;
      if (c == '\n') out += '\r';
      out += c;
    }
    return out;
  };
  std::string out;
  out += fmt::format("Date: {}\r\n", header_value(date));
  out += fmt::format("From: {}\r\n", header_value(m.from));
  out += fmt::format("To: {}\r\n", header_value(m.to));
  out += fmt::format("Subject: {}\r\n", encoded_word(header_value(valid_utf8(m.subject))));
  out += "MIME-Version: 1.0\r\n";
  out += fmt::format("Content-Type: multipart/alternative; boundary=\"{}\"\r\n\r\n", kBoundary);
  out += fmt::format("--{}\r\n", kBoundary);
  out += "Content-Type: text/plain; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
  out += crlf(valid_utf8(m.plain));
  out += "\r\n";
  out += fmt::format("--{}\r\n", kBoundary);
  out += "Content-Type: text/html; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
  out += crlf(valid_utf8(m.html));
  out += "\r\n";
  out += fmt::format("--{}--\r\n", kBoundary);
  return out;
}

std::optional<std::string> destination_target(Transport transport, std::string_view destination_json,
                                              std::string& error) {
  rapidjson::Document doc;
  doc.Parse(destination_json.data(), destination_json.size());
  if (doc.HasParseError()) {
    error = fmt::format("invalid destination JSON: {} at offset {}",
                        rapidjson::GetParseError_En(doc.GetParseError()), doc.GetErrorOffset());
    return std::nullopt;
  }
  if (!doc.IsObject()) {
    error = "invalid destination JSON: not an object";
    return std::nullopt;
  }
  const char* key = transport == Transport::email       ? "address"
                    : transport == Transport::pagerduty ? "integration_key"
                                                        : "webhook_url";
  const auto it = doc.FindMember(key);
  if (it == doc.MemberEnd() || it->value.IsNull() || (it->value.IsString() && it->value.GetStringLength() == 0)) {
    error = fmt::format("destination missing {}", key);
    return std::nullopt;
  }
  if (!it->value.IsString()) {
    error = fmt::format("destination {} must be a string", key);
    return std::nullopt;
  }
  std::string value(it->value.GetString(), it->value.GetStringLength());
  switch (transport) {
    case Transport::email: {
      const bool has_at = value.find('@') != std::string::npos;
      bool clean = true;
      for (const char c : value) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '<' || c == '>') clean = false;
      }
      if (!has_at || !clean) {
        error = fmt::format("destination address {} is not an email address", go_quote(value));
        return std::nullopt;
      }
      break;
    }
    case Transport::slack:
    case Transport::teams:
      if (!config::detail::is_http_url(value)) {
        error = "destination webhook_url must be an http or https URL";
        return std::nullopt;
      }
      break;
    case Transport::pagerduty: break;
  }
  return value;
}

}  // namespace jetmon::delivery::alert

#include "jetmon/delivery/rules.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <array>

#include "common/json_escape.hpp"
#include "common/utf8.hpp"
#include "jetmon/common/time.hpp"
#include "jetmon/incident/vocabulary.hpp"

namespace jetmon::delivery {

// ---- types -----------------------------------------------------------------------------------------

namespace {

struct ReasonRow {
  std::string_view reason;
  std::string_view webhook;
  std::string_view alert;  // "" = not delivered to alert contacts
};

namespace r = incident::reasons;
constexpr std::array<ReasonRow, 14> kReasons{{
    {r::opened, "event.opened", "alert.opened"},
    {r::severity_escalation, "event.severity_changed", "alert.severity_changed"},
    {r::severity_deescalation, "event.severity_changed", "alert.severity_changed"},
    {r::state_change, "event.state_changed", "alert.state_changed"},
    {r::verifier_confirmed, "event.state_changed", "alert.state_changed"},
    {r::cause_linked, "event.cause_linked", ""},
    {r::cause_unlinked, "event.cause_unlinked", ""},
    {r::verifier_cleared, "event.closed", "alert.closed"},
    {r::probe_cleared, "event.closed", "alert.closed"},
    {r::false_alarm, "event.closed", "alert.closed"},
    {r::manual_override, "event.closed", "alert.closed"},
    {r::maintenance_swallowed, "event.closed", "alert.closed"},
    {r::superseded, "event.closed", "alert.closed"},
    {r::auto_timeout, "event.closed", "alert.closed"},
}};

std::vector<std::string> distinct_types(Family family) {
  std::vector<std::string> types;
  for (const ReasonRow& row : kReasons) {
    const std::string_view type = family == Family::webhook ? row.webhook : row.alert;
    if (!type.empty() && std::find(types.begin(), types.end(), type) == types.end()) types.emplace_back(type);
  }
  return types;
}

}  // namespace

const std::vector<std::string>& event_types(Family family) {
  static const std::vector<std::string> webhook = distinct_types(Family::webhook);
  static const std::vector<std::string> alert = distinct_types(Family::alert);
  return family == Family::webhook ? webhook : alert;
}

std::optional<std::string_view> event_type_for(Family family, std::string_view reason) {
  for (const ReasonRow& row : kReasons) {
    if (row.reason != reason) continue;
    const std::string_view type = family == Family::webhook ? row.webhook : row.alert;
    if (type.empty()) return std::nullopt;
    return type;
  }
  return std::nullopt;
}

// ---- filters ---------------------------------------------------------------------------------------

namespace {

// Parses `json`; returns the error text or "" (doc filled). A JSON null counts as "no filter".
std::string parse_json(const std::string& json, rapidjson::Document& doc) {
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return fmt::format("invalid JSON at offset {}: {}", doc.GetErrorOffset(),
                       rapidjson::GetParseError_En(doc.GetParseError()));
  }
  return {};
}

std::string read_string_array(const rapidjson::Value& v, std::vector<std::string>& out) {
  if (!v.IsArray()) return "want an array of strings";
  for (const auto& e : v.GetArray()) {
    if (!e.IsString()) return "want an array of strings";
    out.emplace_back(e.GetString(), e.GetStringLength());
  }
  return {};
}

// {"<key>": [...]} (key absent, null or [] → any).
template <typename Filter, typename ReadArray>
Filter parse_object_filter(const std::optional<std::string>& json, const char* key, ReadArray read) {
  Filter f;
  if (!json) return f;
  rapidjson::Document doc;
  if (f.error = parse_json(*json, doc); !f.error.empty()) return f;
  if (doc.IsNull()) return f;
  if (!doc.IsObject()) {
    f.error = fmt::format("want an object {{\"{}\":[...]}}", key);
    return f;
  }
  const auto it = doc.FindMember(key);
  if (it == doc.MemberEnd() || it->value.IsNull()) return f;
  f.error = read(it->value, f.values);
  if (!f.error.empty()) f.values.clear();
  return f;
}

}  // namespace

StringFilter parse_events_filter(const std::optional<std::string>& json) {
  StringFilter f;
  if (!json) return f;
  rapidjson::Document doc;
  if (f.error = parse_json(*json, doc); !f.error.empty()) return f;
  if (doc.IsNull()) return f;
  f.error = read_string_array(doc, f.values);
  if (!f.error.empty()) f.values.clear();
  return f;
}

IdFilter parse_site_filter(const std::optional<std::string>& json) {
  return parse_object_filter<IdFilter>(
      json, "site_ids", [](const rapidjson::Value& v, std::vector<std::uint64_t>& out) -> std::string {
        if (!v.IsArray()) return "site_ids: want an array of site ids";
        for (const auto& e : v.GetArray()) {
          if (!e.IsUint64()) return "site_ids: want an array of site ids";
          out.push_back(e.GetUint64());
        }
        return {};
      });
}

StringFilter parse_state_filter(const std::optional<std::string>& json) {
  return parse_object_filter<StringFilter>(
      json, "states", [](const rapidjson::Value& v, std::vector<std::string>& out) -> std::string {
        std::string error = read_string_array(v, out);
        return error.empty() ? error : "states: " + error;
      });
}

std::string filter_error(const WebhookSubscriber& s) {
  if (!s.events.error.empty()) return "events: " + s.events.error;
  if (!s.sites.error.empty()) return "site_filter: " + s.sites.error;
  if (!s.states.error.empty()) return "state_filter: " + s.states.error;
  return {};
}

std::string filter_error(const AlertSubscriber& s) {
  if (!s.sites.error.empty()) return "site_filter: " + s.sites.error;
  return {};
}

std::vector<FilterProblem> FilterWarnings::due(std::vector<FilterProblem> problems) {
  std::map<std::uint64_t, std::string> now;
  std::vector<FilterProblem> out;
  for (FilterProblem& p : problems) {
    const auto before = warned_.find(p.subscriber_id);
    const bool warned = before != warned_.end() && before->second == p.filter_text;
    now[p.subscriber_id] = p.filter_text;
    if (!warned) out.push_back(std::move(p));
  }
  warned_ = std::move(now);
  return out;
}

namespace {

template <typename Filter, typename T>
bool allows(const Filter& f, const T& value) {
  return f.values.empty() || std::find(f.values.begin(), f.values.end(), value) != f.values.end();
}

}  // namespace

bool webhook_matches(const WebhookSubscriber& s, const Transition& t, std::string_view type) {
  if (!s.active || !filter_error(s).empty()) return false;
  return allows(s.events, type) && allows(s.sites, t.blog_id) && allows(s.states, t.state_after);
}

bool alert_matches(const AlertSubscriber& s, const Transition& t) {
  if (!s.active || !filter_error(s).empty()) return false;
  if (!allows(s.sites, t.blog_id)) return false;
  return t.severity_after >= s.min_severity ||
         (t.severity_before >= s.min_severity && t.severity_after == 0);
}

// ---- payload ---------------------------------------------------------------------------------------

std::string build_payload(Family family, const Transition& t, std::string_view type) {
  std::string out = fmt::format(
      R"({{"type":"{}","occurred_at":"{}","transition_id":{},"event_id":{},"site_id":{},"reason":"{}","state":"{}")",
      json_escape(type), format_rfc3339_utc(t.changed_at), t.id, t.event_id, t.blog_id,
      json_escape(t.reason), json_escape(t.state_after));
  if (family == Family::alert) {
    out += fmt::format(R"(,"severity_before":{},"severity_after":{})", t.severity_before, t.severity_after);
  }
  out += '}';
  return out;
}

// ---- ladder ----------------------------------------------------------------------------------------

std::optional<std::chrono::seconds> retry_delay(const RetryLadder& ladder, unsigned failures) {
  if (failures == 0 || failures > ladder.delays.size()) return std::nullopt;
  return ladder.delays[failures - 1];
}

RowUpdate row_update(const SendOutcome& outcome, unsigned attempt_before, const RetryLadder& ladder) {
  RowUpdate u;
  u.attempt = attempt_before + 1;
  u.status_code = outcome.status_code;
  u.response = std::string(utf8_prefix_bytes(valid_utf8(outcome.response), kMaxStoredResponseBytes));
  switch (outcome.kind) {
    case SendOutcome::Kind::delivered:
      u.status = RowUpdate::Status::delivered;
      break;
    case SendOutcome::Kind::abandon:
      u.status = RowUpdate::Status::abandoned;
      break;
    case SendOutcome::Kind::retry:
      u.next_after = retry_delay(ladder, u.attempt);
      u.status = u.next_after ? RowUpdate::Status::pending : RowUpdate::Status::abandoned;
      break;
  }
  return u;
}

std::string_view status_name(RowUpdate::Status status) {
  switch (status) {
    case RowUpdate::Status::pending: return "pending";
    case RowUpdate::Status::delivered: return "delivered";
    case RowUpdate::Status::abandoned: return "abandoned";
  }
  return "pending";
}

// ---- signature -------------------------------------------------------------------------------------

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const unsigned char* ok =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  if (ok == nullptr) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0x0F];
  }
  return hex;
}

std::string signature_header_value(std::string_view secret, std::int64_t unix_seconds,
                                   std::string_view body) {
  const std::string signed_text = fmt::format("{}.{}", unix_seconds, body);
  return fmt::format("t={},v1={}", unix_seconds, hmac_sha256_hex(secret, signed_text));
}

}  // namespace jetmon::delivery

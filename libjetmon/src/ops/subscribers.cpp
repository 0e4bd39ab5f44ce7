#include "jetmon/ops/subscribers.hpp"

#include <openssl/rand.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <ostream>
#include <stdexcept>

#include "check/url.hpp"
#include "common/utf8.hpp"
#include "jetmon/common/columns.hpp"
#include "jetmon/common/text.hpp"
#include "jetmon/common/time.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/db/retry.hpp"
#include "jetmon/delivery/rules.hpp"
#include "jetmon/incident/vocabulary.hpp"
#include "jetmon/ops/database.hpp"

namespace jetmon::ops {
namespace {

constexpr std::size_t kMaxLabel = 128;        // label, owner_tenant_id, created_by columns
constexpr std::size_t kMaxEmail = 254;
constexpr std::size_t kMaxTargetUrl = 2083;        // jetmon_webhooks.url VARCHAR(2083)
constexpr std::size_t kMaxIntegrationKey = 128;
constexpr std::size_t kSecretBytes = 32;
constexpr std::size_t kMaxFilterItems = 1000;  // a filter longer than this is a mistake

// The comma-separated items of `text`, trimmed, empty items skipped.
std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

template <typename T>
void push_unique(std::vector<T>& items, T value) {
  if (std::find(items.begin(), items.end(), value) == items.end()) items.push_back(std::move(value));
}

template <typename T>
Parsed<T> fail(std::string message) {
  return Parsed<T>{std::nullopt, std::move(message)};
}

// Parses a list of names against `known` (compared ignoring ASCII case when `any_case`), giving the
// canonical spelling.
Parsed<std::vector<std::string>> parse_names(std::string_view text, const std::vector<std::string>& known,
                                             std::string_view flag, std::string_view what, bool any_case) {
  std::vector<std::string> names;
  for (const std::string& item : split_list(text)) {
    const auto found = std::find_if(known.begin(), known.end(), [&](const std::string& k) {
      return any_case ? equals_ignore_ascii_case(k, item) : k == item;
    });
    if (found == known.end()) {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      return fail<std::vector<std::string>>(
          fmt::format("{}: {} is not a known {} (want: {})", flag, go_quote(item), what, list));
    }
    push_unique(names, *found);
  }
  if (names.size() > kMaxFilterItems) return fail<std::vector<std::string>>(std::string(flag) + ": too many items");
  return {names, {}};
}

std::optional<std::string> optional_text(std::string_view text) {
  const std::string_view t = trim(text);
  if (t.empty()) return std::nullopt;
  return std::string(t);
}

// A short free-text column (label, owner tenant, created_by): the problem, or nullopt.
std::optional<std::string> short_text_problem(std::string_view flag, std::string_view text, bool required) {
  if (required && trim(text).empty()) return fmt::format("{} is required", flag);
  if (text.size() > kMaxLabel) return fmt::format("{} is longer than {} bytes", flag, kMaxLabel);
  if (valid_utf8(text) != text) return fmt::format("{} is not valid UTF-8", flag);
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return fmt::format("{} contains a control character", flag);
  }
  return std::nullopt;
}

// ---- JSON columns ------------------------------------------------------------------------------

using CompactWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(CompactWriter& w, std::string_view text) {
  const std::string clean = valid_utf8(text);
  w.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
}

std::string string_array_json(const std::vector<std::string>& items) {
  rapidjson::StringBuffer buffer;
  CompactWriter w(buffer);
  w.StartArray();
  for (const std::string& item : items) write_string(w, item);
  w.EndArray();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string site_filter_json(const std::vector<std::uint64_t>& ids) {
  rapidjson::StringBuffer buffer;
  CompactWriter w(buffer);
  w.StartObject();
  w.Key("site_ids");
  w.StartArray();
  for (const std::uint64_t id : ids) w.Uint64(id);
  w.EndArray();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string state_filter_json(const std::vector<std::string>& states) {
  return "{\"states\":" + string_array_json(states) + "}";
}

// The array at `key` of an object (or the document itself when `key` is empty); nullptr when the
// JSON is missing, malformed or of another shape.
const rapidjson::Value* array_in(const rapidjson::Document& doc, const char* key) {
  if (doc.HasParseError()) return nullptr;
  if (!*key) return doc.IsArray() ? &doc : nullptr;
  if (!doc.IsObject()) return nullptr;
  const auto it = doc.FindMember(key);
  if (it == doc.MemberEnd() || !it->value.IsArray()) return nullptr;
  return &it->value;
}

std::vector<std::string> read_strings(const std::optional<std::string>& json, const char* key) {
  std::vector<std::string> items;
  if (!json) return items;
  rapidjson::Document doc;
  doc.Parse(json->data(), json->size());
  if (const rapidjson::Value* array = array_in(doc, key)) {
    for (const auto& v : array->GetArray()) {
      if (v.IsString()) items.emplace_back(v.GetString(), v.GetStringLength());
    }
  }
  return items;
}

std::vector<std::uint64_t> read_ids(const std::optional<std::string>& json) {
  std::vector<std::uint64_t> ids;
  if (!json) return ids;
  rapidjson::Document doc;
  doc.Parse(json->data(), json->size());
  if (const rapidjson::Value* array = array_in(doc, "site_ids")) {
    for (const auto& v : array->GetArray()) {
      if (v.IsUint64()) ids.push_back(v.GetUint64());
    }
  }
  return ids;
}

// ---- rows --------------------------------------------------------------------------------------

constexpr const char* kWebhookColumns =
    "SELECT id, url, active, owner_tenant_id, events, site_filter, state_filter, secret_preview, created_by,"
    " created_at, updated_at FROM jetmon_webhooks";
constexpr const char* kContactColumns =
    "SELECT id, label, active, owner_tenant_id, transport, destination_preview, site_filter, min_severity,"
    " max_per_hour, created_by, created_at, updated_at FROM jetmon_alert_contacts";

WebhookRecord webhook_from(const db::Row& r) {
  WebhookRecord w;
  w.id = r.get_uint64(0).value_or(0);
  w.url = r.get_string(1).value_or("");
  w.active = r.get_int64(2).value_or(0) != 0;
  w.owner_tenant = r.get_string(3);
  w.events = read_strings(r.get_string(4), "");
  w.site_ids = read_ids(r.get_string(5));
  w.states = read_strings(r.get_string(6), "states");
  w.secret_preview = r.get_string(7).value_or("");
  w.created_by = r.get_string(8).value_or("");
  w.created_at = r.get_datetime(9).value_or(db::DateTime{});
  w.updated_at = r.get_datetime(10).value_or(db::DateTime{});
  return w;
}

AlertContactRecord contact_from(const db::Row& r) {
  AlertContactRecord c;
  c.id = r.get_uint64(0).value_or(0);
  c.label = r.get_string(1).value_or("");
  c.active = r.get_int64(2).value_or(0) != 0;
  c.owner_tenant = r.get_string(3);
  c.transport = r.get_string(4).value_or("");
  c.destination_preview = r.get_string(5).value_or("");
  c.site_ids = read_ids(r.get_string(6));
  c.min_severity = static_cast<int>(r.get_int64(7).value_or(4));
  c.max_per_hour = r.get_int64(8).value_or(60);
  c.created_by = r.get_string(9).value_or("");
  c.created_at = r.get_datetime(10).value_or(db::DateTime{});
  c.updated_at = r.get_datetime(11).value_or(db::DateTime{});
  return c;
}

// ---- output helpers ----------------------------------------------------------------------------

std::string join_or(const std::vector<std::string>& items, std::string_view none) {
  if (items.empty()) return std::string(none);
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

std::string ids_or(const std::vector<std::uint64_t>& ids, std::string_view none) {
  std::vector<std::string> items;
  for (const std::uint64_t id : ids) items.push_back(std::to_string(id));
  return join_or(items, none);
}

std::string time_text(db::DateTime time) {
  return format_rfc3339_utc(std::chrono::time_point_cast<std::chrono::system_clock::duration>(time.time));
}

std::string masked(std::string_view preview) { return preview.empty() ? "-" : "..." + std::string(preview); }

using PrettyWriter = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

// One "key": value pair per call, so each record writer is a plain list of its columns.
void put(PrettyWriter& w, const char* key, std::string_view text) {
  w.Key(key);
  const std::string clean = valid_utf8(text);
  w.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
}
void put(PrettyWriter& w, const char* key, const std::string& text) { put(w, key, std::string_view(text)); }
void put(PrettyWriter& w, const char* key, bool value) {
  w.Key(key);
  w.Bool(value);
}
void put(PrettyWriter& w, const char* key, std::int64_t value) {
  w.Key(key);
  w.Int64(value);
}
void put(PrettyWriter& w, const char* key, std::uint64_t value) {
  w.Key(key);
  w.Uint64(value);
}
void put(PrettyWriter& w, const char* key, const std::optional<std::string>& text) {
  if (text) return put(w, key, std::string_view(*text));
  w.Key(key);
  w.Null();
}
void put(PrettyWriter& w, const char* key, const std::vector<std::uint64_t>& ids) {
  w.Key(key);
  w.StartArray();
  for (const std::uint64_t id : ids) w.Uint64(id);
  w.EndArray();
}
void put(PrettyWriter& w, const char* key, const std::vector<std::string>& items) {
  w.Key(key);
  w.StartArray();
  for (const std::string& item : items) {
    const std::string clean = valid_utf8(item);
    w.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
  }
  w.EndArray();
}

// The bookkeeping columns both tables end with.
template <typename Record>
void put_provenance(PrettyWriter& w, const Record& r) {
  put(w, "created_by", r.created_by);
  put(w, "created_at", time_text(r.created_at));
  put(w, "updated_at", time_text(r.updated_at));
}

template <typename Record>
void add_provenance_rows(std::vector<std::vector<std::string>>& rows, const Record& r) {
  rows.push_back({"created_by:", r.created_by.empty() ? "-" : r.created_by});
  rows.push_back({"created_at:", time_text(r.created_at)});
  rows.push_back({"updated_at:", time_text(r.updated_at)});
}

void write_webhook(PrettyWriter& w, const WebhookRecord& r, const std::optional<std::string>& secret) {
  w.StartObject();
  put(w, "id", r.id);
  put(w, "url", r.url);
  put(w, "active", r.active);
  put(w, "owner_tenant_id", r.owner_tenant);
  put(w, "events", r.events);
  put(w, "site_ids", r.site_ids);
  put(w, "states", r.states);
  put(w, "secret_preview", r.secret_preview);
  if (secret) put(w, "secret", *secret);
  put_provenance(w, r);
  w.EndObject();
}

void write_contact(PrettyWriter& w, const AlertContactRecord& r) {
  w.StartObject();
  put(w, "id", r.id);
  put(w, "label", r.label);
  put(w, "active", r.active);
  put(w, "owner_tenant_id", r.owner_tenant);
  put(w, "transport", r.transport);
  put(w, "destination_preview", r.destination_preview);
  put(w, "site_ids", r.site_ids);
  put(w, "min_severity", static_cast<std::int64_t>(r.min_severity));
  put(w, "max_per_hour", r.max_per_hour);
  put_provenance(w, r);
  w.EndObject();
}

template <typename Record, typename Write>
std::string pretty_json(const Record& record, Write write) {
  rapidjson::StringBuffer buffer;
  PrettyWriter w(buffer);
  w.SetIndent(' ', 2);
  write(w, record);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string severity_name(int severity) {
  static const char* const names[] = {"Up", "Warning", "Degraded", "Seems Down", "Down"};
  return severity >= 0 && severity <= 4 ? fmt::format("{} ({})", severity, names[severity]) : std::to_string(severity);
}

std::string per_hour_text(std::int64_t max_per_hour) {
  return max_per_hour == 0 ? std::string("unlimited") : std::to_string(max_per_hour);
}

}  // namespace

// ---- input ------------------------------------------------------------------------------------

const std::vector<std::string>& webhook_event_types() { return delivery::event_types(delivery::Family::webhook); }

const std::vector<std::string>& alert_transports() {
  static const std::vector<std::string> transports = {"email", "pagerduty", "slack", "teams"};
  return transports;
}

const std::vector<std::string>& filter_states() {
  namespace s = incident::states;
  static const std::vector<std::string> states = {
      std::string(s::up),     std::string(s::warning),     std::string(s::degraded),
      std::string(s::seems_down), std::string(s::down),    std::string(s::paused),
      std::string(s::maintenance), std::string(s::unknown), std::string(s::resolved)};
  return states;
}

Parsed<std::vector<std::uint64_t>> parse_site_ids(std::string_view text) {
  std::vector<std::uint64_t> ids;
  for (const std::string& item : split_list(text)) {
    std::uint64_t id = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
    if (ec != std::errc{} || end != item.data() + item.size() || id == 0) {
      return fail<std::vector<std::uint64_t>>(fmt::format("--site-ids: {} is not a positive integer", go_quote(item)));
    }
    push_unique(ids, id);
  }
  if (ids.size() > kMaxFilterItems) return fail<std::vector<std::uint64_t>>("--site-ids: too many items");
  return {ids, {}};
}

Parsed<std::vector<std::string>> parse_event_types(std::string_view text) {
  return parse_names(text, webhook_event_types(), "--events", "event type", false);
}

Parsed<std::vector<std::string>> parse_filter_states(std::string_view text) {
  return parse_names(text, filter_states(), "--states", "state", true);
}

std::optional<std::string> target_url_problem(std::string_view url) {
  if (trim(url).empty()) return std::string("is required");
  if (url.size() > kMaxTargetUrl) return fmt::format("URL is {} characters, longer than {}", url.size(), kMaxTargetUrl);
  return check::url_problem(url);
}

std::optional<std::string> email_address_problem(std::string_view address) {
  if (address.empty()) return std::string("is required");
  if (address.size() > kMaxEmail) return fmt::format("is longer than {} bytes", kMaxEmail);
  for (const char c : address) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f || c == ',' || c == ';' || c == '<' || c == '>' || c == '"') {
      return fmt::format("{} is not one plain email address", go_quote(address));
    }
  }
  const std::size_t at = address.find('@');
  if (at == std::string_view::npos || at == 0 || address.find('@', at + 1) != std::string_view::npos) {
    return fmt::format("{} is not an email address (want local@domain)", go_quote(address));
  }
  const std::string_view domain = address.substr(at + 1);
  const std::size_t dot = domain.find('.');
  if (dot == std::string_view::npos || dot == 0 || domain.back() == '.' || domain.find("..") != std::string_view::npos) {
    return fmt::format("{} has no valid domain (want local@domain.tld)", go_quote(address));
  }
  return std::nullopt;
}

Parsed<WebhookSpec> check_webhook_input(const WebhookInput& in) {
  WebhookSpec spec;
  spec.url = std::string(trim(in.url));
  if (const auto problem = target_url_problem(spec.url)) return fail<WebhookSpec>("--url: " + *problem);
  const auto events = parse_event_types(in.events);
  if (!events) return fail<WebhookSpec>(events.error);
  const auto sites = parse_site_ids(in.site_ids);
  if (!sites) return fail<WebhookSpec>(sites.error);
  const auto states = parse_filter_states(in.states);
  if (!states) return fail<WebhookSpec>(states.error);
  if (const auto problem = short_text_problem("--owner-tenant", in.owner_tenant, false)) return fail<WebhookSpec>(*problem);
  if (const auto problem = short_text_problem("--created-by", in.created_by, false)) return fail<WebhookSpec>(*problem);
  spec.events = *events.value;
  spec.site_ids = *sites.value;
  spec.states = *states.value;
  spec.owner_tenant = optional_text(in.owner_tenant);
  spec.created_by = std::string(trim(in.created_by));
  return {spec, {}};
}

Parsed<AlertContactSpec> check_alert_contact_input(const AlertContactInput& in) {
  AlertContactSpec spec;
  if (const auto problem = short_text_problem("--label", in.label, true)) return fail<AlertContactSpec>(*problem);
  spec.label = std::string(trim(in.label));
  spec.transport = to_lower_ascii(trim(in.transport));
  const auto& transports = alert_transports();
  if (std::find(transports.begin(), transports.end(), spec.transport) == transports.end()) {
    return fail<AlertContactSpec>(fmt::format("--transport: {} is not a transport (want: email, pagerduty, slack, teams)",
                                              go_quote(in.transport)));
  }
  spec.destination = std::string(trim(in.destination));
  std::optional<std::string> problem;
  if (spec.transport == "email") {
    problem = email_address_problem(spec.destination);
  } else if (spec.transport == "pagerduty") {
    if (spec.destination.empty()) {
      problem = "is required (the PagerDuty Events v2 integration key)";
    } else if (spec.destination.size() > kMaxIntegrationKey) {
      problem = fmt::format("is longer than {} bytes", kMaxIntegrationKey);
    } else if (!std::all_of(spec.destination.begin(), spec.destination.end(), [](char c) {
                 return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
               })) {
      problem = "an integration key has only letters, digits, '-' and '_'";
    }
  } else {
    problem = target_url_problem(spec.destination);
  }
  if (problem) return fail<AlertContactSpec>("--destination: " + *problem);
  const auto sites = parse_site_ids(in.site_ids);
  if (!sites) return fail<AlertContactSpec>(sites.error);
  if (in.min_severity < 0 || in.min_severity > 4) {
    return fail<AlertContactSpec>(fmt::format(
        "--min-severity: {} is out of range (0 Up, 1 Warning, 2 Degraded, 3 Seems Down, 4 Down)", in.min_severity));
  }
  if (in.max_per_hour < 0) {
    return fail<AlertContactSpec>(fmt::format("--max-per-hour: {} must be >= 0 (0 = unlimited)", in.max_per_hour));
  }
  if (const auto p = short_text_problem("--owner-tenant", in.owner_tenant, false)) return fail<AlertContactSpec>(*p);
  if (const auto p = short_text_problem("--created-by", in.created_by, false)) return fail<AlertContactSpec>(*p);
  spec.site_ids = *sites.value;
  spec.min_severity = in.min_severity;
  spec.max_per_hour = in.max_per_hour;
  spec.owner_tenant = optional_text(in.owner_tenant);
  spec.created_by = std::string(trim(in.created_by));
  return {spec, {}};
}

std::string destination_json(std::string_view transport, std::string_view destination) {
  const char* key = transport == "email" ? "address" : transport == "pagerduty" ? "integration_key" : "webhook_url";
  rapidjson::StringBuffer buffer;
  CompactWriter w(buffer);
  w.StartObject();
  w.Key(key);
  write_string(w, destination);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

// ---- secrets ----------------------------------------------------------------------------------

std::string base32_unpadded(const std::vector<std::uint8_t>& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  unsigned buffer = 0;
  int bits = 0;
  for (const std::uint8_t byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += kAlphabet[(buffer >> bits) & 0x1f];
    }
    buffer &= (1u << bits) - 1;  // keep only the bits not yet written
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 0x1f];
  return out;
}

std::string generate_webhook_secret() {
  std::vector<std::uint8_t> bytes(kSecretBytes);
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("no randomness available for a webhook secret (RAND_bytes failed)");
  }
  return "whsec_" + base32_unpadded(bytes);
}

std::string preview_of(std::string_view text) {
  return std::string(text.size() <= 4 ? text : text.substr(text.size() - 4));
}

// ---- rows -------------------------------------------------------------------------------------

std::uint64_t insert_webhook(db::Connection& connection, const WebhookSpec& spec, const std::string& secret) {
  return connection
      .exec("INSERT INTO jetmon_webhooks (url, active, owner_tenant_id, events, site_filter, state_filter, secret,"
            " secret_preview, created_by) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)",
            {spec.url, spec.owner_tenant, string_array_json(spec.events), site_filter_json(spec.site_ids),
             state_filter_json(spec.states), secret, preview_of(secret), spec.created_by})
      .last_insert_id;
}

std::uint64_t insert_alert_contact(db::Connection& connection, const AlertContactSpec& spec) {
  return connection
      .exec("INSERT INTO jetmon_alert_contacts (label, active, owner_tenant_id, transport, destination,"
            " destination_preview, site_filter, min_severity, max_per_hour, created_by)"
            " VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?)",
            {spec.label, spec.owner_tenant, spec.transport, destination_json(spec.transport, spec.destination),
             preview_of(spec.destination), site_filter_json(spec.site_ids), spec.min_severity, spec.max_per_hour,
             spec.created_by})
      .last_insert_id;
}

std::vector<WebhookRecord> list_webhooks(db::Connection& connection) {
  std::vector<WebhookRecord> records;
  for (const db::Row& row : connection.query(std::string(kWebhookColumns) + " ORDER BY id")) {
    records.push_back(webhook_from(row));
  }
  return records;
}

std::vector<AlertContactRecord> list_alert_contacts(db::Connection& connection) {
  std::vector<AlertContactRecord> records;
  for (const db::Row& row : connection.query(std::string(kContactColumns) + " ORDER BY id")) {
    records.push_back(contact_from(row));
  }
  return records;
}

std::optional<WebhookRecord> find_webhook(db::Connection& connection, std::uint64_t id) {
  const auto row = connection.query_one(std::string(kWebhookColumns) + " WHERE id = ?", {id});
  if (!row) return std::nullopt;
  return webhook_from(*row);
}

std::optional<AlertContactRecord> find_alert_contact(db::Connection& connection, std::uint64_t id) {
  const auto row = connection.query_one(std::string(kContactColumns) + " WHERE id = ?", {id});
  if (!row) return std::nullopt;
  return contact_from(*row);
}

bool disable_webhook(db::Connection& connection, std::uint64_t id) {
  connection.exec("UPDATE jetmon_webhooks SET active = 0 WHERE id = ?", {id});
  return find_webhook(connection, id).has_value();
}

bool disable_alert_contact(db::Connection& connection, std::uint64_t id) {
  connection.exec("UPDATE jetmon_alert_contacts SET active = 0 WHERE id = ?", {id});
  return find_alert_contact(connection, id).has_value();
}

bool replace_webhook_secret(db::Connection& connection, std::uint64_t id, const std::string& secret) {
  // affected_rows is 0 both for a missing row and an unchanged one; a fresh secret always changes.
  return connection
             .exec("UPDATE jetmon_webhooks SET secret = ?, secret_preview = ? WHERE id = ?",
                   {secret, preview_of(secret), id})
             .affected_rows == 1;
}

// ---- output -----------------------------------------------------------------------------------

std::string webhooks_table(const std::vector<WebhookRecord>& records) {
  if (records.empty()) return "(no webhooks)\n";
  std::vector<std::vector<std::string>> rows{
      {"ID", "ACTIVE", "URL", "EVENTS", "SITES", "STATES", "OWNER", "SECRET", "CREATED_AT"}};
  for (const WebhookRecord& r : records) {
    rows.push_back({std::to_string(r.id), r.active ? "yes" : "no", r.url, join_or(r.events, "all"),
                    ids_or(r.site_ids, "all"), join_or(r.states, "all"), r.owner_tenant.value_or("-"),
                    masked(r.secret_preview), time_text(r.created_at)});
  }
  return format_columns(rows);
}

std::string alert_contacts_table(const std::vector<AlertContactRecord>& records) {
  if (records.empty()) return "(no alert contacts)\n";
  std::vector<std::vector<std::string>> rows{{"ID", "ACTIVE", "LABEL", "TRANSPORT", "DESTINATION", "SITES",
                                              "MIN_SEVERITY", "MAX_PER_HOUR", "OWNER", "CREATED_AT"}};
  for (const AlertContactRecord& r : records) {
    rows.push_back({std::to_string(r.id), r.active ? "yes" : "no", r.label, r.transport,
                    masked(r.destination_preview), ids_or(r.site_ids, "all"), std::to_string(r.min_severity),
                    per_hour_text(r.max_per_hour), r.owner_tenant.value_or("-"), time_text(r.created_at)});
  }
  return format_columns(rows);
}

std::string webhook_text(const WebhookRecord& r, const std::optional<std::string>& secret) {
  std::vector<std::vector<std::string>> rows{
      {"id:", std::to_string(r.id)},
      {"url:", r.url},
      {"active:", r.active ? "yes" : "no"},
      {"owner_tenant_id:", r.owner_tenant.value_or("-")},
      {"events:", join_or(r.events, "all")},
      {"site_ids:", ids_or(r.site_ids, "all")},
      {"states:", join_or(r.states, "all")},
      {"secret_preview:", masked(r.secret_preview)},
  };
  add_provenance_rows(rows, r);
  std::string text = format_columns(rows);
  if (secret) {
    text += "\nsecret: " + *secret +
            "\nThis is the only time the secret is shown; store it now (it signs X-Jetmon-Signature).\n";
  }
  return text;
}

std::string alert_contact_text(const AlertContactRecord& r) {
  std::vector<std::vector<std::string>> rows{
      {"id:", std::to_string(r.id)},
      {"label:", r.label},
      {"active:", r.active ? "yes" : "no"},
      {"owner_tenant_id:", r.owner_tenant.value_or("-")},
      {"transport:", r.transport},
      {"destination_preview:", masked(r.destination_preview)},
      {"site_ids:", ids_or(r.site_ids, "all")},
      {"min_severity:", severity_name(r.min_severity)},
      {"max_per_hour:", per_hour_text(r.max_per_hour)},
  };
  add_provenance_rows(rows, r);
  return format_columns(rows);
}

std::string webhook_json(const WebhookRecord& record, const std::optional<std::string>& secret) {
  return pretty_json(record, [&](PrettyWriter& w, const WebhookRecord& r) { write_webhook(w, r, secret); });
}

std::string alert_contact_json(const AlertContactRecord& record) {
  return pretty_json(record, [](PrettyWriter& w, const AlertContactRecord& r) { write_contact(w, r); });
}

std::string webhooks_json(const std::vector<WebhookRecord>& records) {
  return pretty_json(records, [](PrettyWriter& w, const std::vector<WebhookRecord>& rs) {
    w.StartArray();
    for (const WebhookRecord& r : rs) write_webhook(w, r, std::nullopt);
    w.EndArray();
  });
}

std::string alert_contacts_json(const std::vector<AlertContactRecord>& records) {
  return pretty_json(records, [](PrettyWriter& w, const std::vector<AlertContactRecord>& rs) {
    w.StartArray();
    for (const AlertContactRecord& r : rs) write_contact(w, r);
    w.EndArray();
  });
}

// ---- commands ---------------------------------------------------------------------------------

namespace {

// What one subscriber table brings to the shared command runner.
struct WebhookFamily {
  using Record = WebhookRecord;
  static constexpr const char* noun = "webhook";
  static Parsed<WebhookSpec> check(const SubscriberCommand& c) { return check_webhook_input(c.webhook); }
  static std::optional<Record> find(db::Connection& c, std::uint64_t id) { return find_webhook(c, id); }
  static std::vector<Record> list(db::Connection& c) { return list_webhooks(c); }
  static bool disable(db::Connection& c, std::uint64_t id) { return disable_webhook(c, id); }
  static std::string table(const std::vector<Record>& r) { return webhooks_table(r); }
  static std::string json(const std::vector<Record>& r) { return webhooks_json(r); }
  static std::string text(const Record& r, const std::optional<std::string>& secret) { return webhook_text(r, secret); }
  static std::string json(const Record& r, const std::optional<std::string>& secret) { return webhook_json(r, secret); }
  // Inserts the row; the secret to show once.
  static std::optional<std::string> insert(db::Connection& c, const WebhookSpec& spec, std::uint64_t& id) {
    std::string secret = generate_webhook_secret();
    id = insert_webhook(c, spec, secret);
    return secret;
  }
};

struct AlertContactFamily {
  using Record = AlertContactRecord;
  static constexpr const char* noun = "alert contact";
  static Parsed<AlertContactSpec> check(const SubscriberCommand& c) { return check_alert_contact_input(c.contact); }
  static std::optional<Record> find(db::Connection& c, std::uint64_t id) { return find_alert_contact(c, id); }
  static std::vector<Record> list(db::Connection& c) { return list_alert_contacts(c); }
  static bool disable(db::Connection& c, std::uint64_t id) { return disable_alert_contact(c, id); }
  static std::string table(const std::vector<Record>& r) { return alert_contacts_table(r); }
  static std::string json(const std::vector<Record>& r) { return alert_contacts_json(r); }
  static std::string text(const Record& r, const std::optional<std::string>&) { return alert_contact_text(r); }
  static std::string json(const Record& r, const std::optional<std::string>&) { return alert_contact_json(r); }
  static std::optional<std::string> insert(db::Connection& c, const AlertContactSpec& spec, std::uint64_t& id) {
    id = insert_alert_contact(c, spec);
    return std::nullopt;
  }
};

template <typename Family>
int run_command(const config::Environment& env, const SubscriberCommand& command, std::ostream& out,
                std::ostream& err) {
  using Record = typename Family::Record;
  const auto checked = command.action == SubscriberAction::add ? Family::check(command) : decltype(Family::check(command)){};
  if (command.action == SubscriberAction::add && !checked) {
    err << checked.error << "\n";
    return 2;
  }
  if (command.action == SubscriberAction::rotate_secret && std::string_view(Family::noun) != "webhook") {
    err << Family::noun << "s have no secret to rotate\n";
    return 2;
  }
  const auto show = [&](const Record& record, const std::optional<std::string>& secret) {
    out << (command.json ? Family::json(record, secret) + "\n" : Family::text(record, secret));
  };
  const auto not_found = [&] {
    err << Family::noun << " " << command.id << " not found\n";
    return 1;
  };
  try {
    db::Connection connection =
        db::connect_with_retry(connect_options(config::db_settings_from_env(env)), std::max(1, command.db_attempts));
    switch (command.action) {
      case SubscriberAction::add: {
        std::uint64_t id = 0;
        const std::optional<std::string> secret = Family::insert(connection, *checked.value, id);
        const auto record = Family::find(connection, id);
        if (!record) throw std::runtime_error(fmt::format("the new {} row {} is gone", Family::noun, id));
        if (!command.json) out << Family::noun << " " << id << " created\n";
        show(*record, secret);
        return 0;
      }
      case SubscriberAction::list: {
        const auto records = Family::list(connection);
        out << (command.json ? Family::json(records) + "\n" : Family::table(records));
        return 0;
      }
      case SubscriberAction::show: {
        const auto record = Family::find(connection, command.id);
        if (!record) return not_found();
        show(*record, std::nullopt);
        return 0;
      }
      case SubscriberAction::disable: {
        if (!Family::disable(connection, command.id)) return not_found();
        if (!command.json) {
          out << Family::noun << " " << command.id << " disabled\n";
        } else if (const auto record = Family::find(connection, command.id)) {
          show(*record, std::nullopt);
        }
        return 0;
      }
      case SubscriberAction::rotate_secret: {
        const std::string secret = generate_webhook_secret();
        if (!replace_webhook_secret(connection, command.id, secret)) return not_found();
        const auto record = Family::find(connection, command.id);
        if (!record) return not_found();
        if (!command.json) out << Family::noun << " " << command.id << " secret rotated; the old secret no longer verifies\n";
        show(*record, secret);
        return 0;
      }
    }
  } catch (const std::exception& e) {
    err << "db: " << e.what() << "\n";
  }
  return 1;
}

}  // namespace

int run_webhooks_command(const config::Environment& env, const SubscriberCommand& command, std::ostream& out,
                         std::ostream& err) {
  return run_command<WebhookFamily>(env, command, out, err);
}

int run_alert_contacts_command(const config::Environment& env, const SubscriberCommand& command,
                               std::ostream& out, std::ostream& err) {
  return run_command<AlertContactFamily>(env, command, out, err);
}

}  // namespace jetmon::ops

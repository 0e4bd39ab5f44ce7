#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jetmon/config/config.hpp"
#include "jetmon/db/value.hpp"

namespace jetmon::db {
class Connection;
}

// Managing delivery subscribers without an API (issue #6 §5): `jetmon2 webhooks
// add|list|show|disable|rotate-secret` and `jetmon2 alert-contacts add|list|show|disable`, writing
// jetmon_webhooks and jetmon_alert_contacts (dashboard-fleet.md §8.1, monitor.md §2.2). Input
// checks are pure functions whose errors name the flag; the app turns them into usage + exit 2.
namespace jetmon::ops {

// ---- input ------------------------------------------------------------------------------------

// The webhook event types of dashboard-fleet.md §8.2, in table order.
const std::vector<std::string>& webhook_event_types();
// The alert-contact transports of the jetmon_alert_contacts ENUM.
const std::vector<std::string>& alert_transports();
// The event states a state filter may name (monitor.md §6.1 vocabulary).
const std::vector<std::string>& filter_states();

// A value or the error line (it names the flag, e.g. "--site-ids: \"x\" is not a positive integer").
template <typename T>
struct Parsed {
  std::optional<T> value;
  std::string error;
  explicit operator bool() const { return value.has_value(); }
};

// Comma-separated lists; blanks around items are ignored, duplicates dropped (first kept), an empty
// text is the empty list (no filter).
Parsed<std::vector<std::uint64_t>> parse_site_ids(std::string_view text);        // --site-ids
Parsed<std::vector<std::string>> parse_event_types(std::string_view text);       // --events
Parsed<std::vector<std::string>> parse_filter_states(std::string_view text);     // --states (case-insensitive)

// Why `url` cannot be a delivery target (absolute http/https with a host, ≤ 2083 characters, no
// spaces or control characters), or nullopt.
std::optional<std::string> target_url_problem(std::string_view url);
// Why `address` is not one plain mailbox (local@domain.tld, no spaces, ≤ 254 bytes), or nullopt.
std::optional<std::string> email_address_problem(std::string_view address);

// What `webhooks add` and `alert-contacts add` receive from the command line.
struct WebhookInput {
  std::string url;
  std::string events;
  std::string site_ids;
  std::string states;
  std::string owner_tenant;
  std::string created_by = "cli";
};

struct AlertContactInput {
  std::string label;
  std::string transport;
  std::string destination;
  std::string site_ids;
  int min_severity = 4;
  int max_per_hour = 60;
  std::string owner_tenant;
  std::string created_by = "cli";
};

// The checked values, ready for the table.
struct WebhookSpec {
  std::string url;
  std::vector<std::string> events;       // empty: every event type
  std::vector<std::uint64_t> site_ids;   // empty: every site
  std::vector<std::string> states;       // empty: every state
  std::optional<std::string> owner_tenant;
  std::string created_by;
};

struct AlertContactSpec {
  std::string label;
  std::string transport;
  std::string destination;               // the address, integration key or webhook URL
  std::vector<std::uint64_t> site_ids;
  int min_severity = 4;
  int max_per_hour = 60;
  std::optional<std::string> owner_tenant;
  std::string created_by;
};

Parsed<WebhookSpec> check_webhook_input(const WebhookInput& input);
Parsed<AlertContactSpec> check_alert_contact_input(const AlertContactInput& input);

// The destination JSON object stored for a transport: {"address":…} (email),
// {"integration_key":…} (pagerduty), {"webhook_url":…} (slack, teams).
std::string destination_json(std::string_view transport, std::string_view destination);

// ---- secrets ----------------------------------------------------------------------------------

// RFC 4648 base32 (A–Z, 2–7), without '=' padding.
std::string base32_unpadded(const std::vector<std::uint8_t>& bytes);
// "whsec_" + base32_unpadded(32 bytes from the OS CSPRNG) (58 characters). Throws
// std::runtime_error when the system has no randomness to give.
std::string generate_webhook_secret();
// The last 4 characters (the whole text when shorter): secret_preview / destination_preview.
std::string preview_of(std::string_view text);

// ---- rows -------------------------------------------------------------------------------------

struct WebhookRecord {
  std::uint64_t id = 0;
  std::string url;
  bool active = false;
  std::optional<std::string> owner_tenant;
  std::vector<std::string> events;
  std::vector<std::uint64_t> site_ids;
  std::vector<std::string> states;
  std::string secret_preview;
  std::string created_by;
  db::DateTime created_at;
  db::DateTime updated_at;
};

struct AlertContactRecord {
  std::uint64_t id = 0;
  std::string label;
  bool active = false;
  std::optional<std::string> owner_tenant;
  std::string transport;
  std::string destination_preview;
  std::vector<std::uint64_t> site_ids;
  int min_severity = 4;
  std::int64_t max_per_hour = 60;
  std::string created_by;
  db::DateTime created_at;
  db::DateTime updated_at;
};

// Inserts a webhook with `secret`; returns its id.
std::uint64_t insert_webhook(db::Connection& connection, const WebhookSpec& spec, const std::string& secret);
std::uint64_t insert_alert_contact(db::Connection& connection, const AlertContactSpec& spec);
std::vector<WebhookRecord> list_webhooks(db::Connection& connection);
std::vector<AlertContactRecord> list_alert_contacts(db::Connection& connection);
std::optional<WebhookRecord> find_webhook(db::Connection& connection, std::uint64_t id);
std::optional<AlertContactRecord> find_alert_contact(db::Connection& connection, std::uint64_t id);
// active = 0; false when there is no such row.
bool disable_webhook(db::Connection& connection, std::uint64_t id);
bool disable_alert_contact(db::Connection& connection, std::uint64_t id);
// New secret and preview; false when there is no such row.
bool replace_webhook_secret(db::Connection& connection, std::uint64_t id, const std::string& secret);

// ---- output -----------------------------------------------------------------------------------

// list: an aligned table (header + one row per record; "(no webhooks)" when empty).
std::string webhooks_table(const std::vector<WebhookRecord>& records);
std::string alert_contacts_table(const std::vector<AlertContactRecord>& records);
// show: "key: value" lines; `secret` (add, rotate-secret) is printed once, with a reminder.
std::string webhook_text(const WebhookRecord& record, const std::optional<std::string>& secret = std::nullopt);
std::string alert_contact_text(const AlertContactRecord& record);
// --output=json: one object (2-space indent); `secret` adds a "secret" key.
std::string webhook_json(const WebhookRecord& record, const std::optional<std::string>& secret = std::nullopt);
std::string alert_contact_json(const AlertContactRecord& record);
std::string webhooks_json(const std::vector<WebhookRecord>& records);
std::string alert_contacts_json(const std::vector<AlertContactRecord>& records);

// ---- commands ---------------------------------------------------------------------------------

enum class SubscriberAction { add, list, show, disable, rotate_secret };

struct SubscriberCommand {
  SubscriberAction action = SubscriberAction::list;
  std::uint64_t id = 0;  // show, disable, rotate-secret
  bool json = false;     // --output=json
  WebhookInput webhook;
  AlertContactInput contact;
  int db_attempts = 3;
};

// Runs one command against the DB_* database. Input errors → the error on `err`, exit 2 (the app
// checks first and prints usage); a missing id → "webhook <id> not found" / "alert contact <id>
// not found", exit 1; DB errors → "db: …", exit 1.
int run_webhooks_command(const config::Environment& env, const SubscriberCommand& command, std::ostream& out,
                         std::ostream& err);
int run_alert_contacts_command(const config::Environment& env, const SubscriberCommand& command,
                               std::ostream& out, std::ostream& err);

}  // namespace jetmon::ops

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "jetmon/db/connection.hpp"
#include "jetmon/db/migrations.hpp"
#include "support/test_db.hpp"

using jetmon::db::Connection;
using jetmon::db::embedded_migrations;
using jetmon::db::Migration;
using jetmon::db::MigrationError;
using jetmon::db::run_migrations;
using jetmon::test::TestDatabase;

// ---- the expected final schema, as data (monitor.md §2.2, dashboard-fleet.md §6.1) ---------------
namespace {

constexpr const char* kNoDefault = "<none>";  // NOT NULL without a DEFAULT clause
constexpr const char* kUnchecked = "<unchecked>";

struct Col {
  std::string name;
  std::string type;  // normalized COLUMN_TYPE: lower case, no integer display width; JSON as "json"
  bool nullable;
  std::string dflt;   // COLUMN_DEFAULT as MariaDB 10.11 spells it, kNoDefault or kUnchecked
  std::string extra;  // EXTRA, lower case
};

struct Index {
  std::string name;
  std::vector<std::string> columns;
  bool unique;
};

struct Table {
  std::string name;
  std::vector<Col> columns;  // in table order
  std::vector<Index> indexes;
};

// Shorthands following the spec's abbreviations.
Col nn(std::string n, std::string t, std::string d = kNoDefault) { return {n, t, false, d, ""}; }
Col nul(std::string n, std::string t, std::string d = "NULL") { return {n, t, true, d, ""}; }
Col pkinc(std::string n = "id") { return {n, "bigint unsigned", false, kNoDefault, "auto_increment"}; }
Col ct(std::string n) { return {n, "timestamp", false, "current_timestamp()", ""}; }
Col ctu(std::string n) {
  return {n, "timestamp", false, "current_timestamp()", "on update current_timestamp()"};
}
Index pk(std::vector<std::string> c) { return {"PRIMARY", c, true}; }
Index uk(std::string n, std::vector<std::string> c) { return {n, c, true}; }
Index ix(std::string n, std::vector<std::string> c) { return {n, c, false}; }

const std::string BU = "bigint unsigned";
const std::string DELIVERY_STATUS = "enum('pending','delivered','failed','abandoned')";

std::vector<Col> delivery_columns(const std::string& subscriber, bool with_severity) {
  std::vector<Col> c{pkinc(), nn(subscriber, BU), nn("transition_id", BU), nn("event_id", BU),
                     nn("event_type", "varchar(64)")};
  if (with_severity) c.push_back(nn("severity", "tinyint unsigned"));
  for (Col x : {nn("payload", "json"), nn("status", DELIVERY_STATUS, "'pending'"),
                nn("attempt", "int unsigned", "0"), nul("next_attempt_at", "timestamp"),
                nul("last_status_code", "int"), nul("last_response", "varchar(2048)"),
                nul("last_attempt_at", "timestamp"), nul("delivered_at", "timestamp"), ct("created_at")})
    c.push_back(x);
  return c;
}

std::vector<Index> delivery_indexes(const std::string& unique_name, const std::string& subscriber,
                                    const std::string& created_index) {
  return {pk({"id"}),
          uk(unique_name, {subscriber, "transition_id"}),
          ix("idx_status_next_attempt", {"status", "next_attempt_at"}),
          ix(created_index, {subscriber, "created_at"}),
          ix("idx_event_id", {"event_id"}),
          ix("idx_status_delivered_at", {"status", "delivered_at"}),
          ix("idx_status_last_attempt_at", {"status", "last_attempt_at"}),
          ix("idx_status_created_at", {"status", "created_at"})};
}

const std::vector<Table>& expected_schema() {
  static const std::vector<Table> tables{
      {"jetmon_schema_migrations", {nn("id", "int unsigned"), ct("applied_at")}, {pk({"id"})}},
      {"jetpack_monitor_sites",
       {pkinc("jetpack_monitor_site_id"), nn("blog_id", BU), nn("bucket_no", "smallint unsigned", "0"),
        nn("monitor_url", "varchar(2083)", "''"), nn("monitor_active", "tinyint unsigned", "0"),
        nn("site_status", "tinyint", "1"), nul("last_status_change", "datetime"),
        nn("check_interval", "smallint unsigned", "5"),
        // migration 3
        nul("ssl_expiry_date", "date"), nul("check_keyword", "varchar(500)"),
        nul("maintenance_start", "datetime"), nul("maintenance_end", "datetime"),
        nul("custom_headers", "json"), nul("timeout_seconds", "tinyint unsigned"),
        nul("redirect_policy", "enum('follow','alert','fail')", "'follow'"),
        nul("alert_cooldown_minutes", "smallint unsigned"),
        // migration 8
        nul("last_checked_at", "datetime"), nul("last_alert_sent_at", "datetime")},
       {pk({"jetpack_monitor_site_id"}), ix("idx_bucket_active", {"bucket_no", "monitor_active"}),
        ix("idx_bucket_monitor_last_checked", {"bucket_no", "monitor_active", "last_checked_at"})}},
      {"jetmon_hosts",
       {nn("host_id", "varchar(255)"), nn("bucket_min", "smallint unsigned"),
        nn("bucket_max", "smallint unsigned"), ct("last_heartbeat"),
        nn("status", "enum('active','draining')", "'active'")},
       {pk({"host_id"})}},
      {"jetmon_audit_log",
       {pkinc(), nul("blog_id", BU), nul("event_id", BU), nn("event_type", "varchar(64)"),
        nn("source", "varchar(255)", "'local'"), nul("detail", "varchar(1024)"), nul("metadata", "json"),
        ct("created_at")},
       {pk({"id"}), ix("idx_blog_id_created", {"blog_id", "created_at"}), ix("idx_event_id", {"event_id"}),
        ix("idx_event_type_created", {"event_type", "created_at"})}},
      {"jetmon_check_history",
       {pkinc(), nn("blog_id", BU), nul("http_code", "smallint"), nul("error_code", "tinyint"),
        nul("rtt_ms", "int"), nul("dns_ms", "int"), nul("tcp_ms", "int"), nul("tls_ms", "int"),
        nul("ttfb_ms", "int"), ct("checked_at")},
       {pk({"id"}), ix("idx_blog_id_checked", {"blog_id", "checked_at"})}},
      {"jetmon_false_positives",
       {pkinc(), nn("blog_id", BU), nul("http_code", "smallint"), nul("error_code", "tinyint"),
        nul("rtt_ms", "int"), ct("created_at")},
       {pk({"id"}), ix("idx_blog_id", {"blog_id"})}},
      {"jetmon_events",
       {pkinc(), nn("blog_id", BU), nul("endpoint_id", BU), nn("check_type", "varchar(64)"),
        nul("discriminator", "varchar(128)"), nn("severity", "tinyint unsigned"), nn("state", "varchar(32)"),
        {"started_at", "timestamp(3)", false, "current_timestamp(3)", ""}, nul("ended_at", "timestamp(3)"),
        nul("resolution_reason", "varchar(64)"), nul("cause_event_id", BU), nul("metadata", "json"),
        {"updated_at", "timestamp(3)", false, "current_timestamp(3)", "on update current_timestamp(3)"},
        {"dedup_key", "varchar(255)", true, kUnchecked, "stored generated"}},
       {pk({"id"}), uk("uk_open_dedup", {"dedup_key"}), ix("idx_blog_id_started", {"blog_id", "started_at"}),
        ix("idx_blog_id_active", {"blog_id", "ended_at"}),
        ix("idx_check_type_started", {"check_type", "started_at"}),
        ix("idx_cause_event_id", {"cause_event_id"})}},
      {"jetmon_event_transitions",
       {pkinc(), nn("event_id", BU), nn("blog_id", BU), nul("severity_before", "tinyint unsigned"),
        nul("severity_after", "tinyint unsigned"), nul("state_before", "varchar(32)"),
        nul("state_after", "varchar(32)"), nn("reason", "varchar(64)"), nn("source", "varchar(255)", "'local'"),
        nul("metadata", "json"), {"changed_at", "timestamp(3)", false, "current_timestamp(3)", ""}},
       {pk({"id"}), ix("idx_event_id_changed", {"event_id", "changed_at"}),
        ix("idx_blog_id_changed", {"blog_id", "changed_at"}), ix("idx_changed_at", {"changed_at"})}},
      {"jetmon_api_keys",
       {pkinc(), nn("key_hash", "char(64)"), nn("consumer_name", "varchar(128)"),
        nn("scope", "enum('read','write','admin')", "'read'"), nn("rate_limit_per_minute", "int", "60"),
        nul("expires_at", "timestamp"), nul("revoked_at", "timestamp"), nul("last_used_at", "timestamp"),
        ct("created_at"), nn("created_by", "varchar(128)", "'cli'")},
       {pk({"id"}), uk("uk_key_hash", {"key_hash"}), ix("idx_consumer", {"consumer_name"})}},
      {"jetmon_webhooks",
       {pkinc(), nn("url", "varchar(2083)"), nn("active", "tinyint unsigned", "1"),
        nul("owner_tenant_id", "varchar(128)"), nul("events", "json"), nul("site_filter", "json"),
        nul("state_filter", "json"), nn("secret", "varchar(80)"), nn("secret_preview", "varchar(8)", "''"),
        nn("created_by", "varchar(128)", "''"), ct("created_at"), ctu("updated_at")},
       {pk({"id"}), ix("idx_active", {"active"}), ix("idx_owner_tenant_id", {"owner_tenant_id"})}},
      {"jetmon_webhook_deliveries", delivery_columns("webhook_id", false),
       delivery_indexes("uk_webhook_transition", "webhook_id", "idx_webhook_id_created")},
      {"jetmon_webhook_dispatch_progress",
       {nn("instance_id", "varchar(255)"), nn("last_transition_id", BU, "0"), ctu("updated_at")},
       {pk({"instance_id"})}},
      {"jetmon_alert_contacts",
       {pkinc(), nn("label", "varchar(128)"), nn("active", "tinyint unsigned", "1"),
        nul("owner_tenant_id", "varchar(128)"), nn("transport", "enum('email','pagerduty','slack','teams')"),
        nn("destination", "json"), nn("destination_preview", "varchar(8)", "''"), nul("site_filter", "json"),
        nn("min_severity", "tinyint unsigned", "4"), nn("max_per_hour", "int unsigned", "60"),
        nn("created_by", "varchar(128)", "''"), ct("created_at"), ctu("updated_at")},
       {pk({"id"}), ix("idx_active", {"active"}), ix("idx_owner_tenant_id", {"owner_tenant_id"})}},
      {"jetmon_alert_deliveries", delivery_columns("alert_contact_id", true),
       delivery_indexes("uk_alert_transition", "alert_contact_id", "idx_contact_id_created")},
      {"jetmon_alert_dispatch_progress",
       {nn("instance_id", "varchar(255)"), nn("last_transition_id", BU, "0"), ctu("updated_at")},
       {pk({"instance_id"})}},
      {"jetmon_site_tenants",
       {nn("tenant_id", "varchar(128)"), nn("blog_id", BU), nn("source", "varchar(64)", "'gateway'"),
        ct("created_at"), ctu("updated_at")},
       {pk({"tenant_id", "blog_id"}), ix("idx_blog_id", {"blog_id"})}},
      {"jetmon_process_health",
       {nn("process_id", "varchar(255)"), nn("host_id", "varchar(255)"), nn("process_type", "varchar(64)"),
        nn("pid", "int unsigned", "0"), nn("version", "varchar(64)", "''"),
        nn("build_date", "varchar(64)", "''"), nn("go_version", "varchar(64)", "''"),
        nn("state", "varchar(32)", "'starting'"), nn("health_status", "varchar(16)", "'green'"),
        nul("started_at", "timestamp"), ctu("updated_at"), nul("bucket_min", "smallint unsigned"),
        nul("bucket_max", "smallint unsigned"), nn("bucket_ownership", "varchar(128)", "''"),
        nul("api_port", "int unsigned"), nul("dashboard_port", "int unsigned"),
        nn("delivery_workers_enabled", "tinyint unsigned", "0"),
        nn("delivery_owner_host", "varchar(255)", "''"), nn("worker_count", "int unsigned", "0"),
        nn("active_checks", "int unsigned", "0"), nn("queue_depth", "int unsigned", "0"),
        nn("retry_queue_size", "int unsigned", "0"), nn("wpcom_circuit_open", "tinyint unsigned", "0"),
        nn("wpcom_queue_depth", "int unsigned", "0"), nn("go_sys_mem_mb", "int unsigned", "0"),
        nn("rss_mem_mb", "int unsigned", "0"), nul("dependency_health", "json"), ct("created_at")},
       {pk({"process_id"}), ix("idx_process_type_updated", {"process_type", "updated_at"}),
        ix("idx_host_updated", {"host_id", "updated_at"}), ix("idx_state_updated", {"state", "updated_at"}),
        ix("idx_health_status_updated", {"health_status", "updated_at"})}},
  };
  return tables;
}

// ---- reading information_schema -----------------------------------------------------------------

std::string normalize_type(std::string t) {
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  // Drop the integer display width: "bigint(20) unsigned" -> "bigint unsigned".
  for (const char* int_type : {"tinyint(", "smallint(", "mediumint(", "int(", "bigint("}) {
    const std::string prefix = int_type;
    if (t.rfind(prefix, 0) != 0) continue;
    const auto close = t.find(')', prefix.size());
    if (close != std::string::npos) t.erase(prefix.size() - 1, close - prefix.size() + 2);
    break;
  }
  return t;
}

std::vector<Col> actual_columns(Connection& c, const std::string& table) {
  // MariaDB stores JSON as LONGTEXT with a json_valid() CHECK constraint named after the column.
  std::set<std::string> json_columns;
  for (const auto& r : c.query("SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS"
                               " WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ?",
                               {table})) {
    const std::string clause = *r.get_string(1);
    if (clause.find("json_valid(") != std::string::npos) json_columns.insert(*r.get_string(0));
  }
  std::vector<Col> out;
  for (const auto& r : c.query("SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA"
                               " FROM information_schema.COLUMNS"
                               " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
                               {table})) {
    Col col;
    col.name = *r.get_string(0);
    col.type = normalize_type(*r.get_string(1));
    if (col.type == "longtext" && json_columns.count(col.name) > 0) col.type = "json";
    col.nullable = *r.get_string(2) == "YES";
    col.dflt = r.get_string(3).value_or(kNoDefault);
    col.extra = *r.get_string(4);
    std::transform(col.extra.begin(), col.extra.end(), col.extra.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    out.push_back(col);
  }
  return out;
}

std::map<std::string, Index> actual_indexes(Connection& c, const std::string& table) {
  std::map<std::string, Index> out;
  for (const auto& r : c.query("SELECT INDEX_NAME, COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS"
                               " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"
                               " ORDER BY INDEX_NAME, SEQ_IN_INDEX",
                               {table})) {
    Index& ix = out[*r.get_string(0)];
    ix.name = *r.get_string(0);
    ix.columns.push_back(*r.get_string(1));
    ix.unique = *r.get_int64(2) == 0;
  }
  return out;
}

std::set<std::string> table_names(Connection& c) {
  std::set<std::string> out;
  for (const auto& r : c.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"))
    out.insert(*r.get_string(0));
  return out;
}

void check_table(Connection& c, const Table& want, bool check_column_order = true) {
  INFO("table " << want.name);
  const auto info = c.query_one("SELECT ENGINE, TABLE_COLLATION FROM information_schema.TABLES"
                                " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
                                {want.name});
  REQUIRE(info);
  CHECK(info->get_string(0) == "InnoDB");
  CHECK(info->get_string(1)->rfind("utf8mb4", 0) == 0);

  const auto got = actual_columns(c, want.name);
  std::vector<std::string> want_names, got_names;
  for (const auto& col : want.columns) want_names.push_back(col.name);
  for (const auto& col : got) got_names.push_back(col.name);
  if (check_column_order) {
    CHECK(got_names == want_names);
  } else {
    std::sort(want_names.begin(), want_names.end());
    std::sort(got_names.begin(), got_names.end());
    CHECK(got_names == want_names);
  }
  for (const auto& w : want.columns) {
    INFO("column " << want.name << "." << w.name);
    auto it = std::find_if(got.begin(), got.end(), [&](const Col& g) { return g.name == w.name; });
    if (it == got.end()) continue;  // reported by the name comparison above
    CHECK(it->type == w.type);
    CHECK(it->nullable == w.nullable);
    if (w.dflt != kUnchecked) CHECK(it->dflt == w.dflt);
    CHECK(it->extra == w.extra);
  }

  const auto indexes = actual_indexes(c, want.name);
  std::set<std::string> want_ix, got_ix;
  for (const auto& ix : want.indexes) want_ix.insert(ix.name);
  for (const auto& [name, ix] : indexes) got_ix.insert(name);
  CHECK(got_ix == want_ix);
  for (const auto& w : want.indexes) {
    INFO("index " << want.name << "." << w.name);
    auto it = indexes.find(w.name);
    if (it == indexes.end()) continue;
    CHECK(it->second.columns == w.columns);
    CHECK(it->second.unique == w.unique);
  }
}

std::vector<int> recorded_ids(Connection& c) {
  std::vector<int> ids;
  for (const auto& r : c.query("SELECT id FROM jetmon_schema_migrations ORDER BY id"))
    ids.push_back(static_cast<int>(*r.get_int64(0)));
  return ids;
}

// The newest embedded id: migrations after the spec's 26 may be appended by later work.
int last_id() { return embedded_migrations().back().id; }

std::vector<int> range(int from, int to) {
  std::vector<int> v;
  for (int i = from; i <= to; ++i) v.push_back(i);
  return v;
}

struct Lines {
  std::vector<std::string> lines;
  std::function<void(std::string_view)> sink() {
    return [this](std::string_view l) { lines.emplace_back(l); };
  }
};

}  // namespace

// ---- tests --------------------------------------------------------------------------------------

TEST_CASE("migrations: an empty database gets every table, column and index of the spec") {
  TestDatabase tdb;
  Connection& c = tdb.connection();
  Lines log;
  const auto report = run_migrations(c, embedded_migrations(), log.sink());
  REQUIRE(last_id() >= 26);
  CHECK(report.applied == range(1, last_id()));
  REQUIRE(log.lines.size() == static_cast<std::size_t>(last_id() - 1));  // none for migration 1 (§2.1)
  CHECK(log.lines.front() == "applying migration 2");
  CHECK(log.lines[24] == "applying migration 26");
  CHECK(recorded_ids(c) == range(1, last_id()));

  // Every table of the spec, exactly as specified; tables of later migrations may exist beside them.
  const auto tables = table_names(c);
  for (const auto& t : expected_schema()) {
    INFO("table " << t.name);
    CHECK(tables.count(t.name) == 1);
  }
  for (const auto& t : expected_schema()) check_table(c, t);
  for (const auto& name : tables) {  // whatever exists follows the table rules
    INFO("table " << name);
    const auto info = c.query_one("SELECT ENGINE, TABLE_COLLATION FROM information_schema.TABLES"
                                  " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
                                  {name});
    CHECK(info->get_string(0) == "InnoDB");
    CHECK(info->get_string(1)->rfind("utf8mb4", 0) == 0);
  }

  // The generated dedup key allows one open event per key and any number of closed ones.
  const char* open_event =
      "INSERT INTO jetmon_events (blog_id, check_type, severity, state) VALUES (?, 'http', 3, 'seems_down')";
  c.exec(open_event, {42});
  CHECK(c.query_scalar("SELECT dedup_key FROM jetmon_events")->as_string() == "42:0:http:");
  CHECK_THROWS_WITH(c.exec(open_event, {42}), Catch::Contains("uk_open_dedup"));
  c.exec("UPDATE jetmon_events SET ended_at = CURRENT_TIMESTAMP(3) WHERE blog_id = ?", {42});
  CHECK(c.query_scalar("SELECT dedup_key FROM jetmon_events")->is_null());
  c.exec(open_event, {42});
  CHECK(c.query_scalar("SELECT COUNT(*) FROM jetmon_events")->as_int64() == 2);
}

TEST_CASE("migrations: a second run applies nothing") {
  TestDatabase tdb;
  Connection& c = tdb.connection();
  run_migrations(c, embedded_migrations(), [](std::string_view) {});
  c.exec("INSERT INTO jetmon_hosts (host_id, bucket_min, bucket_max) VALUES (?, ?, ?)", {"h1", 0, 99});
  Lines log;
  const auto report = run_migrations(c, embedded_migrations(), log.sink());
  CHECK(report.applied.empty());
  CHECK(log.lines.empty());
  CHECK(recorded_ids(c) == range(1, last_id()));
  CHECK(c.query_scalar("SELECT COUNT(*) FROM jetmon_hosts")->as_int64() == 1);
  for (const auto& t : expected_schema()) check_table(c, t);
}

TEST_CASE("migrations: a production v1 jetpack_monitor_sites keeps its shape and rows") {
  TestDatabase tdb;
  Connection& c = tdb.connection();
  c.execute(R"(CREATE TABLE jetpack_monitor_sites (
      jetpack_monitor_site_id int(10) unsigned NOT NULL AUTO_INCREMENT,
      blog_id bigint(20) unsigned NOT NULL,
      bucket_no smallint(5) unsigned NOT NULL,
      monitor_url varchar(300) NOT NULL,
      monitor_active tinyint(1) unsigned NOT NULL DEFAULT 1,
      site_status tinyint(1) unsigned NOT NULL DEFAULT 1,
      last_status_change timestamp NULL DEFAULT current_timestamp(),
      check_interval tinyint(1) unsigned NOT NULL DEFAULT 5,
      PRIMARY KEY (jetpack_monitor_site_id),
      KEY blog_id_monitor_url (blog_id, monitor_url),
      KEY bucket_no_monitor_active_check_interval (bucket_no, monitor_active, check_interval)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4)");
  const auto changed = jetmon::db::DateTime::from_civil(2024, 5, 6, 7, 8, 9);
  auto ins = c.prepare(
      "INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active, site_status,"
      " last_status_change, check_interval) VALUES (?, ?, ?, ?, ?, ?, ?)");
  for (int i = 1; i <= 10; ++i)
    ins.execute({910000 + i, i * 7 % 100, "https://site" + std::to_string(i) + ".example/", i % 2, i % 3 == 0 ? 0 : 1,
                 changed, i % 2 ? 5 : 1});

  run_migrations(c, embedded_migrations(), [](std::string_view) {});

  // Rows and values preserved.
  const auto rows = c.query(
      "SELECT jetpack_monitor_site_id, blog_id, bucket_no, monitor_url, monitor_active, site_status,"
      " last_status_change, check_interval, redirect_policy, last_checked_at, ssl_expiry_date"
      " FROM jetpack_monitor_sites ORDER BY jetpack_monitor_site_id");
  REQUIRE(rows.size() == 10);
  for (int i = 1; i <= 10; ++i) {
    const auto& r = rows[static_cast<std::size_t>(i - 1)];
    INFO("row " << i);
    CHECK(r.get_int64(0) == i);
    CHECK(r.get_int64(1) == 910000 + i);
    CHECK(r.get_int64(2) == i * 7 % 100);
    CHECK(r.get_string(3) == "https://site" + std::to_string(i) + ".example/");
    CHECK(r.get_int64(4) == i % 2);
    CHECK(r.get_int64(5) == (i % 3 == 0 ? 0 : 1));
    CHECK(r.get_datetime(6) == changed);
    CHECK(r.get_int64(7) == (i % 2 ? 5 : 1));
    CHECK(r.get_string(8) == "follow");  // new column, filled with its default
    CHECK(r.is_null(9));
    CHECK(r.is_null(10));
  }

  // The v1 columns keep their v1 types; migrations 3 and 8 added theirs.
  const Table v1_after{
      "jetpack_monitor_sites",
      {{"jetpack_monitor_site_id", "int unsigned", false, kNoDefault, "auto_increment"},
       nn("blog_id", BU), nn("bucket_no", "smallint unsigned"), nn("monitor_url", "varchar(300)"),
       nn("monitor_active", "tinyint unsigned", "1"), nn("site_status", "tinyint unsigned", "1"),
       nul("last_status_change", "timestamp", "current_timestamp()"),
       nn("check_interval", "tinyint unsigned", "5"), nul("ssl_expiry_date", "date"),
       nul("check_keyword", "varchar(500)"), nul("maintenance_start", "datetime"),
       nul("maintenance_end", "datetime"), nul("custom_headers", "json"),
       nul("timeout_seconds", "tinyint unsigned"), nul("redirect_policy", "enum('follow','alert','fail')", "'follow'"),
       nul("alert_cooldown_minutes", "smallint unsigned"), nul("last_checked_at", "datetime"),
       nul("last_alert_sent_at", "datetime")},
      {pk({"jetpack_monitor_site_id"}), ix("blog_id_monitor_url", {"blog_id", "monitor_url"}),
       ix("bucket_no_monitor_active_check_interval", {"bucket_no", "monitor_active", "check_interval"}),
       ix("idx_bucket_monitor_last_checked", {"bucket_no", "monitor_active", "last_checked_at"})}};
  check_table(c, v1_after);

  // Everything else is the regular final shape.
  for (const auto& t : expected_schema())
    if (t.name != "jetpack_monitor_sites") check_table(c, t);
}

TEST_CASE("migrations: a failing migration names its id and a later run resumes from it") {
  TestDatabase tdb;
  Connection& c = tdb.connection();
  std::vector<Migration> broken = embedded_migrations();
  broken[11].sql = "CREATE TABLE IF NOT EXISTS jetmon_api_keys (id BIGINT UNSIGNED NOT NULL PRIMARY KEY,"
                   " key_hash NOT_A_TYPE(64)) ENGINE=InnoDB";
  REQUIRE(broken[11].id == 12);
  Lines log;
  try {
    run_migrations(c, broken, log.sink());
    FAIL("expected migration 12 to fail");
  } catch (const MigrationError& e) {
    CHECK(e.id() == 12);
    CHECK(e.db_code() == 4161);  // ER_UNKNOWN_DATA_TYPE: the server's error number is kept
    const std::string msg = e.what();
    CHECK(msg.rfind("migration 12: ", 0) == 0);
    CHECK(msg.find("NOT_A_TYPE") != std::string::npos);  // the server's own message follows
  }
  CHECK(log.lines.back() == "applying migration 12");
  CHECK(recorded_ids(c) == range(1, 11));
  CHECK(table_names(c).count("jetmon_api_keys") == 0);
  CHECK(table_names(c).count("jetmon_webhooks") == 0);  // nothing after the failure ran

  log.lines.clear();
  const auto report = run_migrations(c, embedded_migrations(), log.sink());
  CHECK(report.applied == range(12, last_id()));
  CHECK(log.lines.front() == "applying migration 12");
  CHECK(recorded_ids(c) == range(1, last_id()));
  for (const auto& t : expected_schema()) check_table(c, t);
}

TEST_CASE("migrations: a failing multi-clause ALTER leaves nothing half-applied") {
  TestDatabase tdb;
  Connection& c = tdb.connection();
  std::vector<Migration> broken = embedded_migrations();
  REQUIRE(broken[2].id == 3);
  // The real migration 3 plus one clause that must fail (the column already exists).
  std::string sql = jetmon::db::split_sql_statements(broken[2].sql).at(0);
  broken[2].sql = sql + ",\n  ADD COLUMN blog_id INT NULL";
  CHECK_THROWS_WITH(run_migrations(c, broken, [](std::string_view) {}),
                    Catch::StartsWith("migration 3: ") && Catch::Contains("blog_id"));
  CHECK(recorded_ids(c) == range(1, 2));
  CHECK(c.query_scalar("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
                       " AND TABLE_NAME = 'jetpack_monitor_sites' AND COLUMN_NAME = 'ssl_expiry_date'")
            ->as_int64() == 0);

  const auto report = run_migrations(c, embedded_migrations(), [](std::string_view) {});
  CHECK(report.applied == range(3, last_id()));
  for (const auto& t : expected_schema()) check_table(c, t);
}

TEST_CASE("migrations: a malformed migration list is refused before anything runs") {
  TestDatabase tdb;
  Connection& c = tdb.connection();
  std::vector<Migration> two_statements = embedded_migrations();
  two_statements[4].sql += "\nDROP TABLE jetmon_hosts;";
  CHECK_THROWS_WITH(run_migrations(c, two_statements, [](std::string_view) {}),
                    Catch::StartsWith("migration 5: ") && Catch::Contains("exactly one SQL statement, found 2"));
  CHECK(table_names(c).empty());

  std::vector<Migration> no_first(embedded_migrations().begin() + 1, embedded_migrations().end());
  CHECK_THROWS_WITH(run_migrations(c, no_first, [](std::string_view) {}), Catch::StartsWith("migration 2: "));
  std::vector<Migration> unordered = embedded_migrations();
  std::swap(unordered[5], unordered[6]);
  CHECK_THROWS_WITH(run_migrations(c, unordered, [](std::string_view) {}), Catch::StartsWith("migration 6: "));
  CHECK(table_names(c).empty());
}

#include <catch2/catch.hpp>

#include <string>

#include "integration/incident/incident_db.hpp"
#include "jetmon/common/log.hpp"
#include "jetmon/incident/audit.hpp"

using namespace jetmon::incident;
using namespace jetmon::test::incident;

TEST_CASE("incident: audit rows write 0 and empty values as NULL, default source local") {
  MigratedDatabase db;
  auto& c = db.connection();
  CHECK(write_audit(c, {0, 0, "wpcom_sent", "", "", ""}));
  CHECK(write_audit(c, {12, 34, "retry_dispatched", "mon-a", "retry 1 of 3", R"({"attempt":1})"}));
  const auto rows = audit_rows(c);
  REQUIRE(rows.size() == 2);
  CHECK_FALSE(rows[0].blog_id.has_value());
  CHECK_FALSE(rows[0].event_id.has_value());
  CHECK(rows[0].event_type == "wpcom_sent");
  CHECK(rows[0].source == "local");
  CHECK_FALSE(rows[0].detail.has_value());
  CHECK_FALSE(rows[0].metadata.has_value());
  CHECK(rows[1].blog_id == 12);
  CHECK(rows[1].event_id == 34);
  CHECK(rows[1].source == "mon-a");
  CHECK(rows[1].detail == "retry 1 of 3");
  CHECK(rows[1].metadata == R"({"attempt":1})");
}

TEST_CASE("incident: audit detail is cut at 1024 characters, not bytes") {
  MigratedDatabase db;
  auto& c = db.connection();
  std::string long_detail;
  for (int i = 0; i < 1100; ++i) long_detail += "\xC3\xA9";  // é: two bytes, one character
  CHECK(write_audit(c, {1, 0, "wpcom_retry", "", long_detail, ""}));
  const auto rows = audit_rows(c);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].detail->size() == 2048);
  CHECK(count(c, "SELECT CHAR_LENGTH(detail) FROM jetmon_audit_log") == 1024);
}

TEST_CASE("incident: a failed audit insert is logged, never thrown") {
  MigratedDatabase db;
  auto& c = db.connection();
  std::vector<std::string> lines;
  jetmon::log::set_sink([&](std::string_view line) { lines.emplace_back(line); });
  c.execute("DROP TABLE jetmon_audit_log");
  const bool written = write_audit(c, {5, 0, "alert_suppressed", "local", "cooldown active", ""});
  jetmon::log::set_sink({});
  CHECK_FALSE(written);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("alert_suppressed") != std::string::npos);
  CHECK(lines[0].find("blog_id=5") != std::string::npos);
  CHECK(c.ping_ok());
}

#include <catch2/catch.hpp>

#include "jetmon/ops/audit.hpp"

using namespace jetmon::ops;
using jetmon::db::DateTime;
using namespace std::chrono;

TEST_CASE("ops: --since takes a positive duration back from now, or a time") {
  const auto now = sys_days(year(2026) / 4 / 30) + hours(12);
  CHECK(resolve_since("2h", now) == DateTime::from(now - hours(2)));
  CHECK(resolve_since("2026-04-29T00:00:00Z", now) == DateTime::from_civil(2026, 4, 29));
  CHECK_FALSE(resolve_since("0", now));
  CHECK_FALSE(resolve_since("-1h", now));
  CHECK_FALSE(resolve_since("banana", now));
  CHECK(jetmon::ops::check_since_argument("24h").empty());
  CHECK(jetmon::ops::check_since_argument("banana").find("\"banana\"") != std::string::npos);
  CHECK(jetmon::ops::check_until_argument("2026-04-30").empty());
  CHECK_FALSE(jetmon::ops::check_until_argument("24h").empty());
}

TEST_CASE("ops: audit rows print in the Go tool's columns") {
  AuditRow row;
  row.created_at = DateTime::from_civil(2026, 4, 30, 10, 42, 15, 512345);
  row.event_type = "wpcom_sent";
  row.source = "host-a";
  row.detail = "status=2 type=server";
  CHECK(format_audit_row(row) ==
        "2026-04-30 10:42:15.512   wpcom_sent             host-a          status=2 type=server");
  row.event_id = 42;
  row.metadata = R"({"attempt":1})";
  CHECK(format_audit_row(row) ==
        "2026-04-30 10:42:15.512   wpcom_sent             host-a          event=42 status=2 type=server meta={\"attempt\":1}");
  row.detail.reset();
  row.metadata = "";
  CHECK(format_audit_row(row) == "2026-04-30 10:42:15.512   wpcom_sent             host-a          event=42 ");
}

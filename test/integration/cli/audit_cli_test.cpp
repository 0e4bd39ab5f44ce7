// `jetmon2 audit` against seeded jetmon_audit_log rows (monitor.md §10.1).
#include <catch2/catch.hpp>

#include "jetmon/db/migrations.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"

using jetmon::test::run_command;
using jetmon::test::TestDatabase;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

}  // namespace

TEST_CASE("cli: jetmon2 audit prints one blog's rows oldest first, within --since and --until", "[cli]") {
  TestDatabase tdb;
  jetmon::db::run_migrations(tdb.connection(), jetmon::db::embedded_migrations(), [](std::string_view) {});
  auto& c = tdb.connection();
  const auto add = [&](int blog, const char* type, const char* source, std::optional<int> event,
                       std::optional<std::string> detail, std::optional<std::string> meta, const std::string& when) {
    c.exec("INSERT INTO jetmon_audit_log (blog_id, event_id, event_type, source, detail, metadata, created_at) "
           "VALUES (?, ?, ?, ?, ?, ?, " + when + ")",
           {blog, event ? jetmon::db::Value(*event) : jetmon::db::Value(), std::string(type), std::string(source),
            detail ? jetmon::db::Value(*detail) : jetmon::db::Value(),
            meta ? jetmon::db::Value(*meta) : jetmon::db::Value()});
  };
  add(42, "retry_dispatched", "host-a", 7, "attempt 1", std::nullopt, "'2026-04-30 10:00:00'");
  add(42, "wpcom_sent", "host-a", 7, "status=2 type=server", R"({"attempt":1})", "'2026-04-30 10:05:00'");
  add(42, "maintenance_active", "local", std::nullopt, std::nullopt, std::nullopt, "'2026-04-30 11:00:00'");
  add(43, "wpcom_sent", "host-b", 8, "other blog", std::nullopt, "'2026-04-30 10:30:00'");
  add(42, "alert_suppressed", "host-a", 9, "recent", std::nullopt, "NOW() - INTERVAL 10 MINUTE");

  const auto env = tdb.env();
  auto all = run_command({JETMON2_BIN, "audit", "--blog-id", "42"}, env);
  INFO(all.err);
  REQUIRE(all.exit_code == 0);
  const auto lines = lines_of(all.out);
  REQUIRE(lines.size() == 7);
  CHECK(lines[0] == "Audit log for blog_id=42");
  CHECK(lines[1] == "TIMESTAMP                 EVENT                  SOURCE          DETAIL");
  CHECK(lines[2] == std::string(90, '-'));
  CHECK(lines[3] == "2026-04-30 10:00:00.000   retry_dispatched       host-a          event=7 attempt 1");
  CHECK(lines[4] ==
        "2026-04-30 10:05:00.000   wpcom_sent             host-a          event=7 status=2 type=server meta={\"attempt\":1}");
  CHECK(lines[5] == "2026-04-30 11:00:00.000   maintenance_active     local           ");
  CHECK(lines[6].find(" alert_suppressed       host-a          event=9 recent") != std::string::npos);

  auto window = run_command({JETMON2_BIN, "audit", "--blog-id=42", "--since=2026-04-30T10:01:00Z",
                             "--until", "2026-04-30 11:00:00"}, env);
  REQUIRE(window.exit_code == 0);
  REQUIRE(lines_of(window.out).size() == 5);
  CHECK(lines_of(window.out)[3].find(" wpcom_sent ") != std::string::npos);
  CHECK(lines_of(window.out)[4].find(" maintenance_active ") != std::string::npos);

  // A duration counts back from now: only the recent row.
  auto recent = run_command({JETMON2_BIN, "audit", "--blog-id", "42", "--since", "1h"}, env);
  REQUIRE(recent.exit_code == 0);
  REQUIRE(lines_of(recent.out).size() == 4);
  CHECK(lines_of(recent.out)[3].find(" alert_suppressed ") != std::string::npos);

  auto none = run_command({JETMON2_BIN, "audit", "--blog-id", "999"}, env);
  CHECK(none.exit_code == 0);
  CHECK(lines_of(none.out).size() == 3);
}

TEST_CASE("cli: jetmon2 audit usage errors", "[cli]") {
  TestDatabase tdb;
  const auto env = tdb.env();
  // Missing blog id: the usage line, exit 1 (monitor.md 10.1).
  auto missing = run_command({JETMON2_BIN, "audit"}, env);
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "usage: jetmon2 audit --blog-id <id> [--since <time>] [--until <time>]\n");
  CHECK(missing.out.empty());
  // Malformed flags and values: usage, exit 2.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--since=banana", "--blog-id", "1"}, {"--blog-id", "1", "--until", "24h"},
        {"--blog-id", "abc"}, {"--blog-id", "1", "--bogus"}, {"--blog-id", "1", "--since", "-1h"}}) {
    std::vector<std::string> argv{JETMON2_BIN, "audit"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_command(argv, env);
    INFO(args.front() << " " << args.back() << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("Usage:") != std::string::npos);
    CHECK(r.out.empty());
  }
  CHECK(run_command({JETMON2_BIN, "audit", "--since=banana", "--blog-id", "1"}, env).err.find("\"banana\"") !=
        std::string::npos);
}

TEST_CASE("cli: jetmon2 audit reports an unreachable database with exit 1", "[cli]") {
  auto env = jetmon::test::test_db_server_env();
  env["DB_PORT"] = std::to_string(1);  // nothing listens there (a literal trips GCC 12 -Wrestrict)
  auto r = run_command({JETMON2_BIN, "audit", "--blog-id", "42"}, env);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("db: ") != std::string::npos);
  CHECK(r.out.empty());
}

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

#include "jetmon/db/migrations.hpp"

using jetmon::db::embedded_migrations;
using jetmon::db::split_sql_statements;

namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

// The statement without leading "-- …" comment lines and whitespace.
std::string without_leading_comments(std::string s) {
  for (;;) {
    const auto start = s.find_first_not_of(" \t\r\n");
    if (start == std::string::npos) return {};
    s.erase(0, start);
    if (s.rfind("--", 0) != 0) return s;
    const auto eol = s.find('\n');
    if (eol == std::string::npos) return {};
    s.erase(0, eol + 1);
  }
}

}  // namespace

TEST_CASE("db: splitter finds statements outside quotes and comments") {
  using V = std::vector<std::string>;
  CHECK(split_sql_statements("") == V{});
  CHECK(split_sql_statements("  ;\n ; -- only a comment ;\n/* also ; */ # and ;") == V{});
  CHECK(split_sql_statements("SELECT 1") == V{"SELECT 1"});
  CHECK(split_sql_statements("SELECT 1;\n") == V{"SELECT 1"});
  CHECK(split_sql_statements("SELECT 1; SELECT 2;") == V{"SELECT 1", "SELECT 2"});
  CHECK(split_sql_statements("SELECT ';', \";\", `a;b` FROM t") == V{"SELECT ';', \";\", `a;b` FROM t"});
  CHECK(split_sql_statements("SELECT 'it''s;', 'a\\';b'; SELECT 2") ==
        V{"SELECT 'it''s;', 'a\\';b'", "SELECT 2"});
  CHECK(split_sql_statements("-- lead ; comment\nCREATE TABLE t (a INT); -- trailing ;\n") ==
        V{"-- lead ; comment\nCREATE TABLE t (a INT)"});
  CHECK(split_sql_statements("SELECT 1 /* ; */ + 2 # x;\n") == V{"SELECT 1 /* ; */ + 2 # x;"});
  CHECK(split_sql_statements("SELECT 5--1; SELECT 2").size() == 2);  // "--" without a space is minus minus
  CHECK(split_sql_statements("/*!40101 SET NAMES utf8mb4 */;").size() == 1);  // executable comment
}

TEST_CASE("migrations: embedded ids are contiguous from 1, covering the spec's 1..26, with names") {
  const auto& ms = embedded_migrations();
  REQUIRE(ms.size() >= 26);  // monitor.md 2.1 (1-25) and dashboard-fleet.md 6.1 (26); later ones append
  for (std::size_t i = 0; i < ms.size(); ++i) {
    INFO("file #" << i << ": " << ms[i].name);
    CHECK(ms[i].id == static_cast<int>(i) + 1);
    CHECK_FALSE(ms[i].name.empty());
  }
  CHECK(ms.front().name == "create_schema_migrations");
  CHECK(ms[23].name == "create_jetmon_process_health");
  CHECK(ms[25].name == "process_health_rss");
}

TEST_CASE("migrations: every migration file holds exactly one SQL statement") {
  for (const auto& m : embedded_migrations()) {
    INFO("migration " << m.id << " (" << m.name << ")");
    const auto statements = split_sql_statements(m.sql);
    CHECK(statements.size() == 1);
  }
}

TEST_CASE("migrations: tables are created IF NOT EXISTS, InnoDB, utf8mb4") {
  for (const auto& m : embedded_migrations()) {
    INFO("migration " << m.id << " (" << m.name << ")");
    const std::string sql = upper(without_leading_comments(split_sql_statements(m.sql).at(0)));
    if (sql.rfind("CREATE TABLE", 0) != 0) {
      CHECK(sql.rfind("ALTER TABLE ", 0) == 0);  // the only other kind of migration
      continue;
    }
    CHECK(sql.rfind("CREATE TABLE IF NOT EXISTS ", 0) == 0);
    CHECK(sql.find("ENGINE=INNODB DEFAULT CHARSET=UTF8MB4") != std::string::npos);
  }
}

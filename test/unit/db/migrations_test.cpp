#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <regex>
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

TEST_CASE("migrations: embedded ids are contiguous from 1 to 26 with names") {
  const auto& ms = embedded_migrations();
  REQUIRE(ms.size() == 26);
  for (std::size_t i = 0; i < ms.size(); ++i) {
    CHECK(ms[i].id == static_cast<int>(i) + 1);
    CHECK_FALSE(ms[i].name.empty());
  }
  CHECK(ms.front().name == "create_schema_migrations");
}

TEST_CASE("migrations: every migration file holds exactly one SQL statement") {
  for (const auto& m : embedded_migrations()) {
    INFO("migration " << m.id << " (" << m.name << ")");
    const auto statements = split_sql_statements(m.sql);
    CHECK(statements.size() == 1);
  }
}

TEST_CASE("migrations: tables are created IF NOT EXISTS, InnoDB, utf8mb4") {
  const std::regex create(R"(\bCREATE\s+TABLE\b)", std::regex::icase);
  const std::regex alter(R"(^(\s*--[^\n]*\n)*\s*ALTER\s+TABLE\s)", std::regex::icase);
  for (const auto& m : embedded_migrations()) {
    INFO("migration " << m.id << " (" << m.name << ")");
    const std::string sql = upper(split_sql_statements(m.sql).at(0));
    if (!std::regex_search(sql, create)) {
      CHECK(std::regex_search(sql, alter));  // the only other kind of migration
      continue;
    }
    CHECK(sql.find("CREATE TABLE IF NOT EXISTS ") != std::string::npos);
    CHECK(sql.find("ENGINE=INNODB DEFAULT CHARSET=UTF8MB4") != std::string::npos);
  }
}

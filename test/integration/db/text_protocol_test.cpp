#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "jetmon/db/connection.hpp"
#include "support/test_db.hpp"

using jetmon::db::Connection;
using jetmon::db::DateTime;
using jetmon::db::DbError;
using jetmon::db::null;
using jetmon::db::Value;
using jetmon::test::TestDatabase;

namespace {

// Strings that break naive quoting: quotes, backslashes before quotes, NUL, control bytes,
// multi-byte UTF-8, SQL fragments and a lone trailing backslash.
const std::vector<std::string>& hostile_strings() {
  static const std::vector<std::string> strings = {
      "",
      "plain",
      "it's",
      "\\'; DROP TABLE t; --",
      "back\\slash\\",
      std::string("nul\0byte", 8),
      "line\nfeed\r\ttab\x1a",
      "\"double\" and `backtick`",
      "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe6\x97\xa5\xe6\x9c\xac",
      "%_ wildcard",
      "''''",
      "\\",
  };
  return strings;
}

}  // namespace

TEST_CASE("db: literal() round-trips hostile strings, numbers, NULL and datetimes") {
  TestDatabase tdb;
  Connection& c = tdb.connection();
  c.execute("CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(255) NULL, b VARBINARY(255) NULL)");

  const auto check_strings = [&] {
    c.execute("DELETE FROM t");
    std::string sql = "INSERT INTO t (id, s, b) VALUES ";
    const auto& strings = hostile_strings();
    for (std::size_t i = 0; i < strings.size(); ++i) {
      sql += (i > 0 ? "," : "") + std::string("(") + c.literal(static_cast<int>(i)) + "," +
             c.literal(strings[i]) + "," + c.literal(strings[i]) + ")";
    }
    c.execute(sql);
    const auto rows = c.query_text("SELECT id, s, b FROM t ORDER BY id");
    REQUIRE(rows.size() == strings.size());
    for (std::size_t i = 0; i < strings.size(); ++i) {
      INFO("string " << i);
      CHECK(rows[i].get_int64(0) == static_cast<std::int64_t>(i));
      CHECK(rows[i].get_string(1) == strings[i]);
      CHECK(rows[i].get_string(2) == strings[i]);
    }
  };
  SECTION("default sql_mode") { check_strings(); }
  SECTION("NO_BACKSLASH_ESCAPES") {
    c.execute("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'");
    check_strings();
  }

  CHECK(c.literal(null) == "NULL");
  CHECK(c.literal(std::numeric_limits<std::int64_t>::min()) == "-9223372036854775808");
  CHECK(c.literal(std::numeric_limits<std::uint64_t>::max()) == "18446744073709551615");
  CHECK(c.literal(DateTime::from_civil(2026, 11, 29, 1, 2, 3, 456)) == "'2026-11-29 01:02:03.000456'");
  CHECK_THROWS_AS(c.literal(std::nan("")), DbError);
  CHECK_THROWS_AS(c.literal(std::numeric_limits<double>::infinity()), DbError);
  CHECK_THROWS_AS(c.literal(DateTime::from_civil(999, 1, 1)), DbError);
}

TEST_CASE("db: query_text types its columns as the prepared reader does") {
  TestDatabase tdb;
  Connection& c = tdb.connection();
  c.execute(
      "CREATE TABLE t (id BIGINT UNSIGNED, n INT, d DOUBLE, ts TIMESTAMP(3) NULL, dt DATETIME NULL,"
      " s VARCHAR(32) NULL, amount DECIMAL(6,2) NULL)");
  c.execute("SET SESSION sql_mode = ''");  // allows the zero date below
  c.execute(
      "INSERT INTO t VALUES (18446744073709551615, -7, 2.5, '2026-11-29 01:02:03.250',"
      " '0000-00-00 00:00:00', 'text', 12.30), (1, NULL, NULL, NULL, NULL, NULL, NULL)");
  const std::string select = "SELECT id, n, d, ts, dt, s, amount FROM t ORDER BY id DESC";
  const auto text_rows = c.query_text(select);
  const auto bound_rows = c.query(select);
  REQUIRE(text_rows.size() == 2);
  REQUIRE(bound_rows.size() == 2);
  for (std::size_t r = 0; r < 2; ++r) {
    for (std::size_t i = 0; i < text_rows[r].size(); ++i) {
      INFO("row " << r << " column " << text_rows[r].columns()[i]);
      CHECK(text_rows[r].at(i) == bound_rows[r].at(i));
    }
  }
  CHECK(text_rows[0].get_uint64("id") == std::numeric_limits<std::uint64_t>::max());
  CHECK(text_rows[0].get_datetime("ts") == DateTime::from_civil(2026, 11, 29, 1, 2, 3, 250000));
  CHECK(text_rows[0].is_null("dt"));  // the zero date reads as NULL
  CHECK(text_rows[0].get_string("amount") == "12.30");

  // A statement without a result set returns no rows; an error leaves the connection usable.
  CHECK(c.query_text("UPDATE t SET n = 1").empty());
  CHECK_THROWS_AS(c.query_text("SELECT nope FROM t"), DbError);
  CHECK(c.query_text("SELECT COUNT(*) FROM t")[0].get_int64(0) == 2);
}

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "jetmon/db/connection.hpp"

using jetmon::db::ConnectOptions;
using jetmon::db::DateTime;
using jetmon::db::DbError;
using jetmon::db::Value;

TEST_CASE("db: DateTime formats and parses UTC civil time with microseconds") {
  const auto t = DateTime::from_civil(2026, 4, 29, 11, 59, 50);
  CHECK(t.to_string() == "2026-04-29 11:59:50");
  CHECK(DateTime::from_civil(2026, 4, 29, 11, 59, 50, 1500).to_string() == "2026-04-29 11:59:50.001500");
  CHECK(DateTime::parse("2026-04-29 11:59:50") == t);
  CHECK(DateTime::parse("2026-04-29T11:59:50") == t);
  CHECK(DateTime::parse("2026-04-29 11:59:50.0015")->to_string() == "2026-04-29 11:59:50.001500");
  CHECK(DateTime::parse("2026-04-29")->to_string() == "2026-04-29 00:00:00");
  CHECK_FALSE(DateTime::parse("2026-02-30 00:00:00"));
  CHECK_FALSE(DateTime::parse("2026-04-29 24:00:00"));
  CHECK_FALSE(DateTime::parse("yesterday"));
  CHECK_FALSE(DateTime::parse("2026-04-29 11:59:50.1234567"));
  CHECK_THROWS_AS(DateTime::from_civil(2026, 13, 1), std::invalid_argument);
  // epoch arithmetic is UTC, no local time zone involved
  CHECK(DateTime::from_civil(1970, 1, 1, 0, 0, 1).time.time_since_epoch().count() == 1000000);
}

TEST_CASE("db: DateTime outside MariaDB's DATETIME years is refused with the caller's name") {
  struct Case {
    int year;
    bool accepted;
  };
  const Case cases[] = {{999, false}, {1000, true}, {1970, true}, {9999, true}, {10000, false}};
  for (const Case& c : cases) {
    INFO("year " << c.year);
    const DateTime t = DateTime::from_civil(c.year, 12, 31, 23, 59, 59);
    if (c.accepted) {
      CHECK_NOTHROW(t.require_sql_range("parameter 2"));
    } else {
      try {
        t.require_sql_range("parameter 2");
        FAIL("accepted");
      } catch (const DbError& e) {
        CHECK(std::string(e.what()) ==
              "parameter 2: date/time " + t.to_string() + " is outside years 1000-9999");
      }
    }
  }
}

TEST_CASE("db: Value keeps signedness and converts with range checks") {
  CHECK(std::holds_alternative<std::int64_t>(Value(-5).storage()));
  CHECK(std::holds_alternative<std::uint64_t>(Value(5u).storage()));
  CHECK(std::holds_alternative<std::int64_t>(Value(true).storage()));
  CHECK(std::holds_alternative<std::string>(Value("x").storage()));
  CHECK(Value(std::nullopt).is_null());
  CHECK(Value(std::optional<int>{}).is_null());
  CHECK(*Value(std::optional<int>{7}).as_int64() == 7);

  const std::uint64_t big = std::numeric_limits<std::uint64_t>::max();
  CHECK(*Value(big).as_uint64() == big);
  CHECK_THROWS_AS(Value(big).as_int64(), DbError);
  CHECK_THROWS_AS(Value(-1).as_uint64(), DbError);
  CHECK(*Value("123").as_int64() == 123);
  CHECK_THROWS_AS(Value("12x").as_int64(), DbError);
  CHECK(*Value(12).as_string() == "12");
  CHECK(*Value(2.5).as_double() == 2.5);
  CHECK_FALSE(Value(jetmon::db::null).as_string());
  CHECK(Value("2026-01-02 03:04:05").as_datetime()->to_string() == "2026-01-02 03:04:05");
  CHECK_THROWS_AS(Value(5).as_datetime(), DbError);
}

TEST_CASE("db: ConnectOptions defaults and a password-free description") {
  ConnectOptions d;
  CHECK(d.host == "localhost");
  CHECK(d.port == 3306);
  CHECK(d.user == "root");
  CHECK(d.password.empty());
  CHECK(d.database == "jetmon_db");
  CHECK(d.unix_socket.empty());
  CHECK(d.connect_timeout.count() == 10);
  CHECK(d.read_timeout.count() == 30);
  CHECK(d.write_timeout.count() == 30);

  ConnectOptions o;
  o.host = "db1";
  o.port = 3307;
  o.user = "jetmon";
  o.password = "s3cret";
  CHECK(o.describe() == "jetmon@db1:3307/jetmon_db");
  o.unix_socket = "/run/mysqld/mysqld.sock";
  CHECK(o.describe() == "jetmon@unix:/run/mysqld/mysqld.sock/jetmon_db");
  CHECK(o.describe().find("s3cret") == std::string::npos);
}

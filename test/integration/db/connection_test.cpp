#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "jetmon/common/log.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/db/retry.hpp"
#include "support/test_db.hpp"

using jetmon::db::Connection;
using jetmon::db::DateTime;
using jetmon::db::DbError;
using jetmon::db::null;
using jetmon::db::Transaction;
using jetmon::test::TestDatabase;

TEST_CASE("db: a connection runs a UTC, utf8mb4 session") {
  TestDatabase tdb;
  Connection& c = tdb.connection();
  CHECK(c.query_scalar("SELECT @@session.time_zone")->as_string() == "+00:00");
  CHECK(c.query_scalar("SELECT @@character_set_client")->as_string() == "utf8mb4");
  CHECK(c.query_scalar("SELECT @@character_set_results")->as_string() == "utf8mb4");
  CHECK(c.query_scalar("SELECT TIMESTAMPDIFF(SECOND, NOW(), UTC_TIMESTAMP())")->as_int64() == 0);
  CHECK(c.query_scalar("SELECT DATABASE()")->as_string() == tdb.name());
  CHECK(c.server_thread_id() > 0);
  CHECK_FALSE(c.server_version().empty());
  CHECK(c.ping_ok());
  CHECK_FALSE(c.broken());
}

TEST_CASE("db: typed binds round-trip, including NULL, unicode, big uint64 and datetimes") {
  TestDatabase tdb;
  Connection& c = tdb.connection();
  c.execute(
      "CREATE TABLE t (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, i BIGINT NULL,"
      " u BIGINT UNSIGNED NULL, d DOUBLE NULL, s VARCHAR(255) NULL, tx MEDIUMTEXT NULL, dt DATETIME(6) NULL,"
      " ts TIMESTAMP(3) NULL, dd DATE NULL, j JSON NULL, e ENUM('follow','alert','fail') NULL,"
      " dec_v DECIMAL(10,2) NULL, b BLOB NULL, tiny TINYINT UNSIGNED NULL, small SMALLINT NULL)"
      " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");

  const std::uint64_t big = std::numeric_limits<std::uint64_t>::max();
  const std::int64_t most_negative = std::numeric_limits<std::int64_t>::min();
  const std::string unicode = "héllo ✓ 🚀 日本";
  const std::string binary("a\0b\xff", 4);
  const DateTime dt = DateTime::from_civil(2026, 4, 29, 11, 59, 50, 123456);
  const DateTime ts = DateTime::from_civil(2030, 1, 2, 3, 4, 5, 678000);

  auto r = c.exec(
      "INSERT INTO t (i, u, d, s, tx, dt, ts, dd, j, e, dec_v, b, tiny, small)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {most_negative, big, 2.5, unicode, std::string(70000, 'z'), dt, ts,
       DateTime::from_civil(2027, 12, 31), R"({"a":[1,2]})", "alert", "12.34", binary, 255, -7});
  CHECK(r.affected_rows == 1);
  CHECK(r.last_insert_id == 1);
  auto r2 = c.exec(
      "INSERT INTO t (i, u, d, s, tx, dt, ts, dd, j, e, dec_v, b, tiny, small)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {null, std::nullopt, null, null, null, null, null, null, null, null, null, null, null, null});
  CHECK(r2.last_insert_id == 2);

  const auto rows = c.query("SELECT * FROM t ORDER BY id");
  REQUIRE(rows.size() == 2);
  const auto& a = rows[0];
  CHECK(a.get_int64("i") == most_negative);
  CHECK(a.get_uint64("u") == big);
  CHECK_THROWS_AS(a.get_int64("u"), DbError);  // does not fit: no silent wrap-around
  CHECK(a.get_double("d") == 2.5);
  CHECK(a.get_string("s") == unicode);
  CHECK(a.get_string("tx")->size() == 70000);  // larger than the first fetch buffer
  CHECK(a.get_datetime("dt") == dt);
  CHECK(a.get_datetime("ts") == ts);
  CHECK(a.get_datetime("dd")->to_string() == "2027-12-31 00:00:00");
  CHECK(a.get_string("j") == R"({"a":[1,2]})");
  CHECK(a.get_string("e") == "alert");
  CHECK(a.get_string("dec_v") == "12.34");
  CHECK(a.get_string("b") == binary);
  CHECK(a.get_uint64("tiny") == 255u);
  CHECK(a.get_int64("small") == -7);
  CHECK(a.columns().size() == 15);

  const auto& n = rows[1];
  for (const char* col : {"i", "u", "d", "s", "tx", "dt", "ts", "dd", "j", "e", "dec_v", "b", "tiny", "small"}) {
    INFO(col);
    CHECK(n.is_null(col));
  }
  CHECK_FALSE(n.get_int64("i"));
  CHECK_FALSE(n.get_string("s"));
  CHECK_FALSE(n.get_datetime("dt"));

  // Values are bound, never spliced: quotes and SQL in a string stay data.
  const std::string hostile = "x'); DROP TABLE t; -- \\";
  c.exec("UPDATE t SET s = ? WHERE id = ?", {hostile, 2});
  CHECK(c.query_scalar("SELECT s FROM t WHERE id = ?", {2})->as_string() == hostile);
  CHECK(c.query_scalar("SELECT COUNT(*) FROM t")->as_int64() == 2);

  // A datetime written as a parameter compares in UTC with SQL-side UTC values.
  CHECK(c.query_scalar("SELECT ? = '2026-04-29 11:59:50.123456'", {dt})->as_int64() == 1);
  CHECK(c.query_scalar("SELECT UNIX_TIMESTAMP(?)", {DateTime::from_civil(1970, 1, 2)})->as_double() ==
        86400.0);
}

TEST_CASE("db: prepared statements are reusable and check their parameter count") {
  TestDatabase tdb;
  Connection& c = tdb.connection();
  c.execute("CREATE TABLE kv (k VARCHAR(32) PRIMARY KEY, v INT NOT NULL)");
  auto ins = c.prepare("INSERT INTO kv (k, v) VALUES (?, ?)");
  CHECK(ins.param_count() == 2);
  for (int i = 0; i < 5; ++i) ins.execute({"k" + std::to_string(i), i * 10});
  CHECK_THROWS_WITH(ins.execute({"only one"}), Catch::Contains("expects 2 parameters, got 1"));

  auto sel = c.prepare("SELECT v FROM kv WHERE k = ?");
  CHECK(sel.query({"k3"}).at(0).get_int64(0) == 30);
  CHECK(sel.query({"k4"}).at(0).get_int64(0) == 40);
  CHECK(sel.query({"missing"}).empty());
  CHECK_FALSE(c.query_one("SELECT v FROM kv WHERE k = ?", {"missing"}));
  CHECK_FALSE(c.query_scalar("SELECT v FROM kv WHERE k = ?", {"missing"}));

  try {
    ins.execute({"k1", 1});
    FAIL("expected a duplicate key error");
  } catch (const DbError& e) {
    CHECK(e.code() == 1062);
    CHECK(e.sqlstate() == "23000");
    CHECK_FALSE(e.transient());
  }
  try {
    c.execute("SELEC nonsense");
    FAIL("expected a syntax error");
  } catch (const DbError& e) {
    CHECK(e.code() == 1064);
  }
  CHECK_FALSE(c.broken());  // SQL errors leave the session usable
  CHECK(c.query_scalar("SELECT 1")->as_int64() == 1);
}

namespace {
std::int64_t session_prepares(Connection& c) {
  // Counted through the text protocol, which does not prepare anything itself.
  std::int64_t count = -1;
  c.prepare("SHOW SESSION STATUS LIKE 'Com_stmt_prepare'").query_each({}, [&](const jetmon::db::Row& row) {
    count = std::stoll(row.get_string(1).value_or("-1"));
  });
  return count;
}
}  // namespace

TEST_CASE("db: exec and query keep their statements prepared on the connection") {
  TestDatabase tdb;
  Connection& c = tdb.connection();
  c.execute("CREATE TABLE kv (k VARCHAR(32) PRIMARY KEY, v INT NOT NULL)");

  const std::int64_t before = session_prepares(c);
  for (int i = 0; i < 20; ++i) c.exec("INSERT INTO kv (k, v) VALUES (?, ?)", {"k" + std::to_string(i), i});
  for (int i = 0; i < 20; ++i) {
    CHECK(c.query_scalar("SELECT v FROM kv WHERE k = ?", {"k" + std::to_string(i)})->as_int64() == i);
  }
  // One prepare per distinct SQL text (the counting statement itself adds one).
  CHECK(session_prepares(c) - before == 3);

  SECTION("an error evicts the statement and the next use prepares it again") {
    CHECK_THROWS_AS(c.exec("INSERT INTO kv (k, v) VALUES (?, ?)", {"k1", 1}), DbError);
    c.exec("INSERT INTO kv (k, v) VALUES (?, ?)", {"fresh", 7});
    CHECK(c.query_scalar("SELECT v FROM kv WHERE k = ?", {"fresh"})->as_int64() == 7);
    CHECK_FALSE(c.broken());
  }
  SECTION("a table change under a cached statement is picked up") {
    CHECK(c.query("SELECT * FROM kv WHERE k = ?", {"k2"}).at(0).size() == 2);
    c.execute("ALTER TABLE kv ADD COLUMN note VARCHAR(8) NOT NULL DEFAULT 'x'");
    const auto rows = c.query("SELECT * FROM kv WHERE k = ?", {"k2"});
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].size() == 3);
    CHECK(rows[0].get_string(2) == "x");
  }
  SECTION("more distinct statements than the cache holds still run correctly") {
    for (int round = 0; round < 2; ++round) {
      for (int i = 0; i < 50; ++i) {
        const std::string sql = "SELECT v + " + std::to_string(i) + " FROM kv WHERE k = ?";
        CHECK(c.query_scalar(sql, {"k1"})->as_int64() == 1 + i);
      }
    }
  }
}

TEST_CASE("db: string columns beyond the fetch cap fail cleanly and leave the connection usable") {
  TestDatabase tdb;
  Connection& c = tdb.connection();
  const char* many_rows =
      "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 200)"
      " SELECT n, REPEAT('✓', 2000) AS big FROM s";
  auto all = c.query(many_rows);  // default cap (16 MiB): 6000-byte values are refetched whole
  REQUIRE(all.size() == 200);
  CHECK(all[199].get_string("big")->size() == 6000);

  auto capped = c.prepare(many_rows);
  capped.set_max_column_bytes(1000);
  CHECK_THROWS_WITH(capped.query(), Catch::Contains("exceeds the 1000-byte fetch cap"));
  CHECK(c.query_scalar("SELECT 41 + 1")->as_int64() == 42);

  // A callback that throws mid-result: the rest is discarded, the session stays in sync.
  int seen = 0;
  CHECK_THROWS_AS(c.prepare(many_rows).query_each({}, [&](const jetmon::db::Row&) {
    if (++seen == 3) throw std::runtime_error("stop");
  }),
                  std::runtime_error);
  CHECK(seen == 3);
  CHECK(c.query_scalar("SELECT 7")->as_int64() == 7);
  CHECK_FALSE(c.broken());
}

TEST_CASE("db: transactions roll back unless committed") {
  TestDatabase tdb;
  Connection& c = tdb.connection();
  c.execute("CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB");
  auto count = [&] { return *c.query_scalar("SELECT COUNT(*) FROM t")->as_int64(); };

  {
    Transaction tx(c);
    c.exec("INSERT INTO t VALUES (?)", {1});
    CHECK(count() == 1);
  }  // abandoned: rolled back
  CHECK(count() == 0);
  CHECK_FALSE(c.in_transaction());

  {
    Transaction tx(c);
    c.exec("INSERT INTO t VALUES (?)", {2});
    tx.commit();
    CHECK_FALSE(tx.active());
    CHECK_THROWS_AS(tx.commit(), DbError);
  }
  CHECK(count() == 1);

  {
    Transaction tx(c);
    c.exec("INSERT INTO t VALUES (?)", {3});
    CHECK_THROWS_AS(Transaction(c), DbError);  // one at a time
    tx.rollback();
  }
  CHECK(count() == 1);

  try {
    Transaction tx(c);
    c.exec("INSERT INTO t VALUES (?)", {4});
    c.exec("INSERT INTO t VALUES (?)", {4});  // duplicate: throws out of the scope
    tx.commit();
  } catch (const DbError& e) {
    CHECK(e.code() == 1062);
  }
  CHECK(count() == 1);

  // Another session never saw uncommitted rows.
  Connection other = tdb.connect();
  {
    Transaction tx(c);
    c.exec("INSERT INTO t VALUES (?)", {5});
    CHECK(other.query_scalar("SELECT COUNT(*) FROM t")->as_int64() == 1);
    tx.commit();
  }
  CHECK(other.query_scalar("SELECT COUNT(*) FROM t")->as_int64() == 2);
}

TEST_CASE("db: a killed session is reported as transient and marks the connection broken") {
  TestDatabase tdb;
  Connection victim = tdb.connect();
  const auto id = victim.server_thread_id();
  tdb.connection().exec("KILL ?", {id});
  try {
    victim.query_scalar("SELECT 1");
    FAIL("expected the killed session to fail");
  } catch (const DbError& e) {
    INFO(e.what() << " (" << e.code() << ")");
    CHECK(e.transient());
  }
  CHECK(victim.broken());
  CHECK_FALSE(victim.ping_ok());
}

TEST_CASE("db: connect_with_retry gives a clear error after the bounded attempts") {
  auto options = jetmon::test::test_db_server_options();
  options.host = "127.0.0.1";
  options.port = 1;  // nothing listens there: connection refused at once
  options.connect_timeout = std::chrono::seconds(2);
  std::vector<long long> slept;
  std::vector<std::string> logs;
  jetmon::log::set_sink([&](std::string_view l) { logs.emplace_back(l); });
  const auto start = std::chrono::steady_clock::now();
  try {
    jetmon::db::connect_with_retry(options, 3, [&](std::chrono::seconds d) { slept.push_back(d.count()); });
    jetmon::log::set_sink({});
    FAIL("expected connect_with_retry to fail");
  } catch (const DbError& e) {
    jetmon::log::set_sink({});
    const std::string msg = e.what();
    INFO(msg);
    CHECK(msg.find("cannot connect to " + options.user + "@127.0.0.1:1/") == 0);
    CHECK(msg.find("gave up after 3 attempts") != std::string::npos);
    CHECK(e.transient());
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  CHECK(slept == std::vector<long long>{1, 2});
  REQUIRE(logs.size() == 2);
  CHECK(logs[0].find("(attempt 1/3)") != std::string::npos);

  // And the same call against the live server connects on the first attempt.
  auto good = jetmon::test::test_db_server_options();
  slept.clear();
  auto c = jetmon::db::connect_with_retry(good, 3, [&](std::chrono::seconds d) { slept.push_back(d.count()); });
  CHECK(c.ping_ok());
  CHECK(slept.empty());
}

TEST_CASE("db: a unix socket connection works when configured") {
  // scripts/mariadb.sh puts the private socket next to the env file.
  const std::string env_file = std::getenv("JETMON_TEST_DB_ENV");
  const std::string socket = env_file.substr(0, env_file.rfind('/') + 1) + "mysqld.sock";
  auto options = jetmon::test::test_db_server_options();
  options.unix_socket = socket;
  options.host = "localhost";
  options.port = 0;
  Connection c(options);
  CHECK(c.query_scalar("SELECT @@session.time_zone")->as_string() == "+00:00");
  // A local socket connection reports no TCP port on the server side.
  CHECK(c.query_scalar("SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()")
            ->as_string() == "localhost");
  CHECK(options.describe().find("unix:" + socket) != std::string::npos);
}

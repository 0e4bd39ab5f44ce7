#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "jetmon/common/log.hpp"
#include "jetmon/db/retry.hpp"

using namespace std::chrono_literals;
using jetmon::db::DbError;
using jetmon::db::RetryPolicy;

namespace {

struct FakeSleeper {
  std::vector<long long> slept;
  jetmon::db::Sleeper fn() {
    return [this](std::chrono::seconds d) { slept.push_back(d.count()); };
  }
};

// Captures log lines for the duration of a test.
struct LogCapture {
  std::vector<std::string> lines;
  LogCapture() {
    jetmon::log::set_sink([this](std::string_view l) { lines.emplace_back(l); });
  }
  ~LogCapture() { jetmon::log::set_sink({}); }
};

constexpr unsigned kServerGone = 2006;  // CR_SERVER_GONE_ERROR

}  // namespace

TEST_CASE("db: backoff delays double from 1 s and cap at 30 s") {
  const std::vector<long long> expected{1, 2, 4, 8, 16, 30, 30, 30};
  for (int i = 1; i <= 8; ++i) CHECK(jetmon::db::backoff_delay(i).count() == expected[i - 1]);
  CHECK(jetmon::db::backoff_delay(1000).count() == 30);
  CHECK(jetmon::db::backoff_delay(0).count() == 1);
  CHECK(jetmon::db::kMaxBackoff == 30s);
}

TEST_CASE("db: retry sleeps 1,2,4,…,30 between failed attempts and gives up after the bound") {
  FakeSleeper sleeper;
  LogCapture logs;
  RetryPolicy policy{10, sleeper.fn(), {}};
  int calls = 0;
  try {
    jetmon::db::with_retry("connect", policy, [&]() -> int {
      ++calls;
      throw DbError(kServerGone, "HY000", "server has gone away");
    });
    FAIL("expected DbError");
  } catch (const DbError& e) {
    CHECK(e.code() == kServerGone);
    CHECK(std::string(e.what()) == "server has gone away; gave up after 10 attempts");
  }
  CHECK(calls == 10);
  CHECK(sleeper.slept == std::vector<long long>{1, 2, 4, 8, 16, 30, 30, 30, 30});
  REQUIRE(logs.lines.size() == 9);  // one line per retry, none after the last attempt
  CHECK(logs.lines[0].find("connect failed (attempt 1/10): server has gone away; retrying in 1s") !=
        std::string::npos);
  CHECK(logs.lines[8].find("(attempt 9/10)") != std::string::npos);
  CHECK(logs.lines[8].find("retrying in 30s") != std::string::npos);
}

TEST_CASE("db: retry returns the first success and stops sleeping") {
  FakeSleeper sleeper;
  LogCapture logs;
  int calls = 0;
  const int v = jetmon::db::with_retry("query", RetryPolicy{5, sleeper.fn(), {}}, [&] {
    if (++calls < 3) throw DbError(kServerGone, "HY000", "gone");
    return 42;
  });
  CHECK(v == 42);
  CHECK(calls == 3);
  CHECK(sleeper.slept == std::vector<long long>{1, 2});
}

TEST_CASE("db: retry with a single attempt rethrows the original error without sleeping") {
  FakeSleeper sleeper;
  int calls = 0;
  for (int attempts : {1, 0, -3}) {
    try {
      jetmon::db::with_retry("x", RetryPolicy{attempts, sleeper.fn(), {}}, [&] {
        ++calls;
        throw DbError(1045, "28000", "Access denied");
      });
      FAIL("expected DbError");
    } catch (const DbError& e) {
      CHECK(std::string(e.what()) == "Access denied");
    }
  }
  CHECK(calls == 3);
  CHECK(sleeper.slept.empty());
}

TEST_CASE("db: retry honours should_retry and never retries other exception types") {
  FakeSleeper sleeper;
  LogCapture logs;
  RetryPolicy transient_only{5, sleeper.fn(), [](const DbError& e) { return e.transient(); }};
  int calls = 0;
  CHECK_THROWS_AS(jetmon::db::with_retry("q", transient_only,
                                         [&] {
                                           ++calls;
                                           throw DbError(1064, "42000", "syntax error");
                                         }),
                  DbError);
  CHECK(calls == 1);

  calls = 0;
  CHECK_THROWS_AS(jetmon::db::with_retry("q", RetryPolicy{5, sleeper.fn(), {}},
                                         [&] {
                                           ++calls;
                                           throw std::logic_error("bug");
                                         }),
                  std::logic_error);
  CHECK(calls == 1);
  CHECK(sleeper.slept.empty());

  // void-returning operations work too
  calls = 0;
  jetmon::db::with_retry("v", transient_only, [&] {
    if (++calls == 1) throw DbError(2013, "HY000", "Lost connection");
  });
  CHECK(calls == 2);
  CHECK(sleeper.slept == std::vector<long long>{1});
}

TEST_CASE("db: transient errors are the connection-lost and timeout class") {
  for (unsigned code : {2002u, 2003u, 2006u, 2013u, 2055u, 1040u, 1205u, 1213u, 1927u, 1053u})
    CHECK(DbError(code, "HY000", "x").transient());
  for (unsigned code : {0u, 1045u, 1049u, 1064u, 1146u, 1062u, 2014u})
    CHECK_FALSE(DbError(code, "HY000", "x").transient());
  CHECK(jetmon::db::is_connection_lost_code(2014));  // out of sync: do not reuse the connection
  CHECK_FALSE(jetmon::db::is_connection_lost_code(1062));
}

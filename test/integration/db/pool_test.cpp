#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "jetmon/db/pool.hpp"
#include "support/test_db.hpp"

using namespace std::chrono_literals;
using jetmon::db::DbError;
using jetmon::db::Pool;
using jetmon::db::PoolOptions;
using jetmon::test::TestDatabase;

namespace {

PoolOptions small(std::size_t max_open, std::size_t max_idle) {
  PoolOptions o;
  o.max_open = max_open;
  o.max_idle = max_idle;
  o.acquire_timeout = 300ms;
  return o;
}

}  // namespace

TEST_CASE("db: pool defaults follow monitor.md 1.4") {
  const PoolOptions o;
  CHECK(o.max_open == 10);
  CHECK(o.max_idle == 5);
  CHECK(o.max_lifetime == 300s);
}

TEST_CASE("db: pool reuses a returned connection and pings it first") {
  TestDatabase tdb;
  Pool pool(tdb.options(), small(2, 2));
  std::uint64_t first_id = 0;
  {
    auto lease = pool.acquire();
    first_id = lease->server_thread_id();
    CHECK(lease->query_scalar("SELECT @@session.time_zone")->as_string() == "+00:00");
  }
  CHECK(pool.stats().idle == 1);
  {
    auto lease = pool.acquire();
    CHECK(lease->server_thread_id() == first_id);
  }
  auto s = pool.stats();
  CHECK(s.opened_total == 1);
  CHECK(s.reused_total == 1);
  CHECK(s.open == 1);

  // Kill the idle session behind the pool's back: the ping before reuse catches it.
  tdb.connection().execute("KILL " + std::to_string(first_id));
  {
    auto lease = pool.acquire();
    CHECK(lease->server_thread_id() != first_id);
    CHECK(lease->ping_ok());
  }
  s = pool.stats();
  CHECK(s.discarded_total == 1);
  CHECK(s.opened_total == 2);
  CHECK(s.open == 1);
}

TEST_CASE("db: pool enforces max open and max idle") {
  TestDatabase tdb;
  Pool pool(tdb.options(), small(2, 1));
  auto a = pool.acquire();
  auto b = pool.acquire();
  CHECK(a->server_thread_id() != b->server_thread_id());
  CHECK(pool.stats().open == 2);
  CHECK(pool.stats().leased == 2);

  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(pool.acquire(), Catch::Contains("no connection free within 300 ms (max open 2)"));
  CHECK(std::chrono::steady_clock::now() - start >= 250ms);

  // A waiter gets the connection another thread returns.
  const auto b_id = b->server_thread_id();
  std::thread returner([&] {
    std::this_thread::sleep_for(50ms);
    auto done = std::move(b);
  });
  auto c = pool.acquire();
  returner.join();
  CHECK(c->server_thread_id() == b_id);

  { auto drop_a = std::move(a); }
  { auto drop_c = std::move(c); }
  auto s = pool.stats();
  CHECK(s.idle == 1);  // max idle 1: the second returned connection was closed
  CHECK(s.open == 1);
  CHECK(s.leased == 0);
}

TEST_CASE("db: pool closes connections past their lifetime and broken or discarded ones") {
  TestDatabase tdb;
  auto opts = small(3, 3);
  opts.max_lifetime = 1s;
  Pool pool(tdb.options(), opts);
  std::uint64_t id = 0;
  {
    auto lease = pool.acquire();
    id = lease->server_thread_id();
  }
  std::this_thread::sleep_for(1100ms);
  {
    auto lease = pool.acquire();  // the idle one expired: a fresh session
    CHECK(lease->server_thread_id() != id);
    lease.discard();
  }
  CHECK(pool.stats().open == 0);

  {
    auto lease = pool.acquire();
    tdb.connection().execute("KILL " + std::to_string(lease->server_thread_id()));
    CHECK_THROWS_AS(lease->query_scalar("SELECT 1"), DbError);
    CHECK(lease->broken());
  }
  CHECK(pool.stats().open == 0);  // a broken connection never goes back to the idle list
  CHECK(pool.stats().discarded_total == 3);
}

TEST_CASE("db: pool under concurrent use never exceeds max open") {
  TestDatabase tdb;
  auto opts = small(3, 2);
  opts.acquire_timeout = 10s;
  Pool pool(tdb.options(), opts);
  std::atomic<int> in_use{0};
  std::atomic<int> peak{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        try {
          auto lease = pool.acquire();
          const int now = ++in_use;
          int p = peak.load();
          while (now > p && !peak.compare_exchange_weak(p, now)) {
          }
          lease->query_scalar("SELECT SLEEP(0.005)");
          --in_use;
        } catch (...) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(peak <= 3);
  const auto s = pool.stats();
  CHECK(s.open <= 2);  // after the storm only max_idle remain
  CHECK(s.leased == 0);
  CHECK(s.opened_total >= 3);
  CHECK(s.reused_total > 0);
}

TEST_CASE("db: a lease may outlive its pool") {
  TestDatabase tdb;
  auto pool = std::make_unique<Pool>(tdb.options(), small(2, 2));
  auto lease = pool->acquire();
  { auto idle = pool->acquire(); }
  pool.reset();
  CHECK(lease->query_scalar("SELECT 5")->as_int64() == 5);
}

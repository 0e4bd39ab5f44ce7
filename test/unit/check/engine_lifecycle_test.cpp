// The engine as a whole: the in-flight ceiling, submissions from many threads, stop() with work
// in flight, submit after stop, and completion callbacks that throw.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "unit/check/check_test_helpers.hpp"
#include "jetmon/check/engine.hpp"
#include "jetmon/common/log.hpp"
#include "support/fixture_site.hpp"

using namespace jetmon::check;
using namespace jetmon::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

// Collects results from the engine thread.
class Results {
 public:
  Engine::Completion callback() {
    return [this](CheckResult&& r) {
      std::lock_guard lock(mutex_);
      results_.push_back(std::move(r));
      cv_.notify_all();
    };
  }
  bool wait_for_count(std::size_t n, milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return results_.size() >= n; });
  }
  std::vector<CheckResult> take() {
    std::lock_guard lock(mutex_);
    return results_;
  }
  std::size_t count() {
    std::lock_guard lock(mutex_);
    return results_.size();
  }
  std::vector<std::uint64_t> blog_ids_in_completion_order() {
    std::lock_guard lock(mutex_);
    std::vector<std::uint64_t> ids;
    for (const CheckResult& r : results_) ids.push_back(r.blog_id);
    return ids;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<CheckResult> results_;
};

bool eventually(const std::function<bool()>& condition, milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return condition();
}

CheckRequest request_for(const FixtureSite& site, std::uint64_t blog_id, int timeout_seconds = 10) {
  CheckRequest request;
  request.blog_id = blog_id;
  request.url = site.url("/check/" + std::to_string(blog_id));
  request.timeout_seconds = timeout_seconds;
  return request;
}

// A request for the site's "/slow" route.
CheckRequest slow_request_for(const FixtureSite& site, std::uint64_t blog_id) {
  CheckRequest request = request_for(site, blog_id);
  request.url = site.url("/slow");
  return request;
}

// The same, submitted as expected to be slow (a site that failed last time).
CheckRequest expected_slow_request_for(const FixtureSite& site, std::uint64_t blog_id) {
  CheckRequest request = slow_request_for(site, blog_id);
  request.expect_slow = true;
  return request;
}

// One slot, `max_lingering_factor` running at most, and no check turning lingering on its own.
EngineOptions one_slot_without_lingering(std::size_t max_lingering_factor) {
  EngineOptions options = test_engine_options(1);
  options.linger_after = milliseconds(60000);
  options.linger_factor = 0;
  options.max_lingering_factor = max_lingering_factor;
  return options;
}

SiteBehaviour answers_after(milliseconds delay) {
  SiteBehaviour b;
  b.body = "ok";
  b.header_delay = delay;
  return b;
}

}  // namespace

TEST_CASE("200 checks with max_in_flight 10 never exceed 10 in flight and all complete", "[check][engine]") {
  FixtureSite site(answers_after(milliseconds(20)));
  Engine engine(test_engine_options(10));
  Results results;
  for (std::uint64_t id = 1; id <= 200; ++id) REQUIRE(engine.submit(request_for(site, id), results.callback()));

  std::size_t max_reported_in_flight = 0;
  while (!results.wait_for_count(200, milliseconds(2))) {
    max_reported_in_flight = std::max(max_reported_in_flight, engine.stats().in_flight);
    REQUIRE(site.connections() <= 200);
  }
  CHECK(engine.stop(milliseconds(1000)));

  const auto all = results.take();
  REQUIRE(all.size() == 200);
  std::set<std::uint64_t> ids;
  for (const auto& r : all) {
    ids.insert(r.blog_id);
    CHECK(r.success);
    CHECK(r.http_code == 200);
    CHECK_FALSE(r.cancelled);
  }
  CHECK(ids.size() == 200);
  CHECK(site.connections() == 200);
  CHECK(site.max_concurrent() <= 10);
  CHECK(site.max_concurrent() >= 5);  // the ceiling was actually used
  CHECK(max_reported_in_flight <= 10);
  CHECK(engine.stats().completed == 200);
  CHECK(engine.stats().in_flight == 0);
  CHECK(engine.stats().pending == 0);
}

TEST_CASE("submissions from several threads all complete", "[check][engine]") {
  FixtureSite site(answers_after(milliseconds(0)));
  Engine engine(test_engine_options(8));
  Results results;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 30;
  std::atomic<int> refused{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const auto id = static_cast<std::uint64_t>(t * 1000 + i);
          if (!engine.submit(request_for(site, id), results.callback())) refused.fetch_add(1);
        }
      });
    }
  }
  CHECK(refused.load() == 0);
  REQUIRE(results.wait_for_count(kThreads * kPerThread, seconds(20)));
  CHECK(engine.stop(milliseconds(1000)));
  std::set<std::uint64_t> ids;
  for (const auto& r : results.take()) {
    ids.insert(r.blog_id);
    CHECK(r.success);
  }
  CHECK(ids.size() == kThreads * kPerThread);
  CHECK(site.connections() == kThreads * kPerThread);
}

TEST_CASE("stop() cancels checks still running after the grace period", "[check][engine]") {
  FixtureSite site(answers_after(seconds(20)));  // never answers in time
  Engine engine(test_engine_options(5));
  Results results;
  for (std::uint64_t id = 1; id <= 15; ++id) REQUIRE(engine.submit(request_for(site, id, 30), results.callback()));
  // 5 running (the site holds their connections), 10 waiting for a slot.
  REQUIRE(eventually([&] { return site.connections() == 5; }, seconds(5)));
  REQUIRE(eventually([&] { return engine.stats().in_flight == 5 && engine.stats().pending == 10; }, seconds(5)));
  CHECK(results.count() == 0);

  const auto started = std::chrono::steady_clock::now();
  CHECK(engine.stop(milliseconds(300)));
  const auto took = elapsed_since(started);
  CHECK(took >= milliseconds(250));
  CHECK(took < milliseconds(1300) + kSchedulingSlack);

  const auto all = results.take();
  REQUIRE(all.size() == 15);
  int cancelled_running = 0;
  int cancelled_pending = 0;
  for (const auto& r : all) {
    CHECK(r.cancelled);
    CHECK_FALSE(r.success);
    CHECK(r.http_code == 0);
    if (r.error == "check engine stopped before the check finished") ++cancelled_running;
    if (r.error == "check engine stopped") ++cancelled_pending;
  }
  CHECK(cancelled_running == 5);
  CHECK(cancelled_pending == 10);
  CHECK(site.connections() == 5);
  // The cancelled transfers' sockets are closed: the site sees every connection go away.
  CHECK(eventually([&] { return site.open_connections() == 0; }, seconds(2)));

  SECTION("submit after stop is refused and its callback never runs") {
    bool called = false;
    CHECK_FALSE(engine.submit(request_for(site, 99), [&called](CheckResult&&) { called = true; }));
    CHECK_FALSE(called);
    CHECK(engine.stop(milliseconds(0)));  // idempotent
  }
}

TEST_CASE("stop() lets running checks finish within the grace period", "[check][engine]") {
  FixtureSite site(answers_after(milliseconds(200)));
  Engine engine(test_engine_options(4));
  Results results;
  for (std::uint64_t id = 1; id <= 4; ++id) REQUIRE(engine.submit(request_for(site, id), results.callback()));
  REQUIRE(eventually([&] { return site.connections() == 4; }, seconds(5)));
  const auto started = std::chrono::steady_clock::now();
  CHECK(engine.stop(seconds(5)));
  CHECK(elapsed_since(started) < milliseconds(4500));  // returns when the work is done, not at 5 s
  const auto all = results.take();
  REQUIRE(all.size() == 4);
  for (const auto& r : all) {
    CHECK_FALSE(r.cancelled);
    CHECK(r.success);
    CHECK(r.http_code == 200);
  }
}

TEST_CASE("an engine destroyed with work in flight shuts down cleanly", "[check][engine]") {
  FixtureSite site(answers_after(seconds(20)));
  Results results;
  {
    Engine engine(test_engine_options(3));
    for (std::uint64_t id = 1; id <= 6; ++id) REQUIRE(engine.submit(request_for(site, id, 30), results.callback()));
    REQUIRE(eventually([&] { return site.connections() == 3; }, seconds(5)));
  }
  CHECK(results.count() == 6);
  for (const auto& r : results.take()) CHECK(r.cancelled);
}

TEST_CASE("completion callbacks that throw do not kill the engine", "[check][engine]") {
  std::mutex log_mutex;
  std::vector<std::string> logged;
  jetmon::log::set_sink([&](std::string_view line) {
    std::lock_guard lock(log_mutex);
    logged.emplace_back(line);
  });
  struct RestoreSink {
    ~RestoreSink() { jetmon::log::set_sink({}); }
  } restore;

  FixtureSite site(answers_after(milliseconds(0)));
  Engine engine(test_engine_options(2));
  Results results;
  REQUIRE(engine.submit(request_for(site, 1), [](CheckResult&&) { throw std::runtime_error("boom"); }));
  REQUIRE(engine.submit(request_for(site, 2), [](CheckResult&&) { throw 42; }));
  REQUIRE(engine.submit(request_for(site, 3), results.callback()));
  REQUIRE(results.wait_for_count(1, seconds(10)));
  // Still alive afterwards.
  REQUIRE(engine.submit(request_for(site, 4), results.callback()));
  REQUIRE(results.wait_for_count(2, seconds(10)));
  for (const auto& r : results.take()) CHECK(r.success);
  CHECK(eventually([&] { return engine.stats().completed == 4; }, seconds(2)));
  CHECK(engine.stop(milliseconds(1000)));

  std::lock_guard lock(log_mutex);
  int boom = 0;
  int unknown = 0;
  for (const auto& line : logged) {
    if (line.find("completion callback threw: boom") != std::string::npos) ++boom;
    if (line.find("completion callback threw") != std::string::npos &&
        line.find("boom") == std::string::npos) {
      ++unknown;
    }
  }
  CHECK(boom == 1);
  CHECK(unknown == 1);
}

TEST_CASE("run_check works on its own and reports the time it started", "[check][engine]") {
  FixtureSite site(answers_after(milliseconds(0)));
  const auto before = std::chrono::system_clock::now();
  const CheckResult r = run_check(request_for(site, 7), test_engine_options());
  CHECK(r.success);
  CHECK(r.blog_id == 7);
  CHECK(r.started_at >= before - seconds(1));
  CHECK(r.started_at <= std::chrono::system_clock::now());
}

TEST_CASE("submit racing with stop: every accepted check gets exactly one callback", "[check][engine]") {
  // submit() used to wake the loop after releasing its lock, so a stop() in between could close
  // the loop first and the late uv_async_send wrote to a closed loop (libuv aborts on that).
  FixtureSite site(answers_after(milliseconds(0)));
  for (int round = 0; round < 100; ++round) {
    std::atomic<int> accepted{0};
    std::atomic<int> called{0};
    auto engine = std::make_unique<Engine>(test_engine_options(4));
    std::atomic<bool> go{false};
    {
      std::vector<std::jthread> threads;
      for (int t = 0; t < 3; ++t) {
        threads.emplace_back([&] {
          while (!go.load()) std::this_thread::yield();
          for (int i = 0; i < 200; ++i) {
            if (engine->submit(request_for(site, 1), [&called](CheckResult&&) { called.fetch_add(1); })) {
              accepted.fetch_add(1);
            }
          }
        });
      }
      go.store(true);
      std::this_thread::sleep_for(std::chrono::microseconds(200 * (round % 5)));
      CHECK(engine->stop(milliseconds(0)));
    }
    engine.reset();
    CHECK(called.load() == accepted.load());
  }
}

namespace {
std::size_t count_entries(const char* dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}
}  // namespace

TEST_CASE("the fixture site and the engine leave no threads or descriptors behind", "[check][engine]") {
  SiteBehaviour endless;
  endless.endless = true;
  {
    FixtureSite warm_up(endless, SiteTls::valid);  // first use generates certificates, loads CAs
    CHECK(run_check(request_for(warm_up, 1), test_engine_options()).success);
  }
  const std::size_t fds_before = count_entries("/proc/self/fd");
  const std::size_t threads_before = count_entries("/proc/self/task");
  {
    FixtureSite site(endless, SiteTls::valid);
    FixtureSite held(answers_after(seconds(20)));
    Engine engine(test_engine_options(4));
    Results results;
    CheckRequest keyword = request_for(site, 2);
    keyword.keyword = "never there";
    REQUIRE(engine.submit(keyword, results.callback()));
    REQUIRE(engine.submit(request_for(site, 3), results.callback()));
    REQUIRE(engine.submit(request_for(held, 4, 30), results.callback()));
    REQUIRE(results.wait_for_count(2, seconds(10)));
    REQUIRE(eventually([&] { return held.connections() == 1; }, seconds(5)));
    CHECK(count_entries("/proc/self/task") > threads_before);
    CHECK(engine.stop(milliseconds(0)));
    // `held` still has its connection thread waiting: the destructors must end it.
  }
  CHECK(count_entries("/proc/self/fd") == fds_before);
  CHECK(count_entries("/proc/self/task") == threads_before);
}

TEST_CASE("checks spread over many multi handles all complete and leave no descriptors behind", "[check][engine]") {
  {
    FixtureSite warm_up(answers_after(milliseconds(0)));  // libcurl's and OpenSSL's first use
    CHECK(run_check(request_for(warm_up, 1), test_engine_options()).success);
  }
  const std::size_t fds_before = count_entries("/proc/self/fd");
  {
    FixtureSite site(answers_after(milliseconds(200)));
    FixtureSite held(answers_after(seconds(20)));
    EngineOptions options = test_engine_options(20);
    options.transfers_per_lane = 2;  // at least ten multi handles
    Engine engine(options);
    Results results;
    for (std::uint64_t id = 1; id <= 40; ++id) REQUIRE(engine.submit(request_for(site, id), results.callback()));
    REQUIRE(results.wait_for_count(40, seconds(20)));
    REQUIRE(engine.submit(request_for(held, 41, 30), results.callback()));
    REQUIRE(eventually([&] { return held.connections() == 1; }, seconds(5)));
    CHECK(engine.stop(milliseconds(0)));  // cancels the held check in its lane
    const auto all = results.take();
    REQUIRE(all.size() == 41);
    std::size_t succeeded = 0;
    for (const CheckResult& r : all) succeeded += r.success ? 1 : 0;
    CHECK(succeeded == 40);
    CHECK(site.max_concurrent() > 2);  // they ran at once, across lanes
  }
  CHECK(count_entries("/proc/self/fd") == fds_before);  // every multi handle's socketpair closed
}

TEST_CASE("a slow site lingers outside the ceiling so the checks behind it go on", "[check][engine]") {
  FixtureSite site(answers_after(milliseconds(0)));
  site.route("/slow", answers_after(milliseconds(3000)));
  EngineOptions options = test_engine_options(1);
  options.linger_after = milliseconds(200);
  Engine engine(options);
  Results results;
  const auto record = results.callback();
  REQUIRE(engine.submit(slow_request_for(site, 1), record));
  for (std::uint64_t id = 2; id <= 4; ++id) REQUIRE(engine.submit(request_for(site, id), record));
  REQUIRE(results.wait_for_count(4, milliseconds(20000)));
  CHECK(engine.stop(milliseconds(1000)));
  const auto order = results.blog_ids_in_completion_order();
  // With one slot, the three fast checks would wait 3 s behind the slow one; lingering lets them
  // through first.
  CHECK(order == std::vector<std::uint64_t>{2, 3, 4, 1});
  CHECK(engine.stats().lingering == 0);
}

TEST_CASE("checks expected to be slow start outside the ceiling and never hold a slot", "[check][engine]") {
  FixtureSite site(answers_after(milliseconds(0)));
  site.route("/slow", answers_after(milliseconds(2000)));
  Engine engine(one_slot_without_lingering(4));  // four running at most, two of them slow
  Results results;
  const auto record = results.callback();
  for (std::uint64_t id = 1; id <= 2; ++id) REQUIRE(engine.submit(expected_slow_request_for(site, id), record));
  for (std::uint64_t id = 3; id <= 5; ++id) REQUIRE(engine.submit(request_for(site, id), record));
  REQUIRE(results.wait_for_count(5, milliseconds(20000)));
  CHECK(engine.stop(milliseconds(1000)));
  const auto order = results.blog_ids_in_completion_order();
  // The two slow checks run at once, beside the one slot the fast checks take in turn.
  REQUIRE(order.size() == 5);
  CHECK(std::vector<std::uint64_t>(order.begin(), order.begin() + 3) == std::vector<std::uint64_t>{3, 4, 5});
  CHECK(std::set<std::uint64_t>(order.begin() + 3, order.end()) == std::set<std::uint64_t>{1, 2});
  CHECK(engine.stats().lingering == 0);
}

TEST_CASE("slow checks held back by the slow capacity never hold back checks for the ceiling", "[check][engine]") {
  FixtureSite site(answers_after(milliseconds(0)));
  site.route("/slow", answers_after(milliseconds(2000)));
  Engine engine(one_slot_without_lingering(3));  // three running at most, one of them slow
  REQUIRE(engine.slow_capacity() == 1);
  Results results;
  const auto record = results.callback();
  for (std::uint64_t id = 1; id <= 2; ++id) REQUIRE(engine.submit(expected_slow_request_for(site, id), record));
  REQUIRE(eventually([&] { return engine.stats().slow == 1; }, milliseconds(10000)));
  CHECK(engine.stats().pending == 1);  // the second slow check waits for the first
  for (std::uint64_t id = 3; id <= 5; ++id) REQUIRE(engine.submit(request_for(site, id), record));
  REQUIRE(results.wait_for_count(5, milliseconds(20000)));
  CHECK(engine.stop(milliseconds(1000)));
  // One queue in submission order would keep the fast checks behind the waiting slow one (2 s).
  CHECK(results.blog_ids_in_completion_order() == std::vector<std::uint64_t>{3, 4, 5, 1, 2});
  CHECK(site.max_concurrent() <= 2);
}

TEST_CASE("an urgent slow check takes the next free slow place ahead of those waiting", "[check][engine]") {
  FixtureSite site(answers_after(milliseconds(0)));
  site.route("/slow", answers_after(milliseconds(2000)));
  Engine engine(one_slot_without_lingering(3));  // slow capacity 1, three running at most
  Results results;
  const auto record = results.callback();
  for (std::uint64_t id = 1; id <= 2; ++id) REQUIRE(engine.submit(expected_slow_request_for(site, id), record));
  REQUIRE(eventually([&] { return engine.stats().slow == 1 && engine.stats().pending == 1; }, milliseconds(10000)));
  CheckRequest retry = expected_slow_request_for(site, 3);
  retry.urgent = true;
  REQUIRE(engine.submit(retry, record));
  // Never past the capacity: it waits for 1 to end, then starts before 2, which came first.
  REQUIRE(eventually([&] { return engine.stats().pending == 2; }, milliseconds(10000)));
  CHECK(engine.stats().slow == 1);
  REQUIRE(results.wait_for_count(3, milliseconds(20000)));
  CHECK(engine.stop(milliseconds(1000)));
  CHECK(results.blog_ids_in_completion_order() == std::vector<std::uint64_t>{1, 3, 2});
}

TEST_CASE("stop() cancels slow checks waiting for room as well as the running one", "[check][engine]") {
  FixtureSite site(answers_after(seconds(20)));  // never answers in time
  Engine engine(one_slot_without_lingering(3));  // slow capacity 1
  Results results;
  for (std::uint64_t id = 1; id <= 3; ++id) REQUIRE(engine.submit(expected_slow_request_for(site, id), results.callback()));
  REQUIRE(eventually([&] { return engine.stats().slow == 1 && engine.stats().pending == 2; }, seconds(5)));
  CHECK(engine.stop(milliseconds(0)));  // true: the loop closed cleanly with nothing left queued
  const auto all = results.take();
  REQUIRE(all.size() == 3);
  int cancelled_running = 0;
  int cancelled_pending = 0;
  for (const auto& r : all) {
    CHECK(r.cancelled);
    if (r.error == "check engine stopped before the check finished") ++cancelled_running;
    if (r.error == "check engine stopped") ++cancelled_pending;
  }
  CHECK(cancelled_running == 1);
  CHECK(cancelled_pending == 2);
  CHECK(engine.stats().slow == 0);
}

TEST_CASE("slow capacity leaves the ceiling and as much again free under the hard cap", "[check][engine]") {
  struct Row {
    std::size_t max_in_flight, factor, sockets, hard_cap, slow_capacity;
  };
  constexpr std::size_t kAny = SIZE_MAX;
  const Row rows[] = {
      {1000, 20, kAny, 20000, 18000},  // the monitor's defaults
      {1000, 20, 17500, 17500, 15500},  // a soft limit of 20,000 open files
      {1000, 10, kAny, 10000, 8000},
      {1000, 10, 57344, 10000, 8000},  // LimitNOFILE=65536 leaves room
      {1000, 10, 6000, 6000, 4000},   // the open-file limit binds
      {1000, 10, 2500, 2500, 500},
      {1000, 10, 1500, 1500, 1},  // never below one
      {1000, 10, 0, 1, 1},        // a zero socket limit counts as one
      {1, 4, kAny, 4, 2},   {1, 3, kAny, 3, 1},   {1, 2, kAny, 2, 1},
      {1, 1, kAny, 1, 1},   {0, 10, kAny, 10, 8},  // a zero ceiling counts as one
      {60, 0, kAny, 60, 1},  // a zero factor counts as one
      {kAny, 10, kAny, kAny, 0},  // no overflow: the product saturates (slow capacity not checked)
  };
  for (const Row& row : rows) {
    INFO("max_in_flight " << row.max_in_flight << " factor " << row.factor << " sockets " << row.sockets);
    const std::size_t cap = running_cap(row.max_in_flight, row.factor, row.sockets);
    CHECK(cap == row.hard_cap);
    if (row.max_in_flight != kAny) CHECK(slow_check_capacity(row.max_in_flight, cap) == row.slow_capacity);
  }
}

TEST_CASE("checks linger after eight times the recent median within the floor and linger_after", "[check][engine]") {
  struct Row {
    std::vector<int> recent_ms;
    int floor_ms;
    std::size_t factor;
    int linger_after_ms;
    int expected_ms;
  };
  const Row rows[] = {
      {{}, 250, 8, 2000, 2000},               // nothing ended yet
      {{10, 12, 9, 400}, 250, 0, 2000, 2000},  // factor 0: adaptive lingering off
      {{10, 12, 9, 400}, 250, 8, 2000, 250},   // fast checks: the floor
      {{10, 12, 9, 400}, 0, 8, 2000, 96},      // median 12 (upper of the middle two)
      {{100, 180, 90, 10000, 150}, 250, 8, 2000, 1200},  // a busy healthy round
      {{10000, 10000, 20, 10000}, 250, 8, 2000, 2000},   // most checks slow: linger_after
      {{300}, 250, 8, 2000, 2000},  // 2400 capped
      {{250}, 250, 8, 2000, 2000},  // exactly linger_after / factor
      {{10}, 250, 8, 200, 200},     // a floor above linger_after gives linger_after
      {{1'000'000'000}, 250, SIZE_MAX, 2000, 2000},  // no overflow
  };
  for (const Row& row : rows) {
    std::vector<milliseconds> recent;
    for (int ms : row.recent_ms) recent.emplace_back(ms);
    INFO("recent " << row.recent_ms.size() << " floor " << row.floor_ms << " factor " << row.factor
                   << " linger_after " << row.linger_after_ms);
    CHECK(adaptive_linger_after(recent, milliseconds(row.floor_ms), row.factor,
                                milliseconds(row.linger_after_ms)) == milliseconds(row.expected_ms));
  }
}

TEST_CASE("a check far slower than the recent ones lingers before linger_after", "[check][engine]") {
  FixtureSite site(answers_after(milliseconds(0)));
  site.route("/slow", answers_after(milliseconds(4000)));
  EngineOptions options = test_engine_options(1);
  options.linger_after = milliseconds(60000);  // only the adaptive threshold can let it linger
  Engine engine(options);
  Results results;
  const auto record = results.callback();
  for (std::uint64_t id = 1; id <= 20; ++id) REQUIRE(engine.submit(request_for(site, id), record));
  REQUIRE(results.wait_for_count(20, milliseconds(20000)));
  REQUIRE(engine.submit(slow_request_for(site, 21), record));
  for (std::uint64_t id = 22; id <= 24; ++id) REQUIRE(engine.submit(request_for(site, id), record));
  REQUIRE(results.wait_for_count(24, milliseconds(30000)));
  CHECK(engine.stop(milliseconds(1000)));
  const auto order = results.blog_ids_in_completion_order();
  // With one slot and linger_after 60 s, the three fast checks would wait 4 s behind the slow one.
  REQUIRE(order.size() == 24);
  CHECK(std::vector<std::uint64_t>(order.begin() + 20, order.end()) == std::vector<std::uint64_t>{22, 23, 24, 21});
}

TEST_CASE("by default a known-failing tenth of 100 times the ceiling waits out its timeout at once", "[check][engine]") {
  // A round submits its sites with open events first, as slow checks. With 10 % of 100,000
  // sites silent and NUM_WORKERS 1,000, all ~10,000 must fit the slow capacity: the ones left
  // over start when the first time out, and the round takes two timeouts instead of one.
  const EngineOptions defaults;
  for (const std::size_t ceiling : {60, 1000, 2000}) {
    INFO("max_in_flight " << ceiling);
    const std::size_t cap = running_cap(ceiling, defaults.max_lingering_factor, SIZE_MAX);
    CHECK(slow_check_capacity(ceiling, cap) >= 10 * ceiling);
  }
}

TEST_CASE("checks get the open-file limit less an eighth kept for everything else", "[check][engine]") {
  struct Row {
    std::uint64_t open_files;
    std::size_t sockets;
  };
  const Row rows[] = {
      {65536, 57344},  // systemd LimitNOFILE of the package
      {20000, 17500},
      {1024, 896},  // a shell's usual soft limit: 128 kept
      {200, 72},   {128, 1},   {0, 1},  // never below one
  };
  for (const Row& row : rows) {
    INFO("open files " << row.open_files);
    CHECK(socket_budget(row.open_files) == row.sockets);
  }
}


namespace {

// Three slow checks and a fast one, with room for two running: the third slow check and the fast
// one wait until a slow one ends.
void expect_two_running_at_most(EngineOptions options) {
  FixtureSite site(answers_after(milliseconds(0)));
  site.route("/slow", answers_after(milliseconds(2500)));
  options.linger_after = milliseconds(100);
  Engine engine(options);
  Results results;
  const auto record = results.callback();
  for (std::uint64_t id = 1; id <= 3; ++id) {
    REQUIRE(engine.submit(slow_request_for(site, id), record));
  }
  REQUIRE(engine.submit(request_for(site, 4), record));
  REQUIRE(eventually([&] { return engine.stats().lingering == 2; }, milliseconds(10000)));
  CHECK(engine.stats().in_flight == 2);  // the cap: the third slow check and the fast one wait
  REQUIRE(results.wait_for_count(4, milliseconds(30000)));
  CHECK(engine.stop(milliseconds(1000)));
  CHECK(site.max_concurrent() <= 2);
  // The fast check started only after a slow one finished and freed room under the cap.
  CHECK(results.blog_ids_in_completion_order().front() != 4);
}

}  // namespace

TEST_CASE("lingering checks are capped at max_in_flight times max_lingering_factor", "[check][engine]") {
  EngineOptions options = test_engine_options(1);
  options.max_lingering_factor = 2;  // two running at most
  expect_two_running_at_most(options);
}

TEST_CASE("the open-file budget caps running checks below max_in_flight times the factor", "[check][engine]") {
  EngineOptions options = test_engine_options(1);
  options.max_lingering_factor = 10;
  options.max_open_sockets = 2;  // two running at most, not ten
  expect_two_running_at_most(options);
}

namespace {

// Client-side sockets (remote end `port`) still closing: FIN_WAIT1, FIN_WAIT2 or TIME_WAIT, from
// /proc/net/tcp and tcp6.
std::size_t closing_sockets_to(int port) {
  std::size_t count = 0;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      const auto colon = remote.rfind(':');
      if (colon == std::string::npos) continue;
      if (state != "04" && state != "05" && state != "06") continue;
      if (std::stoi(remote.substr(colon + 1), nullptr, 16) == port) ++count;
    }
  }
  return count;
}

}  // namespace

TEST_CASE("check connections we close leave no socket behind on the monitor host", "[check][engine]") {
  // One connection per check, closed by us when it ends: a normal close would leave each one in
  // FIN_WAIT or TIME_WAIT for up to a minute, hundreds of thousands on a busy host, and a site
  // that never answered would hold its end open until it gave up on its own.
  FixtureSite silent(answers_after(seconds(20)));
  for (std::uint64_t blog_id = 1; blog_id <= 3; ++blog_id) {
    const CheckResult r = run_check(request_for(silent, blog_id, 1), test_engine_options());
    CHECK(r.error_code == ErrorCode::timeout);
  }
  CHECK(closing_sockets_to(silent.port()) == 0);
}

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "jetmon/service/heartbeat_publisher.hpp"

using jetmon::health::HealthEntry;
using jetmon::health::HealthList;
using jetmon::service::HeartbeatHooks;
using jetmon::service::HeartbeatPublisher;
using namespace std::chrono_literals;

namespace {

// Records every delivered snapshot ("running", "running+probe", "stopping", "stopped").
struct Recorder {
  std::mutex mutex;
  std::vector<std::string> calls;
  std::atomic<int> probes{0};

  HeartbeatHooks hooks() {
    HeartbeatHooks h;
    h.probe = [this] {
      const int n = ++probes;
      return HealthList{HealthEntry{"mysql", "green", n, "", {}}};
    };
    h.deliver = [this](std::string_view state, const HealthList& health, bool refreshed) {
      std::lock_guard lock(mutex);
      std::string call(state);
      if (refreshed) call += "+probe";
      if (!health.empty()) call += "#" + std::to_string(health.front().latency_ms);
      calls.push_back(call);
    };
    h.mark_stopped = [this] {
      std::lock_guard lock(mutex);
      calls.emplace_back("stopped");
    };
    return h;
  }

  std::vector<std::string> snapshot() {
    std::lock_guard lock(mutex);
    return calls;
  }

  bool wait_for_calls(std::size_t n) {
    for (int i = 0; i < 1000; ++i) {
      if (snapshot().size() >= n) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
};

}  // namespace

TEST_CASE("heartbeat: startup publishes once without probes, then with probes at once") {
  Recorder rec;
  HeartbeatPublisher publisher(rec.hooks(), 1h);
  publisher.start();
  REQUIRE(rec.wait_for_calls(2));
  CHECK(rec.snapshot() == std::vector<std::string>{"running", "running+probe#1"});
  CHECK(publisher.last_health().size() == 1);
  publisher.finish_shutdown();
  CHECK(rec.snapshot() ==
        std::vector<std::string>{"running", "running+probe#1", "stopping#1", "stopping#1", "stopped"});
}

TEST_CASE("heartbeat: the loop republishes with fresh probes every interval") {
  Recorder rec;
  HeartbeatPublisher publisher(rec.hooks(), 20ms);
  publisher.start();
  REQUIRE(rec.wait_for_calls(4));
  publisher.finish_shutdown();
  const auto calls = rec.snapshot();
  CHECK(calls.at(0) == "running");
  CHECK(calls.at(1) == "running+probe#1");
  CHECK(calls.at(2) == "running+probe#2");
  CHECK(calls.back() == "stopped");
}

TEST_CASE("heartbeat: no steady-state publish lands after shutdown began") {
  Recorder rec;
  HeartbeatPublisher publisher(rec.hooks(), 1ms);
  publisher.start();
  std::atomic<bool> stop{false};
  std::vector<std::thread> hammers;
  for (int i = 0; i < 3; ++i) {
    const bool refresh = i % 2 == 0;
    hammers.emplace_back([&publisher, &stop, refresh] {
      while (!stop.load()) publisher.publish("running", refresh);
    });
  }
  REQUIRE(rec.wait_for_calls(20));
  publisher.begin_shutdown();
  CHECK_FALSE(publisher.publish("running", true));
  publisher.finish_shutdown();
  stop.store(true);
  for (auto& t : hammers) t.join();

  const auto calls = rec.snapshot();
  const auto first_stopping =
      std::find_if(calls.begin(), calls.end(), [](const std::string& c) { return c.rfind("stopping", 0) == 0; });
  REQUIRE(first_stopping != calls.end());
  CHECK(std::none_of(first_stopping, calls.end(),
                     [](const std::string& c) { return c.rfind("running", 0) == 0; }));
  CHECK(calls.back() == "stopped");
  CHECK(std::count(calls.begin(), calls.end(), "stopped") == 1);
}

TEST_CASE("heartbeat: an idle deliverer publishes idle and still stops in order") {
  Recorder rec;
  HeartbeatPublisher publisher(rec.hooks(), 1h, "idle");
  publisher.start();
  REQUIRE(rec.wait_for_calls(2));
  publisher.begin_shutdown();
  publisher.begin_shutdown();
  CHECK_FALSE(publisher.publish("idle", false));
  publisher.finish_shutdown();
  publisher.finish_shutdown();
  CHECK(rec.snapshot() ==
        std::vector<std::string>{"idle", "idle+probe#1", "stopping#1", "stopping#1", "stopped"});
}

TEST_CASE("heartbeat: a failing hook is logged and never stops the publisher") {
  HeartbeatHooks hooks;
  std::atomic<int> delivered{0};
  hooks.probe = []() -> HealthList { throw std::runtime_error("probe exploded"); };
  hooks.deliver = [&](std::string_view, const HealthList&, bool) {
    ++delivered;
    throw std::runtime_error("database gone");
  };
  hooks.mark_stopped = [] { throw std::runtime_error("still gone"); };
  HeartbeatPublisher publisher(std::move(hooks), 1h);
  publisher.start();
  for (int i = 0; i < 500 && delivered.load() < 2; ++i) std::this_thread::sleep_for(10ms);
  publisher.finish_shutdown();
  CHECK(delivered.load() == 4);
}

TEST_CASE("heartbeat: destroying a started publisher stops its loop") {
  Recorder rec;
  {
    HeartbeatPublisher publisher(rec.hooks(), 1ms);
    publisher.start();
    REQUIRE(rec.wait_for_calls(3));
  }
  const auto n = rec.snapshot().size();
  std::this_thread::sleep_for(20ms);
  CHECK(rec.snapshot().size() == n);
}

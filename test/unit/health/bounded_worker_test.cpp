#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "health/bounded_worker.hpp"

using namespace std::chrono_literals;
using jetmon::health::detail::BoundedWorker;

namespace {

// A gate a job waits on until the test opens it.
class Gate {
 public:
  void wait() { opened_.wait(); }
  void open() { promise_.set_value(); }

 private:
  std::promise<void> promise_;
  std::shared_future<void> opened_ = promise_.get_future().share();
};

}  // namespace

TEST_CASE("bounded worker returns the job's result") {
  BoundedWorker worker;
  auto ok = worker.run([] { return std::optional<std::string>{}; }, 10s);
  CHECK(ok.status == BoundedWorker::Status::done);
  CHECK_FALSE(ok.error.has_value());

  auto failed = worker.run([] { return std::optional<std::string>{"boom"}; }, 10s);
  CHECK(failed.status == BoundedWorker::Status::done);
  CHECK(BoundedWorker::error_text(failed, 10s) == std::optional<std::string>{"boom"});

  auto thrown = worker.run([]() -> std::optional<std::string> { throw std::runtime_error("thrown"); }, 10s);
  CHECK(BoundedWorker::error_text(thrown, 10s) == std::optional<std::string>{"thrown"});
}

TEST_CASE("bounded worker gives up waiting but keeps the order of jobs") {
  BoundedWorker worker;
  Gate gate;
  std::mutex mu;
  std::vector<std::string> order;
  auto record = [&](std::string what) {
    std::lock_guard lock(mu);
    order.push_back(std::move(what));
  };

  // A hangs: its caller gets a timeout while A goes on.
  auto a = worker.run(
      [&] {
        gate.wait();
        record("a");
        return std::optional<std::string>{};
      },
      50ms);
  CHECK(a.status == BoundedWorker::Status::timed_out_running);
  CHECK(BoundedWorker::error_text(a, 50ms) == std::optional<std::string>{"timed out after 50 ms"});

  // B cannot start while A runs; its caller gives up and B is withdrawn: it never runs.
  std::atomic<bool> b_ran{false};
  auto b = worker.run(
      [&] {
        b_ran = true;
        return std::optional<std::string>{};
      },
      50ms);
  CHECK(b.status == BoundedWorker::Status::timed_out_waiting);
  CHECK(BoundedWorker::error_text(b, 50ms) ==
        std::optional<std::string>{"timed out after 50 ms (a previous call is still running)"});

  // C waits (generously) for A, then runs after it.
  auto c_future = std::async(std::launch::async, [&] {
    return worker.run(
        [&] {
          record("c");
          return std::optional<std::string>{};
        },
        60s);
  });
  gate.open();
  auto c = c_future.get();
  CHECK(c.status == BoundedWorker::Status::done);
  CHECK(order == std::vector<std::string>{"a", "c"});
  CHECK_FALSE(b_ran.load());
}

TEST_CASE("bounded worker destruction lets a running job finish") {
  std::atomic<bool> finished{false};
  Gate gate;
  {
    BoundedWorker worker;
    auto r = worker.run(
        [&] {
          gate.wait();
          finished = true;
          return std::optional<std::string>{};
        },
        20ms);
    CHECK(r.status == BoundedWorker::Status::timed_out_running);
    gate.open();
  }
  CHECK(finished.load());
}

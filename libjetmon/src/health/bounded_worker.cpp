#include "health/bounded_worker.hpp"
#include "jetmon/common/thread_name.hpp"

#include <fmt/format.h>

#include <exception>
#include <utility>

namespace jetmon::health::detail {

struct BoundedWorker::Slot {
  Job job;
  bool started = false;
  bool done = false;
  std::optional<std::string> result;
};

BoundedWorker::BoundedWorker()
    : thread_(start_named_thread("jm-probe", [this] { loop(); })) {}

BoundedWorker::~BoundedWorker() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    pending_.reset();
  }
  cv_.notify_all();
  thread_.join();
}

BoundedWorker::Outcome BoundedWorker::run(Job job, std::chrono::milliseconds bound) {
  auto slot = std::make_shared<Slot>();
  slot->job = std::move(job);
  const auto deadline = std::chrono::steady_clock::now() + bound;
  std::unique_lock lock(mu_);
  // One job may wait while another runs; a second caller waits for that place.
  if (!cv_.wait_until(lock, deadline, [&] { return pending_ == nullptr || stopping_; })) {
    return {Status::timed_out_waiting, std::nullopt};
  }
  if (stopping_) return {Status::stopped, std::nullopt};
  pending_ = slot;
  cv_.notify_all();
  if (!cv_.wait_until(lock, deadline, [&] { return slot->done || stopping_; })) {
    if (slot->started) return {Status::timed_out_running, std::nullopt};
    if (pending_ == slot) pending_.reset();
    cv_.notify_all();
    return {Status::timed_out_waiting, std::nullopt};
  }
  if (!slot->done) return {Status::stopped, std::nullopt};
  return {Status::done, std::move(slot->result)};
}

std::optional<std::string> BoundedWorker::error_text(Outcome outcome,
                                                     std::chrono::milliseconds bound) {
  switch (outcome.status) {
    case Status::done:
      return std::move(outcome.error);
    case Status::timed_out_running:
      return fmt::format("timed out after {} ms", bound.count());
    case Status::timed_out_waiting:
      return fmt::format("timed out after {} ms (a previous call is still running)", bound.count());
    case Status::stopped:
      return std::string("shutting down");
  }
  return std::string("unknown outcome");
}

void BoundedWorker::loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || pending_ != nullptr; });
    if (stopping_) return;
    std::shared_ptr<Slot> slot = std::move(pending_);
    pending_.reset();
    slot->started = true;
    Job job = std::move(slot->job);
    cv_.notify_all();  // the place is free again
    lock.unlock();

    std::optional<std::string> result;
    try {
      result = job();
    } catch (const std::exception& e) {
      result = std::string(e.what());
    } catch (...) {
      result = std::string("unknown error");
    }
    job = nullptr;  // its captures go away on this thread, outside the lock

    lock.lock();
    slot->result = std::move(result);
    slot->done = true;
    cv_.notify_all();
  }
}

}  // namespace jetmon::health::detail

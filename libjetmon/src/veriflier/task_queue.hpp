#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "jetmon/common/log.hpp"
#include "jetmon/common/thread_name.hpp"

namespace jetmon::veriflier {

// cpp-httplib's task queue with a ceiling: `threads` workers and at most `max_queued` accepted
// connections waiting for one. When the queue is full, enqueue() blocks the accept loop, so
// further connections wait in the kernel's listen backlog instead of piling up here.
// Every queued job runs (a job owns an accepted socket and closes it); no exception leaves a
// worker.
class BoundedTaskQueue : public httplib::TaskQueue {
 public:
  BoundedTaskQueue(std::size_t threads, std::size_t max_queued)
      : max_queued_(max_queued == 0 ? 1 : max_queued) {
    workers_.reserve(threads);
    for (std::size_t i = 0; i < (threads == 0 ? 1 : threads); ++i) {
      workers_.push_back(start_named_thread("jm-vfy-worker", [this] { work(); }));
    }
  }
  ~BoundedTaskQueue() override { shutdown(); }
  BoundedTaskQueue(const BoundedTaskQueue&) = delete;
  BoundedTaskQueue& operator=(const BoundedTaskQueue&) = delete;

  void enqueue(std::function<void()> fn) override {
    std::unique_lock lock(mutex_);
    space_.wait(lock, [this] { return jobs_.size() < max_queued_ || shutting_down_; });
    jobs_.push_back(std::move(fn));
    ready_.notify_one();
  }

  // Runs what is queued, then joins the workers.
  void shutdown() override {
    {
      std::lock_guard lock(mutex_);
      if (shutting_down_ && workers_.empty()) return;
      shutting_down_ = true;
    }
    ready_.notify_all();
    space_.notify_all();
    for (std::thread& t : workers_) {
      if (t.joinable()) t.join();
    }
    workers_.clear();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return !jobs_.empty() || shutting_down_; });
        if (jobs_.empty()) return;  // shutting down and drained
        job = std::move(jobs_.front());
        jobs_.pop_front();
        space_.notify_one();
      }
      try {
        job();
      } catch (const std::exception& e) {
        log::error("veriflier: connection handler failed: {}", e.what());
      } catch (...) {
        log::error("veriflier: connection handler failed");
      }
    }
  }

  const std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable space_;
  std::deque<std::function<void()>> jobs_;
  bool shutting_down_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace jetmon::veriflier

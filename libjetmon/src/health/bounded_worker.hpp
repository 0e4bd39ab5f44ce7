#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

// Private to libjetmon/src/health: how the process-health writer and the mysql probe keep a
// database call from blocking their caller longer than its bound (dashboard-fleet.md §5, §6.4).
namespace jetmon::health::detail {

// One background thread that runs jobs one at a time, in submission order. run() hands a job
// over and waits for it at most `bound`; a job that is still running then goes on in the
// background (its own socket timeouts end it) while the caller gets a timeout. A job that has not
// started by the deadline is withdrawn and never runs. So the caller never blocks longer than
// the bound, and jobs never overlap or overtake each other.
class BoundedWorker {
 public:
  // Returns nullopt on success or the error text. Exceptions are caught and become the text.
  using Job = std::function<std::optional<std::string>()>;

  enum class Status { done, timed_out_running, timed_out_waiting, stopped };
  struct Outcome {
    Status status = Status::done;
    std::optional<std::string> error;  // the job's result when done
  };

  BoundedWorker();
  // Withdraws a job that has not started, lets a running one finish, joins the thread. No call
  // to run() may be in progress.
  ~BoundedWorker();
  BoundedWorker(const BoundedWorker&) = delete;
  BoundedWorker& operator=(const BoundedWorker&) = delete;

  Outcome run(Job job, std::chrono::milliseconds bound);

  // The caller's error text: the job's own result when done, else "timed out after <n> ms"
  // (with " (a previous call is still running)" when it never started) or "shutting down".
  static std::optional<std::string> error_text(Outcome outcome, std::chrono::milliseconds bound);

 private:
  struct Slot;
  void loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<Slot> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace jetmon::health::detail

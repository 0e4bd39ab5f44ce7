#include "jetmon/db/retry.hpp"

#include <thread>

#include "jetmon/common/log.hpp"

namespace jetmon::db {

Sleeper real_sleeper() {
  return [](std::chrono::seconds d) { std::this_thread::sleep_for(d); };
}

std::chrono::seconds backoff_delay(int failed_attempt) noexcept {
  if (failed_attempt < 1) failed_attempt = 1;
  // 1 << 5 = 32 > 30 already; stop shifting there so large attempt numbers cannot overflow.
  if (failed_attempt > 5) return kMaxBackoff;
  const std::chrono::seconds d{1LL << (failed_attempt - 1)};
  return d < kMaxBackoff ? d : kMaxBackoff;
}

void retry_loop(std::string_view what, const RetryPolicy& policy,
                const std::function<void()>& attempt) {
  const int attempts = policy.attempts < 1 ? 1 : policy.attempts;
  const Sleeper& sleep = policy.sleeper ? policy.sleeper : real_sleeper();
  for (int i = 1;; ++i) {
    try {
      attempt();
      return;
    } catch (const DbError& e) {
      const bool retryable = !policy.should_retry || policy.should_retry(e);
      if (!retryable) throw;
      if (i >= attempts) {
        if (attempts == 1) throw;
        throw DbError(e.code(), e.sqlstate(),
                      fmt::format("{}; gave up after {} attempts", e.what(), attempts));
      }
      const auto delay = backoff_delay(i);
      log::warn("db: {} failed (attempt {}/{}): {}; retrying in {}s", what, i, attempts, e.what(),
                delay.count());
      sleep(delay);
    }
  }
}

Connection connect_with_retry(const ConnectOptions& options, int attempts, Sleeper sleeper) {
  RetryPolicy policy;
  policy.attempts = attempts;
  policy.sleeper = std::move(sleeper);
  return with_retry("connect to " + options.describe(), policy,
                    [&] { return Connection(options); });
}

}  // namespace jetmon::db

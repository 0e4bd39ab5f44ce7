#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "jetmon/db/connection.hpp"
#include "jetmon/db/error.hpp"

// Bounded retry with exponential backoff (monitor.md §1.4): the waits between attempts are
// 1, 2, 4, 8, 16, 30, 30 … seconds. Attempt counts used by the CLI: serve 10, migrate 5,
// validate-config / audit / keys 3.
namespace jetmon::db {

inline constexpr std::chrono::seconds kMaxBackoff{30};

// Sleeps for the given delay; injectable so tests run without waiting.
using Sleeper = std::function<void(std::chrono::seconds)>;
Sleeper real_sleeper();

// The wait after failed attempt number `failed_attempt` (1-based): 1 s, 2 s, 4 s … capped at 30 s.
std::chrono::seconds backoff_delay(int failed_attempt) noexcept;

struct RetryPolicy {
  int attempts = 1;  // total tries, at least 1
  Sleeper sleeper;   // empty: real_sleeper()
  // Which DbErrors are retried; empty: every DbError. Other exception types are never retried.
  std::function<bool(const DbError&)> should_retry;
};

// Runs `attempt` until it returns without throwing DbError or the attempts are used up. Each retry
// is logged (warn) with the attempt number, the error and the wait. When every attempt fails, throws
// a DbError with the last error's code and "<last message>; gave up after N attempts".
void retry_loop(std::string_view what, const RetryPolicy& policy,
                const std::function<void()>& attempt);

template <typename F>
auto with_retry(std::string_view what, const RetryPolicy& policy, F&& f)
    -> std::invoke_result_t<F&> {
  using R = std::invoke_result_t<F&>;
  if constexpr (std::is_void_v<R>) {
    retry_loop(what, policy, [&] { f(); });
  } else {
    std::optional<R> result;
    retry_loop(what, policy, [&] { result.emplace(f()); });
    return std::move(*result);
  }
}

// Opens a connection, retrying any DbError up to `attempts` times with the backoff above.
Connection connect_with_retry(const ConnectOptions& options, int attempts,
                              Sleeper sleeper = real_sleeper());

}  // namespace jetmon::db

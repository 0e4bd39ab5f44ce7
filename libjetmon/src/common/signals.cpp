#include "jetmon/common/signals.hpp"

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstring>

namespace jetmon {

static_assert(sizeof(sigset_t) <= sizeof(unsigned long long[16]));

SignalWaiter::SignalWaiter(std::initializer_list<int> signals) {
  auto* set = reinterpret_cast<sigset_t*>(mask_storage_);
  sigemptyset(set);
  for (int s : signals) sigaddset(set, s);
  pthread_sigmask(SIG_BLOCK, set, nullptr);
  // A process started in the background by a non-interactive shell inherits SIGINT ignored, and
  // an ignored signal is discarded before sigtimedwait could see it. Blocked first, so the
  // default action never runs.
  for (int s : signals) ::signal(s, SIG_DFL);
}

int SignalWaiter::wait(std::chrono::milliseconds timeout) {
  const auto* set = reinterpret_cast<const sigset_t*>(mask_storage_);
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  ts.tv_nsec = static_cast<long>((timeout.count() % 1000) * 1000000);
  for (;;) {
    const int s = sigtimedwait(set, nullptr, &ts);
    if (s > 0) return s;
    if (errno == EAGAIN) return 0;
    if (errno != EINTR) return 0;
  }
}

}  // namespace jetmon

#pragma once

#include <chrono>
#include <initializer_list>

namespace jetmon {

// Blocks the given signals in the calling thread (and so in every thread it starts afterwards)
// and waits for them synchronously: no async-signal handler runs any of our code.
class SignalWaiter {
 public:
  explicit SignalWaiter(std::initializer_list<int> signals);
  // Returns the signal received, or 0 when `timeout` passed first.
  int wait(std::chrono::milliseconds timeout);

 private:
  unsigned long long mask_storage_[16];  // a sigset_t, kept opaque for this header
};

}  // namespace jetmon

#include "jetmon/common/thread_name.hpp"

#include <pthread.h>

#include <string>

namespace jetmon {

void name_this_thread(std::string_view name) {
  constexpr std::size_t kMaxNameBytes = 15;  // TASK_COMM_LEN minus the terminator
  const std::string bounded(name.substr(0, kMaxNameBytes));
  pthread_setname_np(pthread_self(), bounded.c_str());
}

}  // namespace jetmon

#pragma once

#include <chrono>

namespace jetmon::test {

// A UTC time point from civil fields, for tests that need fixed timestamps.
inline std::chrono::system_clock::time_point utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0,
                                                 int s = 0) {
  using namespace std::chrono;
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

}  // namespace jetmon::test

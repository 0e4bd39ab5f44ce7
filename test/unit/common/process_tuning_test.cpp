#include <catch2/catch.hpp>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <string>
#include <thread>

#include "jetmon/common/heap.hpp"
#include "jetmon/common/open_files.hpp"
#include "jetmon/common/thread_name.hpp"

namespace {

std::string name_seen_by_the_os() {
  std::array<char, 32> name{};
  pthread_getname_np(pthread_self(), name.data(), name.size());
  return name.data();
}

// Restores GLIBC_TUNABLES as it was before the test.
class TunablesEnv {
 public:
  TunablesEnv() {
    const char* old = getenv("GLIBC_TUNABLES");
    had_ = old != nullptr;
    if (had_) old_ = old;
  }
  ~TunablesEnv() {
    if (had_) {
      setenv("GLIBC_TUNABLES", old_.c_str(), 1);
    } else {
      unsetenv("GLIBC_TUNABLES");
    }
  }
  TunablesEnv(const TunablesEnv&) = delete;
  TunablesEnv& operator=(const TunablesEnv&) = delete;

 private:
  bool had_ = false;
  std::string old_;
};

}  // namespace

TEST_CASE("start_named_thread names its thread and cuts the name to the 15 bytes Linux keeps") {
  const auto name_in_thread = [](const std::string& name) {
    std::string seen;
    std::thread t = jetmon::start_named_thread(name, [&] { seen = name_seen_by_the_os(); });
    t.join();
    return seen;
  };
  CHECK(name_in_thread("jm-checks") == "jm-checks");
  CHECK(name_in_thread("jm-a-name-longer-than-fifteen") == "jm-a-name-longe");
  CHECK(name_in_thread("") == "");
}

TEST_CASE("keep_heap_for_reuse tunes the heap unless GLIBC_TUNABLES already does") {
  TunablesEnv restore;
  // Under a sanitizer the allocator is not glibc's and refuses mallopt: then nothing is tuned.
  const bool glibc_allocator = mallopt(M_TOP_PAD, 16 << 20) == 1;
  const char* tuned = glibc_allocator ? "heap: freed memory kept for reuse"
                                      : "heap: allocator tuning not supported, glibc defaults kept";
  struct Case {
    const char* tunables;  // null: unset
    const char* expected_start;
  };
  const Case cases[] = {
      {nullptr, tuned},
      {"glibc.malloc.tcache_count=100", tuned},
      {"glibc.malloc.trim_threshold=1048576", "heap: trim threshold and top pad left to GLIBC_TUNABLES"},
      {"glibc.malloc.arena_max=2:glibc.malloc.top_pad=0", "heap: trim threshold and top pad left to GLIBC_TUNABLES"},
  };
  for (const Case& c : cases) {
    if (c.tunables != nullptr) {
      setenv("GLIBC_TUNABLES", c.tunables, 1);
    } else {
      unsetenv("GLIBC_TUNABLES");
    }
    INFO("GLIBC_TUNABLES=" << (c.tunables != nullptr ? c.tunables : "(unset)"));
    CHECK(jetmon::keep_heap_for_reuse().rfind(c.expected_start, 0) == 0);
  }
}

TEST_CASE("raise_open_file_limit lifts the soft limit to the hard one") {
  rlimit original{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &original) == 0);
  rlimit lowered = original;
  lowered.rlim_cur = std::min<rlim_t>(original.rlim_max, 512);
  REQUIRE(setrlimit(RLIMIT_NOFILE, &lowered) == 0);
  CHECK(jetmon::open_file_limit() == lowered.rlim_cur);
  const std::string line = jetmon::raise_open_file_limit();
  INFO(line);
  if (original.rlim_max == lowered.rlim_cur) {
    CHECK(line.rfind("open files: limit ", 0) == 0);
  } else {
    CHECK(line.rfind("open files: limit raised from 512 to ", 0) == 0);
  }
  rlimit now{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &now) == 0);
  CHECK(now.rlim_cur == original.rlim_max);
  CHECK(jetmon::raise_open_file_limit().rfind("open files: limit ", 0) == 0);  // nothing left to raise
  setrlimit(RLIMIT_NOFILE, &original);
}

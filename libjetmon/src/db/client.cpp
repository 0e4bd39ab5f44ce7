// Process-wide and per-thread Connector/C setup.
#include <mutex>
#include <stdexcept>

#include "db/mysql_support.hpp"

namespace jetmon::db::detail {
namespace {

struct ThreadInit {
  ThreadInit() { mysql_thread_init(); }
  ~ThreadInit() { mysql_thread_end(); }
  ThreadInit(const ThreadInit&) = delete;
  ThreadInit& operator=(const ThreadInit&) = delete;
};

}  // namespace

void ensure_client_ready() {
  static std::once_flag once;
  static bool library_ok = false;
  std::call_once(once, [] { library_ok = mysql_library_init(0, nullptr, nullptr) == 0; });
  if (!library_ok) throw DbError("mysql_library_init failed");
  thread_local ThreadInit thread_init;
  (void)thread_init;
}

}  // namespace jetmon::db::detail

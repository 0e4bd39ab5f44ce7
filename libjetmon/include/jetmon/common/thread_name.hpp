#pragma once

#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace jetmon {

// Names the calling thread for `top -H`, `ps -L` and /proc/<pid>/task/<tid>/comm, so an
// operator can see which part of the monitor is busy. Linux keeps at most 15 bytes; longer
// names are cut. Failure is ignored: a name is a diagnostic, never a reason to stop.
void name_this_thread(std::string_view name);

// A thread that names itself `name`, then runs `body`.
template <typename Body>
std::thread start_named_thread(std::string_view name, Body body) {
  return std::thread([name = std::string(name), body = std::move(body)]() mutable {
    name_this_thread(name);
    body();
  });
}

}  // namespace jetmon

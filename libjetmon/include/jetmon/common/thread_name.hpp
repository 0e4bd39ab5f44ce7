#pragma once

#include <string_view>

namespace jetmon {

// Names the calling thread for `top -H`, `ps -L` and /proc/<pid>/task/<tid>/comm, so an
// operator can see which part of the monitor is busy. Linux keeps at most 15 bytes; longer
// names are cut. Failure is ignored: a name is a diagnostic, never a reason to stop.
void name_this_thread(std::string_view name);

}  // namespace jetmon

#pragma once

#include <cstdint>
#include <string>

namespace jetmon {

// Raises the soft limit on open files to the hard limit. A monitor holds one socket per running
// check (up to 20 × NUM_WORKERS with lingering checks), and a shell's soft limit is often 1,024
// while the hard limit (systemd's LimitNOFILE) is far higher. Returns a line for the startup log.
std::string raise_open_file_limit();

// The current soft limit on open files; 0 when it cannot be read, UINT64_MAX when unlimited.
std::uint64_t open_file_limit();

}  // namespace jetmon

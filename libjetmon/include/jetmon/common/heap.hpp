#pragma once

#include <string>

namespace jetmon {

// Keeps freed heap memory in the process instead of handing it back to the kernel at once.
//
// A round with many silent sites holds thousands of transfers (easy handles, receive buffers,
// connections) for their whole timeout, and frees them as they time out while new checks
// allocate. With glibc's defaults (trim above 128 KiB of free top, grow by the exact need) the
// heap shrinks and grows again thousands of times a round, and every regrowth page-faults and
// zeroes fresh pages. Measured in docs/benchmarks.md (session 6): it takes the slow mode out of
// the 10 % silent 100k round.
//
// Sets a 64 MiB trim threshold and a 16 MiB top pad, unless GLIBC_TUNABLES already sets either
// (the operator's choice wins). Returns a one-line description for the startup log.
std::string keep_heap_for_reuse();

}  // namespace jetmon

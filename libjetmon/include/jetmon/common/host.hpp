#pragma once

#include <string>

namespace jetmon {

// The OS hostname, without any FQDN lookup; "unknown" when it cannot be read.
// It is the host identity used for leases, audit sources, StatsD and process ids.
std::string os_hostname();

}  // namespace jetmon

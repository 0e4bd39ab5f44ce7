#include "jetmon/health/entry.hpp"

#include <fmt/format.h>

#include "common/json_escape.hpp"
#include "jetmon/common/time.hpp"

namespace jetmon::health {

std::string health_entry_json(const HealthEntry& entry) {
  std::string out = fmt::format(R"({{"name":"{}","status":"{}")", json_escape(entry.name),
                                json_escape(entry.status));
  if (entry.latency_ms != 0) out += fmt::format(R"(,"latency_ms":{})", entry.latency_ms);
  if (!entry.last_error.empty()) {
    out += fmt::format(R"(,"last_error":"{}")", json_escape(entry.last_error));
  }
  out += fmt::format(R"(,"checked_at":"{}"}})", format_rfc3339_utc(entry.checked_at));
  return out;
}

std::string health_list_json(const HealthList& entries) {
  std::string out = "[";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out += ',';
    out += health_entry_json(entries[i]);
  }
  out += ']';
  return out;
}

}  // namespace jetmon::health

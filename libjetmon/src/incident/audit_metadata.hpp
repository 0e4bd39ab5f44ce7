#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "jetmon/incident/escalation.hpp"

// The metadata JSON of the audit rows escalation writes (monitor.md §5.1, §5.2), keys in the
// documented order.
namespace jetmon::incident {

// retry_dispatched: {http_code, error_code, rtt_ms, attempt, of, event_id} (event_id null while
// no event could be opened).
std::string retry_dispatched_metadata(const LocalCheck& failure, int attempt, int of,
                                      std::optional<std::uint64_t> event_id);

// veriflier_sent, the escalation row: {verifier_count, request_id}.
std::string escalation_metadata(std::size_t verifier_count, std::string_view request_id);

// veriflier_sent, one row per reply: {http_code, error_code, rtt_ms, success, request_id}.
std::string veriflier_reply_metadata(const VeriflierVote& vote, std::string_view request_id);

}  // namespace jetmon::incident

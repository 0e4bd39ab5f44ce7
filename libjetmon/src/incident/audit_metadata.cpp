#include "incident/audit_metadata.hpp"

#include "incident/json_writer.hpp"

namespace jetmon::incident {

std::string retry_dispatched_metadata(const LocalCheck& failure, int attempt, int of,
                                      std::optional<std::uint64_t> event_id) {
  JsonWriter w;
  w.begin_object()
      .field("http_code", failure.http_code)
      .field("error_code", static_cast<int>(failure.error_code))
      .field("rtt_ms", failure.rtt_ms)
      .field("attempt", attempt)
      .field("of", of)
      .field("event_id", event_id)
      .end_object();
  return w.text();
}

std::string escalation_metadata(std::size_t verifier_count, std::string_view request_id) {
  JsonWriter w;
  w.begin_object()
      .field("verifier_count", static_cast<std::uint64_t>(verifier_count))
      .field("request_id", request_id)
      .end_object();
  return w.text();
}

std::string veriflier_reply_metadata(const VeriflierVote& vote, std::string_view request_id) {
  JsonWriter w;
  w.begin_object()
      .field("http_code", vote.http_code)
      .field("error_code", vote.error_code)
      .field("rtt_ms", vote.rtt_ms)
      .field("success", vote.success)
      .field("request_id", request_id)
      .end_object();
  return w.text();
}

}  // namespace jetmon::incident

#pragma once

#include <atomic>
#include <cstdint>
#include <string>

// The seam between the delivery pipeline (dispatcher, claim/lease, retry ladder, worker loops) and
// the per-family send step (webhook POST, alert-contact transports). dashboard-fleet.md §8.
namespace jetmon::delivery {

enum class Family { webhook, alert };

// One jetmon_webhook_deliveries / jetmon_alert_deliveries row the sender has leased (§8.3).
struct ClaimedRow {
  std::uint64_t id = 0;             // row id; the webhook's X-Jetmon-Delivery
  std::uint64_t subscriber_id = 0;  // webhook_id or alert_contact_id
  std::uint64_t transition_id = 0;
  std::uint64_t event_id = 0;
  std::string event_type;           // "event.opened", "alert.closed", ...
  int severity = 0;                 // alert rows only (the column); 0 for webhooks
  std::string payload;              // the stored JSON exactly as read back from the table
  unsigned attempt = 0;             // attempts made before this one
};

// What one send attempt decided. The pipeline turns it into the row update of §8.3:
// delivered → status delivered; retry → pending with the ladder's next delay (or abandoned once the
// ladder is exhausted); abandon → abandoned at once (forced abandon, rate cap).
struct SendOutcome {
  enum class Kind { delivered, retry, abandon };
  Kind kind = Kind::retry;
  int status_code = 0;     // last_status_code (0: no response)
  std::string response;    // last_response, truncated to 2048 bytes by the pipeline
};

// Implemented once per family. send() runs on a sender thread, never throws, and polls `abort`
// (may be null) so a shutdown can cut a transfer short.
class RowSender {
 public:
  virtual ~RowSender() = default;
  virtual SendOutcome send(const ClaimedRow& row, const std::atomic<bool>* abort) = 0;
};

}  // namespace jetmon::delivery

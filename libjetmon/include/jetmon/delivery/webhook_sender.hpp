#pragma once

#include <atomic>
#include <chrono>
#include <functional>

#include "jetmon/delivery/row.hpp"

namespace jetmon::db {
class Pool;
}

// The webhook family's send step (dashboard-fleet.md §8.4; docs/delivery.md).
namespace jetmon::delivery {

struct WebhookSenderOptions {
  std::chrono::milliseconds timeout{30000};          // whole request
  std::chrono::milliseconds connect_timeout{5000};   // TCP connect + TLS handshake
  // The signature's `t`; empty: the system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
};

// Looks the webhook up (forced abandon: `webhook lookup: …`, `secret lookup: …`, `webhook is
// inactive`), then POSTs the stored payload bytes with Content-Type, X-Jetmon-Event,
// X-Jetmon-Delivery (the row id) and X-Jetmon-Signature. 2xx → delivered; any other status →
// retry with the code and the first 4 KB of the body; a transport error → retry, code 0,
// `transport: <err>`. Thread-safe: each send uses its own libcurl handle and a pooled connection.
class WebhookSender final : public RowSender {
 public:
  explicit WebhookSender(db::Pool& pool, WebhookSenderOptions options = {});
  SendOutcome send(const ClaimedRow& row, const std::atomic<bool>* abort) override;

 private:
  db::Pool& pool_;
  WebhookSenderOptions options_;
};

}  // namespace jetmon::delivery

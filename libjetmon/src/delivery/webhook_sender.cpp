#include "jetmon/delivery/webhook_sender.hpp"

#include <fmt/format.h>

#include "jetmon/db/pool.hpp"
#include "jetmon/delivery/rules.hpp"
#include "common/http_post.hpp"

namespace jetmon::delivery {
namespace {

SendOutcome abandon(std::string text) {
  return SendOutcome{SendOutcome::Kind::abandon, 0, std::move(text)};
}

}  // namespace

WebhookSender::WebhookSender(db::Pool& pool, WebhookSenderOptions options)
    : pool_(pool), options_(std::move(options)) {}

SendOutcome WebhookSender::send(const ClaimedRow& row, const std::atomic<bool>* abort) {
  std::string url;
  std::string secret;
  bool active = false;
  try {
    auto lease = pool_.acquire();
    const auto found =
        lease->query_one("SELECT url, active, secret FROM jetmon_webhooks WHERE id = ?", {row.subscriber_id});
    if (!found) return abandon(fmt::format("webhook lookup: webhook {} not found", row.subscriber_id));
    url = found->get_string("url").value_or("");
    active = found->get_int64("active").value_or(0) != 0;
    secret = found->get_string("secret").value_or("");
  } catch (const std::exception& e) {
    // The database, not the webhook, failed: try again later rather than give the row up.
    return SendOutcome{SendOutcome::Kind::retry, 0, fmt::format("webhook lookup: {}", e.what())};
  }
  if (secret.empty()) return abandon(fmt::format("secret lookup: webhook {} has no secret", row.subscriber_id));
  if (!active) return abandon("webhook is inactive");

  const auto now = options_.clock ? options_.clock() : std::chrono::system_clock::now();
  const std::int64_t t =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const std::vector<std::string> headers = {
      "Content-Type: application/json",
      fmt::format("X-Jetmon-Event: {}", row.event_type),
      fmt::format("X-Jetmon-Delivery: {}", row.id),
      fmt::format("X-Jetmon-Signature: {}", signature_header_value(secret, t, row.payload)),
  };
  http::PostResponse response =
      http::thread_poster(abort).post(url, headers, row.payload, options_.timeout, options_.connect_timeout);
  if (!response.transport_ok) {
    return SendOutcome{SendOutcome::Kind::retry, 0, "transport: " + response.error};
  }
  const int code = static_cast<int>(response.status);
  const auto kind = code >= 200 && code < 300 ? SendOutcome::Kind::delivered : SendOutcome::Kind::retry;
  return SendOutcome{kind, code, std::move(response.body)};
}

}  // namespace jetmon::delivery

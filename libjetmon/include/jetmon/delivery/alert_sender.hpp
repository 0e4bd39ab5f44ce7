#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "jetmon/config/config.hpp"
#include "jetmon/delivery/row.hpp"

namespace jetmon::db {
class Pool;
}

// The alert-contact family's send step (dashboard-fleet.md §8.5): email (stub / SMTP / WPCOM
// email API), PagerDuty Events v2, Slack and Teams incoming webhooks. Design: docs/alert-contacts.md.
namespace jetmon::delivery {

// What the transports need: the config keys EMAIL_TRANSPORT ("stub" or "" log only, "smtp",
// "wpcom"), EMAIL_FROM, WPCOM_EMAIL_*, SMTP_* and PAGERDUTY_EVENTS_URL, read from `config`.
struct AlertSettings {
  config::Config config;
  // Bound on one send (HTTP transfer or SMTP session). 10 s in production; tests shorten it.
  std::chrono::milliseconds send_timeout{10000};
};

// Sends one leased jetmon_alert_deliveries row. Order of the checks (each a forced abandon unless
// said otherwise): contact lookup (a database error is a retry), inactive contact, the hourly rate
// cap (abandon, 429), transport configured, destination, notification; then the transport.
// Thread-safe: the pipeline may call send() from several threads at once.
class AlertRowSender : public RowSender {
 public:
  using Clock = std::chrono::steady_clock;

  // `now` drives the rate cap's window (tests inject a clock); the pool must outlive the sender.
  AlertRowSender(db::Pool& pool, AlertSettings settings,
                 std::function<Clock::time_point()> now = [] { return Clock::now(); });
  ~AlertRowSender() override;
  AlertRowSender(const AlertRowSender&) = delete;
  AlertRowSender& operator=(const AlertRowSender&) = delete;

  SendOutcome send(const ClaimedRow& row, const std::atomic<bool>* abort) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The alert-contact family's sender for a delivering process (jetmon-deliverer, or jetmon2 with
// embedded workers): an AlertRowSender with the production send bound.
std::unique_ptr<RowSender> make_alert_row_sender(db::Pool& pool, const config::Config& config);

// `jetmon2 alert-contacts test <id>`: one synthetic notification (is_test true) to the contact
// through the same transport code, whether or not the contact is active and without touching the
// rate cap or any table. The notification names site `site_id` (its monitor_url, else
// "site:<id>"), the contact's min_severity as its severity, event 0, type "alert.test", reason
// "test" and the current time; PagerDuty gets dedup key "jetmon-test-<site>-<unix>" so it never
// resolves a real incident. The outcome is what a delivery row would have recorded.
SendOutcome send_test_notification(db::Pool& pool, const AlertSettings& settings, std::uint64_t contact_id,
                                   std::uint64_t site_id = 0, const std::atomic<bool>* abort = nullptr);

}  // namespace jetmon::delivery

#pragma once

#include <cstdint>
#include <iosfwd>

#include "jetmon/config/config.hpp"

namespace jetmon::ops {

struct AlertContactTestCommand {
  std::uint64_t contact_id = 0;
  std::uint64_t site_id = 0;  // the site the test notification names (0: "site:0")
  bool json = false;
  int db_attempts = 3;
};

// `jetmon2 alert-contacts test <id> [--site-id=N] [--output=json]`: one synthetic notification to
// the contact through the transport the deliverer would use (config from JETMON_CONFIG for the
// email, SMTP and PagerDuty keys; DB_* for the contact). Prints the outcome a delivery row would
// record. Exit 0 delivered, 1 not delivered (retry or abandon), config or database failure.
int run_alert_contact_test(const config::Environment& env, const AlertContactTestCommand& command,
                           std::ostream& out, std::ostream& err);

}  // namespace jetmon::ops

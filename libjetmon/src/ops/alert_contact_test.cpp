#include "jetmon/ops/alert_contact_test.hpp"

#include <fmt/format.h>

#include <ostream>

#include "jetmon/db/pool.hpp"
#include "jetmon/db/retry.hpp"
#include "jetmon/delivery/alert_sender.hpp"
#include "jetmon/ops/database.hpp"
#include "incident/json_writer.hpp"

namespace jetmon::ops {
namespace {

std::string_view outcome_name(delivery::SendOutcome::Kind kind) {
  switch (kind) {
    case delivery::SendOutcome::Kind::delivered: return "delivered";
    case delivery::SendOutcome::Kind::retry: return "retry";
    case delivery::SendOutcome::Kind::abandon: return "abandon";
  }
  return "retry";
}

}  // namespace

int run_alert_contact_test(const config::Environment& env, const AlertContactTestCommand& command,
                           std::ostream& out, std::ostream& err) {
  config::Config cfg;
  try {
    cfg = config::load_file(config::config_path_from_env(env));
    if (auto problem = config::validate(cfg)) throw std::runtime_error(*problem);
  } catch (const std::exception& e) {
    err << "config: " << e.what() << "\n";
    return 1;
  }
  delivery::SendOutcome outcome;
  try {
    const db::ConnectOptions options = connect_options(config::db_settings_from_env(env));
    db::Pool pool(options, db::PoolOptions{2, 1});
    // Connect once, with the retry policy of the other commands: the connection goes back to the
    // pool idle and the test notification reuses it.
    db::RetryPolicy policy;
    policy.attempts = std::max(1, command.db_attempts);
    db::with_retry("connect to " + options.describe(), policy, [&] { return pool.acquire(); });
    outcome = delivery::send_test_notification(pool, delivery::AlertSettings{cfg}, command.contact_id,
                                               command.site_id);
  } catch (const std::exception& e) {
    err << "db: " << e.what() << "\n";
    return 1;
  }
  const bool delivered = outcome.kind == delivery::SendOutcome::Kind::delivered;
  if (command.json) {
    incident::JsonWriter json;
    json.begin_object()
        .field("contact_id", command.contact_id)
        .field("site_id", command.site_id)
        .field("outcome", outcome_name(outcome.kind))
        .field("status_code", outcome.status_code)
        .field("response", std::string_view(outcome.response))
        .end_object();
    out << json.text() << "\n";
  } else {
    out << fmt::format("alert contact {} test: {} (code {}) {}\n", command.contact_id, outcome_name(outcome.kind),
                       outcome.status_code, outcome.response);
  }
  return delivered ? 0 : 1;
}

}  // namespace jetmon::ops

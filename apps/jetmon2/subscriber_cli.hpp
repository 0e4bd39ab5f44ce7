#pragma once

// `jetmon2 webhooks …` and `jetmon2 alert-contacts …` (issue #6 §5): the CLI11 declarations only;
// checks, rows and output live in libjetmon (ops/subscribers.hpp).

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "jetmon/ops/alert_contact_test.hpp"
#include "jetmon/ops/subscribers.hpp"

namespace jetmon::apps {

class SubscriberCli {
 public:
  void add_to(CLI::App& app) {
    webhooks_ = app.add_subcommand("webhooks", "Manage webhook subscribers (jetmon_webhooks; DB_* environment)");
    webhooks_->require_subcommand(1);
    auto* add = verb(webhooks_, webhook_, "add", "Add a webhook; prints its signing secret once",
                     ops::SubscriberAction::add, false);
    add->add_option("--url", webhook_.webhook.url, "http or https URL that receives the POSTs")->required();
    add->add_option("--events", webhook_.webhook.events,
                    "comma-separated event types (event.opened, event.severity_changed, event.state_changed, "
                    "event.cause_linked, event.cause_unlinked, event.closed); default all");
    add->add_option("--site-ids", webhook_.webhook.site_ids, "comma-separated blog ids; default all");
    add->add_option("--states", webhook_.webhook.states, "comma-separated states (Down, Seems Down, …); default all");
    add->add_option("--owner-tenant", webhook_.webhook.owner_tenant, "owner_tenant_id");
    add->add_option("--created-by", webhook_.webhook.created_by, "who added it (created_by)")->capture_default_str();
    verb(webhooks_, webhook_, "list", "List webhooks (secrets as previews only)", ops::SubscriberAction::list, false);
    verb(webhooks_, webhook_, "show", "Show one webhook", ops::SubscriberAction::show, true);
    verb(webhooks_, webhook_, "disable", "Set a webhook inactive", ops::SubscriberAction::disable, true);
    verb(webhooks_, webhook_, "rotate-secret", "Replace a webhook's secret; prints the new one once",
         ops::SubscriberAction::rotate_secret, true);

    contacts_ = app.add_subcommand("alert-contacts",
                                   "Manage alert contacts (jetmon_alert_contacts; DB_* environment)");
    contacts_->require_subcommand(1);
    auto* cadd = verb(contacts_, contact_, "add", "Add an alert contact", ops::SubscriberAction::add, false);
    cadd->add_option("--label", contact_.contact.label, "name shown to operators")->required();
    cadd->add_option("--transport", contact_.contact.transport, "email, pagerduty, slack or teams")->required();
    cadd->add_option("--destination", contact_.contact.destination,
                     "email address, PagerDuty integration key, or Slack/Teams webhook URL")
        ->required();
    cadd->add_option("--site-ids", contact_.contact.site_ids, "comma-separated blog ids; default all");
    cadd->add_option("--min-severity", contact_.contact.min_severity,
                     "0 Up, 1 Warning, 2 Degraded, 3 Seems Down, 4 Down")
        ->capture_default_str();
    cadd->add_option("--max-per-hour", contact_.contact.max_per_hour, "notifications per hour, 0 = unlimited")
        ->capture_default_str();
    cadd->add_option("--owner-tenant", contact_.contact.owner_tenant, "owner_tenant_id");
    cadd->add_option("--created-by", contact_.contact.created_by, "who added it (created_by)")->capture_default_str();
    verb(contacts_, contact_, "list", "List alert contacts (destinations as previews only)",
         ops::SubscriberAction::list, false);
    verb(contacts_, contact_, "show", "Show one alert contact", ops::SubscriberAction::show, true);
    verb(contacts_, contact_, "disable", "Set an alert contact inactive", ops::SubscriberAction::disable, true);
    test_ = contacts_->add_subcommand(
        "test", "Send one test notification to a contact through its transport (JETMON_CONFIG for the "
                "email/SMTP/PagerDuty keys); exit 0 when delivered");
    test_->add_option("id", test_command_.contact_id, "row id")->required()->check(CLI::PositiveNumber);
    test_->add_option("--site-id", test_command_.site_id, "the site the notification names");
    test_->add_option("--output", output_, "text or json")->check(CLI::IsMember({"text", "json"}))->each(
        [this](const std::string& v) { test_command_.json = v == "json"; });
  }

  // The exit code when one of these commands was given, else nullopt.
  std::optional<int> run(const config::Environment& env) {
    if (*webhooks_) {
      if (auto code = check(webhooks_, ops::check_webhook_input(webhook_.webhook))) return code;
      return ops::run_webhooks_command(env, webhook_, std::cout, std::cerr);
    }
    if (*test_) return ops::run_alert_contact_test(env, test_command_, std::cout, std::cerr);
    if (*contacts_) {
      if (auto code = check(contacts_, ops::check_alert_contact_input(contact_.contact))) return code;
      return ops::run_alert_contacts_command(env, contact_, std::cout, std::cerr);
    }
    return std::nullopt;
  }

 private:
  CLI::App* verb(CLI::App* parent, ops::SubscriberCommand& command, const std::string& name,
                 const std::string& description, ops::SubscriberAction action, bool takes_id) {
    auto* sub = parent->add_subcommand(name, description);
    sub->callback([&command, action] { command.action = action; });
    if (takes_id) sub->add_option("id", command.id, "row id")->required()->check(CLI::PositiveNumber);
    sub->add_option("--output", output_, "text or json")->check(CLI::IsMember({"text", "json"}))->each([&command](const std::string& v) {
      command.json = v == "json";
    });
    return sub;
  }

  // An add with bad input: usage of the `add` subcommand and exit 2.
  template <typename Spec>
  static std::optional<int> check(CLI::App* family, const ops::Parsed<Spec>& checked) {
    CLI::App* add = family->get_subcommand("add");
    if (!*add || checked) return std::nullopt;
    std::cerr << "jetmon2 " << family->get_name() << " add: " << checked.error << "\n\n" << add->help();
    return 2;
  }

  CLI::App* webhooks_ = nullptr;
  CLI::App* contacts_ = nullptr;
  CLI::App* test_ = nullptr;
  ops::AlertContactTestCommand test_command_;
  ops::SubscriberCommand webhook_;
  ops::SubscriberCommand contact_;
  std::string output_ = "text";
};

}  // namespace jetmon::apps

// jetmon2: the monitor. Thin wiring only; every behaviour lives in libjetmon.
#include <iostream>

#include "cli_support.hpp"
#include "jetmon/check/engine.hpp"
#include "jetmon/check/report.hpp"
#include "jetmon/common/host.hpp"
#include "jetmon/config/config.hpp"
#include "jetmon/ops/database.hpp"
#include "jetmon/ops/validate_config.hpp"

namespace {
constexpr int kValidateConfigDbAttempts = 3;
}

int main(int argc, char** argv) {
  CLI::App app{"Jetmon uptime monitor", "jetmon2"};
  jetmon::apps::add_version_flag(app, "jetmon2");
  app.require_subcommand(0, 1);
  auto* version = app.add_subcommand("version", "Print the version line");
  auto* migrate = app.add_subcommand("migrate", "Apply the schema migrations (DB_* environment)");
  auto* validate = app.add_subcommand(
      "validate-config", "Check the config file (JETMON_CONFIG) and the database connection");

  jetmon::check::CheckRequest check_request;
  std::string redirect_policy = "follow";
  std::vector<std::string> header_lines;
  bool check_json = false;
  auto* check = app.add_subcommand("check", "Check one URL now, exactly as the monitor does");
  check->add_option("url", check_request.url, "http or https URL")->required();
  check->add_option("--keyword", check_request.keyword,
                    "text that must appear in the first 1 MiB of the body (case-sensitive)");
  check->add_option("--redirect-policy", redirect_policy, "follow, alert or fail")
      ->check(CLI::IsMember({"follow", "alert", "fail"}));
  check->add_option("--timeout", check_request.timeout_seconds,
                    "seconds for the whole check (DNS, connect, TLS, headers, body)")
      ->check(CLI::Range(1, 3600));
  check->add_option("--header", header_lines, "extra request header 'Name: value' (repeatable)")
      ->allow_extra_args(false)
      ->check([](const std::string& line) {
        return jetmon::check::parse_header_line(line) ? std::string{}
                                                      : "expected 'Name: value', got '" + line + "'";
      });
  check->add_flag("--json", check_json, "print one JSON object");

  if (auto code = jetmon::apps::parse_command_line(app, argc, argv)) return *code;

  const jetmon::config::Environment env = jetmon::config::process_environment();
  if (*version) {
    std::cout << jetmon::version_line("jetmon2") << "\n";
    return 0;
  }
  if (*migrate) return jetmon::ops::run_migrate(env, std::cout, std::cerr);
  if (*check) {
    check_request.redirect_policy = jetmon::check::parse_redirect_policy(redirect_policy);
    for (const std::string& line : header_lines) {
      check_request.headers.push_back(*jetmon::check::parse_header_line(line));
    }
    const jetmon::check::CheckResult result = jetmon::check::run_check(check_request);
    std::cout << (check_json ? jetmon::check::check_result_json(result) + "\n"
                             : jetmon::check::check_result_text(result));
    return result.is_failure() ? 1 : 0;
  }
  if (*validate) {
    jetmon::ops::ValidateConfigContext context;
    context.env = env;
    context.hostname = jetmon::os_hostname();
    context.check_db = [](const jetmon::config::DbSettings& settings) {
      jetmon::ops::check_db_connect(settings, kValidateConfigDbAttempts);
    };
    return jetmon::ops::run_validate_config(context, std::cout, std::cerr);
  }
  return jetmon::apps::usage_error(app, "a subcommand is required (the monitor service is not in this build yet)");
}

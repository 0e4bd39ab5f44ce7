// jetmon2: the monitor. Thin wiring only; every behaviour lives in libjetmon.
#include <iostream>

#include "cli_support.hpp"
#include "subscriber_cli.hpp"
#include "jetmon/check/engine.hpp"
#include "jetmon/check/report.hpp"
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <string_view>
#include <vector>
#include <thread>

#include "jetmon/common/heap.hpp"
#include "jetmon/common/open_files.hpp"
#include "jetmon/common/host.hpp"
#include "jetmon/common/log.hpp"
#include "jetmon/common/signals.hpp"
#include "jetmon/ops/process_control.hpp"
#include "jetmon/service/monitor_service.hpp"
#include "jetmon/veriflier/server.hpp"
#include "jetmon/config/config.hpp"
#include "jetmon/dashboard/status.hpp"
#include "jetmon/ops/audit.hpp"
#include "jetmon/ops/database.hpp"
#include "jetmon/ops/validate_config.hpp"
#include "jetmon/rollout/cli.hpp"

namespace {

constexpr int kValidateConfigDbAttempts = 3;
constexpr auto kHardExitAfter = std::chrono::seconds(30);

// The monitor service in the foreground: SIGHUP reloads, SIGINT/SIGTERM drain and exit 0, with a
// hard exit (code 1) if the drain takes longer than 30 s.
int serve(const jetmon::config::Environment& env) {
  jetmon::log::info("{}", jetmon::keep_heap_for_reuse());
  jetmon::log::info("{}", jetmon::raise_open_file_limit());
  jetmon::SignalWaiter signals({SIGINT, SIGTERM, SIGHUP});
  jetmon::service::MonitorOptions options;
  options.env = env;
  options.hostname = jetmon::os_hostname();
  jetmon::service::MonitorService service(options);
  try {
    service.start();
  } catch (const std::exception& e) {
    jetmon::log::error("jetmon2: {}", e.what());
    return 1;
  }
  for (;;) {
    const int sig = signals.wait(std::chrono::seconds(1));
    if (sig == SIGHUP) {
      service.reload();
    } else if (sig == SIGINT || sig == SIGTERM) {
      jetmon::log::info("jetmon2: {} received, draining", sig == SIGINT ? "SIGINT" : "SIGTERM");
      std::thread([] {
        std::this_thread::sleep_for(kHardExitAfter);
        jetmon::log::error("jetmon2: drain took longer than {}s, exiting", kHardExitAfter.count());
        _exit(1);
      }).detach();
      service.shutdown();
      return 0;
    }
  }
}

// `jetmon2 veriflier`: the Veriflier server (VERIFLIER_CONFIG / VERIFLIER_* env), so a C++ fleet
// needs no other binary. SIGINT/SIGTERM drain it.
int serve_veriflier(const jetmon::config::Environment& env) {
  jetmon::log::info("{}", jetmon::keep_heap_for_reuse());
  jetmon::log::info("{}", jetmon::raise_open_file_limit());
  jetmon::SignalWaiter signals({SIGINT, SIGTERM, SIGHUP});
  std::atomic<bool> stop{false};
  std::atomic<bool> finished{false};
  int code = 1;
  std::thread server([&] {
    code = jetmon::veriflier::run_veriflier_server(env, stop, std::cerr);
    finished = true;
  });
  while (!finished) {
    const int sig = signals.wait(std::chrono::milliseconds(200));
    if (sig == SIGINT || sig == SIGTERM) stop = true;
    if (sig == SIGHUP) jetmon::log::info("veriflier: SIGHUP ignored (no reloadable config)");
  }
  server.join();
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  // `jetmon2 rollout <sub> …` delegates to the rollout gates (the same code as jetmon-rollout);
  // Go's flag syntax (-file, --x v) is not CLI11's, so the words go to it untouched.
  if (argc >= 2 && std::string_view(argv[1]) == "rollout") {
    jetmon::rollout::Context context = jetmon::rollout::Context::process();
    return jetmon::rollout::run_rollout(std::vector<std::string>(argv + 2, argv + argc),
                                        jetmon::rollout::Invocation::jetmon2(), context, std::cout, std::cerr);
  }
  CLI::App app{"Jetmon uptime monitor", "jetmon2"};
  app.footer("Rollout gates: jetmon2 rollout <sub> [flags] (the same as jetmon-rollout <sub>; "
             "`jetmon2 rollout` lists the subcommands)");
  jetmon::apps::add_version_flag(app, "jetmon2");
  app.require_subcommand(0, 1);
  auto* version = app.add_subcommand("version", "Print the version line");
  auto* migrate = app.add_subcommand("migrate", "Apply the schema migrations (DB_* environment)");
  auto* validate = app.add_subcommand(
      "validate-config", "Check the config file (JETMON_CONFIG) and the database connection");
  auto* serve_cmd = app.add_subcommand("serve", "Run the monitor (the default without a subcommand)");
  auto* drain = app.add_subcommand("drain", "Send SIGINT to the running monitor (JETMON_PID_FILE)");
  auto* reload = app.add_subcommand("reload", "Send SIGHUP to the running monitor (JETMON_PID_FILE)");
  auto* veriflier = app.add_subcommand(
      "veriflier", "Run the Veriflier server (/check, /status) for other monitors' escalations");
  auto* status = app.add_subcommand(
      "status", "Print the host summary of the local dashboard's /api/host (DASHBOARD_PORT, DASHBOARD_HOST)");
  bool status_json = false;
  status->add_flag("--json", status_json, "print the /api/host body verbatim");

  jetmon::ops::AuditOptions audit_options;
  auto* audit = app.add_subcommand("audit", "Print the audit log rows of one blog (DB_* environment)");
  audit->add_option("--blog-id", audit_options.blog_id, "blog id (required)");
  audit->add_option("--since", audit_options.since, "a duration back from now (24h, 90m) or a time")
      ->check([](const std::string& v) { return jetmon::ops::check_since_argument(v); });
  audit->add_option("--until", audit_options.until, "a time (RFC 3339 or YYYY-MM-DD HH:MM:SS, UTC)")
      ->check([](const std::string& v) { return jetmon::ops::check_until_argument(v); });

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

  jetmon::apps::SubscriberCli subscribers;
  subscribers.add_to(app);

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
  if (auto code = subscribers.run(env)) return *code;
  if (*audit) return jetmon::ops::run_audit(env, audit_options, std::cout, std::cerr);
  if (*drain) return jetmon::ops::signal_monitor(env, SIGINT, std::cout, std::cerr);
  if (*reload) return jetmon::ops::signal_monitor(env, SIGHUP, std::cout, std::cerr);
  if (*veriflier) return serve_veriflier(env);
  if (*status) return jetmon::dashboard::run_status(env, std::cout, std::cerr, status_json);
  (void)serve_cmd;  // `serve` and no subcommand both run the monitor
  return serve(env);
}

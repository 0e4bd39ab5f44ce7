// jetmon-deliverer: the standalone webhook and alert-contact deliverer. Thin wiring only.
#include <signal.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "jetmon/common/host.hpp"
#include "jetmon/common/log.hpp"
#include "jetmon/common/signals.hpp"
#include "jetmon/ops/deliverer_cli.hpp"
#include "jetmon/service/deliverer_service.hpp"

namespace {

// No arguments: run the deliverer until SIGINT/SIGTERM (exit 0); SIGHUP is logged and ignored.
int run() {
  jetmon::SignalWaiter signals({SIGINT, SIGTERM, SIGHUP});
  jetmon::service::DelivererOptions options;
  options.env = jetmon::config::process_environment();
  options.hostname = jetmon::os_hostname();
  jetmon::service::DelivererService service(options);
  try {
    service.start();
  } catch (const std::exception& e) {
    jetmon::log::error("jetmon-deliverer: {}", e.what());
    return 1;
  }
  for (;;) {
    const int sig = signals.wait(std::chrono::seconds(1));
    if (sig == SIGHUP) {
      jetmon::log::info("jetmon-deliverer: SIGHUP received and ignored (no reload; restart to apply config changes)");
    } else if (sig == SIGINT || sig == SIGTERM) {
      jetmon::log::info("jetmon-deliverer: {} received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
      service.shutdown();
      return 0;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  // validate-config, delivery-check and unknown verbs (Go flag syntax, dashboard-fleet.md §7.4).
  if (argc >= 2 && jetmon::ops::is_deliverer_verb(argv[1])) {
    return jetmon::ops::run_deliverer_verb(std::vector<std::string>(argv + 1, argv + argc),
                                           jetmon::ops::DelivererContext::process(), std::cout, std::cerr);
  }
  CLI::App app{"Jetmon standalone deliverer (webhooks and alert contacts)", "jetmon-deliverer"};
  app.footer("Verbs: version, validate-config [--host=H] [--require-owner-match] [--require-email-delivery] "
             "[--require-api-disabled], delivery-check [flags] (`jetmon-deliverer <verb> --help`)");
  jetmon::apps::add_version_flag(app, "jetmon-deliverer");
  app.require_subcommand(0, 1);
  auto* version = app.add_subcommand("version", "Print the version line");

  if (auto code = jetmon::apps::parse_command_line(app, argc, argv)) return *code;

  if (*version) {
    std::cout << jetmon::version_line("jetmon-deliverer") << "\n";
    return 0;
  }
  return run();
}

// jetmon-deliverer: the standalone webhook and alert-contact deliverer. Thin wiring only.
#include <iostream>

#include "cli_support.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Jetmon standalone deliverer (webhooks and alert contacts)", "jetmon-deliverer"};
  jetmon::apps::add_version_flag(app, "jetmon-deliverer");
  app.require_subcommand(0, 1);
  auto* version = app.add_subcommand("version", "Print the version line");

  if (auto code = jetmon::apps::parse_command_line(app, argc, argv)) return *code;

  if (*version) {
    std::cout << jetmon::version_line("jetmon-deliverer") << "\n";
    return 0;
  }
  return jetmon::apps::usage_error(app, "a subcommand is required (the delivery workers are not in this build yet)");
}

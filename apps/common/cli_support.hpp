#pragma once

// Shared by the three thin executables: CLI11 parsing with the suite's exit-code contract
// (0 ok / help / version, 2 usage errors with the usage text on stderr).

#include <CLI/CLI.hpp>

#include <iostream>
#include <optional>
#include <string>

#include "jetmon/common/build_info.hpp"

namespace jetmon::apps {

inline void add_version_flag(CLI::App& app, const std::string& program) {
  app.set_version_flag("--version", version_text(program));
}

// Parses argv. Returns an exit code when the program must stop now (help, version, usage error),
// or nullopt to continue.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion&) {
    std::cout << app.version();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << app.get_name() << ": " << e.what() << "\n\n" << app.help();
    return 2;
  }
  return std::nullopt;
}

// For a program whose subcommand is required: usage on stderr, exit 2.
inline int usage_error(const CLI::App& app, const std::string& message) {
  std::cerr << app.get_name() << ": " << message << "\n\n" << app.help();
  return 2;
}

}  // namespace jetmon::apps

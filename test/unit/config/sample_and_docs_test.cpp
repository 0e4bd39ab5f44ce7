#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "jetmon/config/config.hpp"

using jetmon::config::Config;
using jetmon::config::KeyStatus;

namespace {

std::string read_source_file(const std::string& relative_path) {
  std::ifstream in(std::string(JETMON_SOURCE_DIR) + "/" + relative_path);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t count_occurrences(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("config sample: packaging/config.sample.json is valid and all defaults") {
  const Config sample = jetmon::config::load_file(std::string(JETMON_SOURCE_DIR) +
                                                  "/packaging/config.sample.json");
  Config expected;
  expected.auth_token = "change_me";
  CHECK(sample == expected);
}

TEST_CASE("config sample: lists every active key once and no legacy key") {
  const std::string sample = read_source_file("packaging/config.sample.json");
  for (const auto& spec : jetmon::config::key_specs()) {
    CAPTURE(spec.name);
    const auto occurrences = count_occurrences(sample, "\"" + std::string(spec.name) + "\":");
    CHECK(occurrences == (spec.status == KeyStatus::active ? 1u : 0u));
  }
}

TEST_CASE("config docs: docs/configuration.md covers every accepted key") {
  const std::string docs = read_source_file("docs/configuration.md");
  for (const auto& spec : jetmon::config::key_specs()) {
    CAPTURE(spec.name);
    CHECK(docs.find("`" + std::string(spec.name) + "`") != std::string::npos);
  }
  for (const char* variable : {"JETMON_CONFIG", "JETMON_PID_FILE", "DB_HOST", "DB_PORT", "DB_USER",
                               "DB_PASSWORD", "DB_NAME"}) {
    CAPTURE(variable);
    CHECK(docs.find("`" + std::string(variable) + "`") != std::string::npos);
  }
}

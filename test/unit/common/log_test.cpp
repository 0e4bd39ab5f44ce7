#include <catch2/catch.hpp>

#include "jetmon/common/build_info.hpp"
#include "jetmon/common/log.hpp"

using jetmon::log::Format;
using jetmon::log::Level;

TEST_CASE("text log lines carry timestamp, level and message") {
  CHECK(jetmon::log::format_line(Format::text, Level::warn, "disk full", "2026-01-02T03:04:05.006Z") ==
        "2026-01-02T03:04:05.006Z WARN disk full");
}

TEST_CASE("json log lines escape the message") {
  CHECK(jetmon::log::format_line(Format::json, Level::error, "bad \"quote\"\n",
                                 "2026-01-02T03:04:05.006Z") ==
        R"({"time":"2026-01-02T03:04:05.006Z","level":"error","msg":"bad \"quote\"\n"})");
}

TEST_CASE("log sink receives lines at or above the minimum level") {
  std::vector<std::string> lines;
  jetmon::log::set_sink([&](std::string_view l) { lines.emplace_back(l); });
  jetmon::log::set_min_level(Level::info);
  jetmon::log::debug("hidden {}", 1);
  jetmon::log::info("shown {}", 2);
  jetmon::log::set_sink({});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].ends_with("INFO shown 2"));
}

TEST_CASE("version line has the documented shape") {
  const std::string line = jetmon::version_line("jetmon2");
  CHECK(line.starts_with("jetmon2 " + jetmon::build_info().version + " (built "));
  CHECK(line.find(" with ") != std::string::npos);
  CHECK(jetmon::version_text("jetmon2").find("commit ") != std::string::npos);
}

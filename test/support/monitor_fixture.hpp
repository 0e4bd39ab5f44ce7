#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "jetmon/db/connection.hpp"
#include "support/fixture_site.hpp"

// Shared setup of the tests that run a real jetmon2 against a fixture site.
namespace jetmon::test {

// The logs/ and stats/ directories a monitor started in `dir` writes to.
inline void make_monitor_dirs(const std::string& dir) {
  std::filesystem::create_directories(dir + "/logs");
  std::filesystem::create_directories(dir + "/stats");
}

// `count` active sites served by `site` (paths /ok0, /ok1, …), blog ids from `first_blog`, site i
// in bucket i.
inline void add_fixture_sites(db::Connection& c, const FixtureSite& site, std::uint64_t first_blog, int count) {
  auto add_site = c.prepare(
      "INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active) VALUES (?, ?, ?, 1)");
  for (int i = 0; i < count; ++i) {
    add_site.execute({first_blog + static_cast<std::uint64_t>(i), i, site.url("/ok" + std::to_string(i))});
  }
}

}  // namespace jetmon::test

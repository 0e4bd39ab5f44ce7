#pragma once

#include <cstdint>
#include <string>

#include "jetmon/db/connection.hpp"

// Seeding for the legacy projection drift tests (schedule's count, rollout's report): a site row
// and an http event, open or closed.
namespace jetmon::test {

inline void add_site(db::Connection& c, std::uint64_t blog, int bucket, int site_status, bool active = true) {
  c.exec("INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active, site_status) "
         "VALUES (?, ?, ?, ?, ?)",
         {blog, bucket, "http://site" + std::to_string(blog) + ".example/", active ? 1 : 0, site_status});
}

// Returns the event id. Open events of one blog need distinct discriminators (uk_open_dedup).
inline std::uint64_t add_event(db::Connection& c, std::uint64_t blog, const std::string& state, bool open = true,
                               const std::string& check_type = "http", const char* discriminator = nullptr) {
  return c
      .exec("INSERT INTO jetmon_events (blog_id, check_type, discriminator, severity, state, ended_at) "
            "VALUES (?, ?, ?, 4, ?, IF(?, NULL, NOW(3)))",
            {blog, check_type, discriminator ? db::Value(std::string(discriminator)) : db::Value(), state,
             open ? 1 : 0})
      .last_insert_id;
}

}  // namespace jetmon::test

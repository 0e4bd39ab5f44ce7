#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jetmon/db/connection.hpp"

// SQL of the WPCOM outbox (schema/027). Every value travels as a typed bind. These functions
// throw db::DbError.
namespace jetmon::notify::outbox {

struct Row {
  std::uint64_t id = 0;
  std::uint64_t blog_id = 0;
  int status_id = 0;
  std::string status_type;
  std::string payload;
  std::string state;  // "pending" or "queued"
  std::uint32_t attempts = 0;
};

struct NewNotice {
  std::string host_id;
  std::string key;
  std::uint64_t blog_id = 0;
  int status_id = 0;
  std::string status_type;
  std::string payload;
};

enum class InsertOutcome {
  inserted,        // a new row
  already_stored,  // the same notice (same key) is already in the outbox
  superseded,      // the blog's newest undelivered row had the same status: it now carries this notice
};

// Stores a notice once. When the blog's newest undelivered row (pending or queued) has the same
// status_id, that row takes the new payload in place instead of a second row being added, so a
// site that keeps being re-confirmed down while WPCOM is unreachable sends one fresh "down"
// notice when it returns, not one per re-confirmation (the Go service queues them all).
InsertOutcome insert(db::Connection& c, const NewNotice& notice);

// The oldest `limit` rows of `host_id` in state pending or queued, by id.
std::vector<Row> next_rows(db::Connection& c, std::string_view host_id, int limit);

// The oldest `limit` rows of `host_id` in state pending, by id.
std::vector<Row> pending_rows(db::Connection& c, std::string_view host_id, int limit);

std::int64_t count_queued(db::Connection& c, std::string_view host_id);

void mark_queued(db::Connection& c, std::uint64_t id);
// attempts = `attempts`, last_attempt_at = NOW().
void mark_attempt(db::Connection& c, std::uint64_t id, std::uint32_t attempts);
void record_error(db::Connection& c, std::uint64_t id, std::string_view error);
void mark_failed(db::Connection& c, std::uint64_t id, std::string_view error);
// One transaction: the row becomes delivered, and last_alert_sent_at of the blog = `now_utc`.
void mark_delivered(db::Connection& c, std::uint64_t id, std::uint64_t blog_id, const db::DateTime& now_utc);

// Deletes up to `limit` delivered/failed rows of `host_id` created more than `age_hours` ago.
std::uint64_t prune(db::Connection& c, std::string_view host_id, long long age_hours, int limit);

}  // namespace jetmon::notify::outbox

#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "jetmon/db/connection.hpp"
#include "jetmon/health/process.hpp"

// Writes the jetmon_process_health row (dashboard-fleet.md §6.4; docs/health.md).
namespace jetmon::health {

// Every process-health write is bounded to this (§5 step 4, §6.4).
inline constexpr std::chrono::milliseconds kWriteBound{2000};

// The two writes of §6.4, on a connection of their own (never the monitor's pool), opened with
// connect/read/write timeouts of the bound (whole seconds, at least 1) and reopened whenever it
// was lost. The SQL runs on the writer's own thread; each call waits for it at most `bound` and
// then returns, so a hung database can never hold the caller longer. Writes run one at a time in
// call order: a write that timed out but is still in flight always lands before the next one
// (a late "running" can never overtake "stopping" or "stopped").
//
// Calls never throw; they return nullopt on success or the error text (the publish routine logs
// it as `process health: <err>`). Thread-safe, but meant for one publish routine.
class ProcessHealthWriter {
 public:
  explicit ProcessHealthWriter(db::ConnectOptions options, std::chrono::milliseconds bound = kWriteBound);
  // Lets a write in flight finish (its socket timeouts bound it), then closes the connection.
  ~ProcessHealthWriter();
  ProcessHealthWriter(const ProcessHealthWriter&) = delete;
  ProcessHealthWriter& operator=(const ProcessHealthWriter&) = delete;

  // Heartbeat: validate_row(row, now), then one INSERT … ON DUPLICATE KEY UPDATE that overwrites
  // every column except process_id and created_at (absent optional columns → NULL,
  // dependency_health = health_list_json). An invalid row returns the validation error and runs
  // no SQL. Timestamps are written as UTC, whole seconds.
  std::optional<std::string> heartbeat(const ProcessHealthRow& row,
                                       std::chrono::system_clock::time_point now =
                                           std::chrono::system_clock::now());

  // Stop: UPDATE … SET state='stopped', health_status='amber', updated_at=now WHERE process_id;
  // every other column keeps the last heartbeat. A blank id returns "process id is required".
  // No row for the id is not an error (there is nothing to mark).
  std::optional<std::string> mark_stopped(std::string_view process_id,
                                          std::chrono::system_clock::time_point now =
                                              std::chrono::system_clock::now());

  // The options the writer connects with (the given ones, timeouts set from the bound).
  const db::ConnectOptions& connect_options() const noexcept;
  std::chrono::milliseconds bound() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jetmon::health

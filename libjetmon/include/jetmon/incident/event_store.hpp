#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "jetmon/db/connection.hpp"
#include "jetmon/incident/metadata.hpp"
#include "jetmon/incident/vocabulary.hpp"

// The event store (monitor.md §6.2): the only code that writes jetmon_events and
// jetmon_event_transitions. Every change of an event and its one transition row are written in
// one transaction, together with the legacy site_status projection (§6.4) when asked for.
namespace jetmon::incident {

using TimePoint = std::chrono::system_clock::time_point;

struct Event {
  std::uint64_t id = 0;
  std::uint64_t blog_id = 0;
  std::string check_type;
  int severity = 0;
  std::string state;  // a closed event keeps its last open state
  TimePoint started_at{};
  std::optional<TimePoint> ended_at;  // set: the event is closed
  std::optional<std::string> resolution_reason;
  std::optional<std::string> metadata;  // JSON text

  bool is_open() const noexcept { return !ended_at.has_value(); }
};

struct OpenRequest {
  std::uint64_t blog_id = 0;
  std::string_view check_type;
  int severity = 0;
  std::string_view state;
  Metadata metadata;
};

struct OpenResult {
  Event event;           // the new event, or the open one that already existed (untouched)
  bool created = false;  // a new row was inserted and an `opened` transition written
};

struct ChangeResult {
  Event event;           // as it is after the change
  bool changed = false;  // false: a promote that changed nothing (no transition written)
  int severity_before = 0;
  std::string state_before;
};

// A refused change: what() is exactly "event not found" or "event is closed" (§6.2).
class EventError : public std::runtime_error {
 public:
  enum class Kind { not_found, closed };
  EventError(Kind kind, std::uint64_t event_id);
  Kind kind() const noexcept { return kind_; }
  std::uint64_t event_id() const noexcept { return event_id_; }

 private:
  Kind kind_;
  std::uint64_t event_id_;
};

// Whether a single-call EventStore method also writes the site_status projection (only while
// LEGACY_STATUS_PROJECTION_ENABLE). It only ever applies to `http` events.
enum class Projection { skip, write };

class EventStore {
 public:
  // `source` is the monitor hostname written to every transition; empty means "local".
  explicit EventStore(std::string source);

  const std::string& source() const noexcept { return source_; }

  // Each call below runs one transaction of its own and throws db::DbError (rolled back) or
  // EventError. With Projection::write, the §6.4 projection of the resulting state is written in
  // the same transaction, stamped with the current UTC time.

  // INSERT … ON DUPLICATE KEY UPDATE id=LAST_INSERT_ID(id): a new event gets an `opened`
  // transition (before NULL/NULL, after severity/state, the event's metadata) and its projection;
  // an open event of the same (blog, check type) is returned untouched, without any write.
  OpenResult open(db::Connection& connection, const OpenRequest& request, Projection projection) const;

  // Locks the row. Missing → EventError not_found; closed → EventError closed. When neither
  // severity nor state differs nothing is written to the event tables (changed=false), but the
  // projection still is (a re-confirmed Down rewrites site_status=2, as in Go).
  ChangeResult promote(db::Connection& connection, std::uint64_t event_id, int severity,
                       std::string_view state, std::string_view reason, const Metadata& metadata,
                       Projection projection) const;

  // Locks the row; it must be open. Sets ended_at=CURRENT_TIMESTAMP(3) and resolution_reason;
  // the transition goes from the current severity/state to NULL/`Resolved`.
  ChangeResult close(db::Connection& connection, std::uint64_t event_id, std::string_view reason,
                     const Metadata& metadata, Projection projection) const;

  // The oldest open event of (blog, check type).
  std::optional<Event> find_active(db::Connection& connection, std::uint64_t blog_id,
                                   std::string_view check_type) const;
  std::optional<Event> find(db::Connection& connection, std::uint64_t event_id) const;

  // The projection on its own (the no-event fallbacks of §5): UPDATE jetpack_monitor_sites SET
  // site_status=?, last_status_change=? WHERE blog_id=?.
  void project(db::Connection& connection, std::uint64_t blog_id, SiteStatus status,
               TimePoint at) const;

 private:
  std::string source_;
};

// Several event changes (and the projection) in one caller-controlled transaction: START
// TRANSACTION on construction, ROLLBACK on destruction unless commit() ran. Same rules and errors
// as the EventStore methods; nothing is projected unless project() is called.
class EventTransaction {
 public:
  EventTransaction(const EventStore& store, db::Connection& connection);
  EventTransaction(const EventTransaction&) = delete;
  EventTransaction& operator=(const EventTransaction&) = delete;

  OpenResult open(const OpenRequest& request);
  // open() for several (blog, check type) pairs at once, each at most once, with the same result
  // per request, in order; a fixed number of statements whatever their count (SELECT … FOR UPDATE
  // of the open ones, one multi-row INSERT … RETURNING of the others, one multi-row INSERT of their
  // `opened` transitions). Throws std::invalid_argument for a pair requested twice.
  std::vector<OpenResult> open_all(std::span<const OpenRequest> requests);
  ChangeResult promote(std::uint64_t event_id, int severity, std::string_view state,
                       std::string_view reason, const Metadata& metadata = {});
  ChangeResult close(std::uint64_t event_id, std::string_view reason, const Metadata& metadata = {});
  // close() with the recovery reason of the event's state, read under the row lock
  // (probe_cleared from Seems Down, verifier_cleared otherwise).
  ChangeResult close_recovered(std::uint64_t event_id);
  // close_recovered() for several events at once, each at most once, with the same result per
  // event, in order; a fixed number of statements whatever their count. Throws EventError if any
  // of them is missing or already closed (nothing is written then), std::invalid_argument for an
  // event asked twice.
  std::vector<ChangeResult> close_all_recovered(std::span<const std::uint64_t> event_ids);
  std::optional<Event> find_active(std::uint64_t blog_id, std::string_view check_type);

  // The §6.4 projection; `at` is written to last_status_change (UTC, whole seconds).
  void project(std::uint64_t blog_id, SiteStatus status, TimePoint at);
  // The same projection for several sites in one statement.
  void project_all(std::span<const std::uint64_t> blog_ids, SiteStatus status, TimePoint at);

  void commit();
  db::Connection& connection() noexcept { return *connection_; }

 private:
  Event lock_open_event(std::uint64_t event_id);
  void write_transition(const Event& event, std::optional<int> severity_before,
                        std::optional<int> severity_after, std::optional<std::string_view> state_before,
                        std::optional<std::string_view> state_after, std::string_view reason,
                        const std::optional<std::string>& metadata);

  const EventStore* store_;
  db::Connection* connection_;
  db::Transaction transaction_;
};

}  // namespace jetmon::incident

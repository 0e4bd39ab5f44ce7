#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "jetmon/db/connection.hpp"
#include "jetmon/delivery/row.hpp"
#include "jetmon/delivery/rules.hpp"

// The SQL of the delivery pipeline (dashboard-fleet.md §8.2, §8.3; docs/delivery.md), written once
// for both families: the webhook and alert tables differ only in names and the alert `severity`.
// Every function runs on the connection it is given and throws db::DbError when the database does.
namespace jetmon::delivery {

// Product decision 8: one progress mark per family, shared by every deliverer and embedded
// worker, so a new owner continues where the last one stopped.
inline constexpr std::string_view kSharedInstanceId = "shared";
inline constexpr std::size_t kDispatchBatch = 200;
inline constexpr std::size_t kClaimBatch = 50;
inline constexpr std::chrono::seconds kLease{60};

std::string_view family_name(Family family);  // "webhook" / "alert"

struct DispatchResult {
  std::uint64_t mark_before = 0;
  std::uint64_t mark_after = 0;
  std::size_t transitions = 0;  // fetched past the mark
  std::size_t inserted = 0;     // new rows (duplicates are skipped silently)
  bool enqueue_failed = false;  // the mark stopped before the transition that failed
};

// One dispatcher tick: creates the family's mark at the newest transition when it has none
// (a brand-new install does not replay history), reads ≤ `batch` transitions past it, matches the
// active subscribers and INSERT IGNOREs one pending row per match, then advances the mark
// (GREATEST, never backwards) over the transitions whose enqueues all succeeded. An enqueue
// failure is logged and stops the tick; that transition is retried next tick. A subscriber whose
// filter cannot be read is logged each tick with transitions, or with `warnings` (the caller's
// memory across ticks) once until its filter changes.
DispatchResult dispatch_once(db::Connection& connection, Family family,
                             std::string_view instance_id = kSharedInstanceId,
                             std::size_t batch = kDispatchBatch, FilterWarnings* warnings = nullptr);

struct ClaimOptions {
  std::size_t limit = kClaimBatch;
  std::chrono::seconds lease = kLease;
  // Subscribers whose rows are not even selected (at their in-flight cap).
  std::vector<std::uint64_t> skip_subscribers;
  // Called for each selected row in order; false leaves that row untouched (not leased, still
  // due). Empty: every row is leased.
  std::function<bool(std::uint64_t subscriber_id)> accept;
};

// One short transaction, no network I/O: ≤ limit due pending rows ordered by next_attempt_at,
// FOR UPDATE; each accepted row gets next_attempt_at = now + lease, and each update must hit
// exactly one pending row, else the transaction is rolled back and nothing is returned.
std::vector<ClaimedRow> claim_due(db::Connection& connection, Family family,
                                  const ClaimOptions& options = {});

// The §8.3 outcome write of `update` for row `row_id` (last_attempt_at = now, attempt, code,
// response, status, next_attempt_at, delivered_at). Returns the rows changed (0: no such row).
std::uint64_t record_outcome(db::Connection& connection, Family family, std::uint64_t row_id,
                             const RowUpdate& update);

}  // namespace jetmon::delivery

#include "jetmon/schedule/orchestrator.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "jetmon/check/engine.hpp"
#include "jetmon/common/log.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/db/retry.hpp"
#include "jetmon/metrics/memory.hpp"
#include "jetmon/schedule/memory_pressure.hpp"
#include "jetmon/schedule/projection_drift.hpp"
#include "jetmon/schedule/result_writer.hpp"

namespace jetmon::schedule {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr int kMaxFetchFailuresPerRound = 5;
// Failing sites started ahead of a round: at most this many times what the engine runs of them
// at once. Beyond that they would start no earlier than in the pass anyway.
constexpr std::size_t kFailingFirstPerSlowCapacity = 2;

// Why a check is submitted. A failing site's check (first or retry) runs outside the in-flight
// ceiling (CheckRequest::expect_slow); a retry is due now, not with the round (urgent).
enum class CheckKind { pass, failing_first, retry };

bool is_round_check(CheckKind kind) { return kind != CheckKind::retry; }

}  // namespace

struct Orchestrator::Impl {
  OrchestratorDeps deps;
  std::optional<db::Connection> connection;  // orchestrator thread (and shutdown after run())
  std::optional<DynamicLease> lease;

  mutable std::mutex mutex;
  std::condition_variable changed;
  bool stopping = false;
  Ownership ownership;
  RoundStats stats;
  std::unordered_set<std::uint64_t> checking;  // site ids with a check in the engine
  std::uint64_t round_id = 0;
  std::size_t round_outstanding = 0;  // this round's checks not finished
  std::size_t pass_outstanding = 0;   // of those, the ones the pass submitted (not started first)
  // The dispatcher sleeps until pass_outstanding drops below this, or at the end of the round
  // until round_outstanding is 0; completions wake it only when they cross it (0 = nobody
  // waiting), so a round of 100,000 checks is not 100,000 wakeups.
  std::size_t wake_when_pass_below = 0;
  bool wake_when_round_done = false;
  std::size_t ceiling = 0;  // the engine's in-flight ceiling (orchestrator thread)

  explicit Impl(OrchestratorDeps d) : deps(std::move(d)) {}

  db::Connection& db() {
    if (!connection) connection.emplace(deps.connect());
    return *connection;
  }

  Ownership claim(const config::Config& cfg) {
    if (auto pinned = pinned_range(cfg)) {
      if (lease) log::info("orchestrator: switching to pinned buckets {}-{}", pinned->min, pinned->max);
      lease.reset();
      return pinned_ownership(*pinned);
    }
    if (!lease) lease.emplace(deps.host_id);
    try {
      return lease->claim(db(), cfg.bucket_total, cfg.bucket_target, cfg.bucket_heartbeat_grace_sec);
    } catch (...) {
      connection.reset();
      throw;
    }
  }

  // false when the site is already being checked or the engine refuses.
  bool submit(const Site& site, CheckKind kind, std::uint64_t round) {
    {
      std::lock_guard lock(mutex);
      if (!checking.insert(site.site_id).second) {
        ++stats.skipped_in_flight;
        return false;
      }
      if (is_round_check(kind)) ++round_outstanding;
      if (kind == CheckKind::pass) ++pass_outstanding;
    }
    const auto cfg = deps.config->current();
    check::CheckRequest request = check_request_for(site, cfg->net_comms_timeout);
    request.expect_slow = kind != CheckKind::pass;
    request.urgent = kind == CheckKind::retry;
    const bool accepted = deps.engine->submit(
        std::move(request), [this, site, kind, round](check::CheckResult&& result) { on_done(site, kind, round, result); });
    if (!accepted) {
      std::lock_guard lock(mutex);
      checking.erase(site.site_id);
      if (is_round_check(kind) && round == round_id) count_round_check_done(kind);
      changed.notify_all();
    }
    return accepted;
  }

  // Engine thread: never blocks on the database.
  void on_done(const Site& site, CheckKind kind, std::uint64_t round, const check::CheckResult& result) {
    if (!result.cancelled) {
      if (!deps.writer->enqueue(record_of(site.site_id, result))) {
        log::error("orchestrator: result writer refused the result of blog_id={} (queue full)",
                   site.blog_id);
      }
      if (deps.on_result) {
        try {
          deps.on_result(site, result);
        } catch (const std::exception& e) {
          log::error("orchestrator: result handler failed for blog_id={}: {}", site.blog_id, e.what());
        }
      }
    }
    std::lock_guard lock(mutex);
    checking.erase(site.site_id);
    if (!result.cancelled) ++stats.results_total;
    if (is_round_check(kind) && round == round_id) {
      if (!result.cancelled) ++stats.current_round_checked;
      count_round_check_done(kind);
    }
  }

  // Under `mutex`: one of this round's checks is over; wakes the dispatcher when it waits for it.
  void count_round_check_done(CheckKind kind) {
    --round_outstanding;
    if (kind == CheckKind::pass) --pass_outstanding;
    const bool wake = (pass_outstanding < wake_when_pass_below) || (wake_when_round_done && round_outstanding == 0);
    if (wake) {
      wake_when_pass_below = 0;
      wake_when_round_done = false;
      changed.notify_all();
    }
  }

  // monitor.md §3.1 step 3, once per round on this thread's connection (one aggregate query).
  void check_projection_drift(const BucketRange& range) {
    std::optional<std::int64_t> drift;
    try {
      drift = count_projection_drift(db(), range);
    } catch (const std::exception& e) {
      connection.reset();
      log::warn("orchestrator: legacy projection drift check failed: {}", e.what());
    }
    if (drift && *drift > 0) {
      log::warn("orchestrator: legacy projection drift detected count={} buckets={}-{}", *drift, range.min,
                range.max);
    }
    {
      std::lock_guard lock(mutex);
      stats.projection_drift = drift.value_or(-1);
    }
    if (deps.metrics) emit_projection_drift(*deps.metrics, drift);
  }

  // Sleeps until `until` or stop(); true when stopping.
  bool sleep_until(SteadyClock::time_point until) {
    std::unique_lock lock(mutex);
    return changed.wait_until(lock, until, [&] { return stopping; });
  }

  // Starts the round with the sites whose last check failed (fetch_due_failing), outside the
  // ceiling: a silent one then waits out its timeout during the pass, not after it. The engine
  // runs up to its slow capacity of them at once and starts the rest as those end. Returns
  // their ids, which the pass skips. A failed query only loses the head start.
  std::unordered_set<std::uint64_t> start_failing_sites(const DueQuery& query, std::size_t limit,
                                                        std::uint64_t round) {
    std::vector<Site> failing;
    try {
      failing = fetch_due_failing(db(), query, limit);
    } catch (const std::exception& e) {
      connection.reset();
      log::warn("orchestrator: fetching failing sites failed ({}); they are checked in order", e.what());
    }
    std::unordered_set<std::uint64_t> ids;
    for (const Site& site : failing) {
      ids.insert(site.site_id);
      submit(site, CheckKind::failing_first, round);
    }
    std::lock_guard lock(mutex);
    stats.current_round_due += failing.size();
    return ids;
  }

  void run_round(SteadyClock::time_point scheduled) {
    const auto cfg = deps.config->current();
    const auto started = SteadyClock::now();
    const auto round_start_wall = std::chrono::system_clock::now();
    ceiling = static_cast<std::size_t>(std::max(1, cfg->num_workers));
    deps.engine->set_max_in_flight(ceiling);
    try {
      Ownership own = claim(*cfg);
      std::lock_guard lock(mutex);
      ownership = std::move(own);
    } catch (const std::exception& e) {
      log::error("orchestrator: bucket claim failed, keeping range {}-{}: {}", ownership.range.min,
                 ownership.range.max, e.what());
    }
    BucketRange range;
    std::uint64_t round;
    {
      std::lock_guard lock(mutex);
      range = ownership.range;
      round = ++round_id;
      round_outstanding = 0;
      pass_outstanding = 0;
      stats.current_round_due = 0;
      stats.current_round_checked = 0;
      if (!cfg->legacy_status_projection_enable) stats.projection_drift = -1;
    }
    if (cfg->legacy_status_projection_enable) check_projection_drift(range);

    DueQuery query;
    query.range = range;
    query.round_start = round_start_wall;
    query.variable_intervals = cfg->use_variable_check_intervals;
    query.page_size = std::max(1, cfg->dataset_size);
    const std::size_t window = static_cast<std::size_t>(
        std::max({2 * cfg->num_workers, cfg->dataset_size, 1}));
    const std::unordered_set<std::uint64_t> started_first =
        start_failing_sites(query, kFailingFirstPerSlowCapacity * deps.engine->slow_capacity(), round);
    SiteCursor cursor;
    int fetch_failures = 0;
    while (!cursor.done) {
      {
        std::unique_lock lock(mutex);
        // Check completions notify `changed`; the writer draining its backlog does not, so poll it.
        // Lingering checks (slow or silent sites past the engine's linger threshold) no longer hold
        // an engine slot, so they do not hold back the window either; the 250 ms poll sees them.
        // The window counts the pass's own checks only: the failing sites started first wait
        // in the engine's slow queue, which never holds back the pass.
        while (!changed.wait_for(lock, std::chrono::milliseconds(250), [&] {
          const std::size_t open_window = window + deps.engine->stats().lingering;
          if (stopping || (pass_outstanding < open_window && !deps.writer->backlogged())) return true;
          wake_when_pass_below = open_window;
          return false;
        })) {
        }
        if (stopping) return;
      }
      std::vector<Site> page;
      try {
        page = fetch_due_page(db(), query, cursor);
        fetch_failures = 0;
      } catch (const std::exception& e) {
        connection.reset();
        if (++fetch_failures >= kMaxFetchFailuresPerRound) {
          log::error("orchestrator: giving up this round after {} failed fetches: {}", fetch_failures,
                     e.what());
          break;
        }
        log::warn("orchestrator: fetching due sites failed ({}); retrying", e.what());
        if (sleep_until(SteadyClock::now() + db::backoff_delay(fetch_failures))) return;
        continue;
      }
      std::size_t due = 0;
      for (const Site& site : page) {
        if (started_first.count(site.site_id) > 0) continue;
        ++due;
        submit(site, CheckKind::pass, round);
      }
      std::lock_guard lock(mutex);
      stats.current_round_due += due;
    }
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] {
        if (stopping || round_outstanding == 0) return true;
        wake_when_round_done = true;
        return false;
      });
      if (stopping) return;
      const auto elapsed = SteadyClock::now() - started;
      const auto ms = duration_cast<milliseconds>(elapsed).count();
      stats.rounds_completed += 1;
      stats.round_duration_ms = ms;
      stats.last_round_due = stats.current_round_due;
      stats.last_round_checked = stats.current_round_checked;
      stats.sites_per_sec = ms > 0 ? static_cast<std::int64_t>(stats.current_round_checked * 1000 / static_cast<std::uint64_t>(ms))
                                   : static_cast<std::int64_t>(stats.current_round_checked);
      stats.last_round_lateness_ms = std::max<std::int64_t>(0, duration_cast<milliseconds>(started - scheduled).count());
    }
    log::info("orchestrator: round {} done after checking {} sites ({} due) in {} ms (buckets {}-{})",
              round, stats.last_round_checked, stats.last_round_due, stats.round_duration_ms,
              range.min, range.max);
    if (stats.last_round_checked > 0) {
      if (deps.on_round_complete) deps.on_round_complete(snapshot());
      apply_memory_pressure(*cfg);
    }
  }

  // monitor.md §3.7 after a non-empty round: the lowered ceiling holds until the next round
  // starts and restores NUM_WORKERS.
  void apply_memory_pressure(const config::Config& cfg) {
    if (cfg.worker_max_mem_mb <= 0) return;
    const auto pressure = decide_memory_pressure(metrics::rss_mb(), cfg.worker_max_mem_mb, ceiling);
    if (!pressure) return;
    ceiling = pressure->new_ceiling;
    deps.engine->set_max_in_flight(ceiling);
    log::warn("orchestrator: {}", memory_pressure_message(*pressure));
  }

  OrchestratorSnapshot snapshot() const {
    OrchestratorSnapshot snap;
    {
      std::lock_guard lock(mutex);
      snap.ownership = ownership;
      snap.rounds = stats;
    }
    const auto engine = deps.engine->stats();
    snap.in_flight = engine.in_flight;
    snap.queue_depth = engine.pending;
    snap.writer_queue = deps.writer->stats().queued;
    return snap;
  }
};

Orchestrator::Orchestrator(OrchestratorDeps deps) : impl_(std::make_unique<Impl>(std::move(deps))) {}

Orchestrator::~Orchestrator() = default;

Ownership Orchestrator::claim_initial() {
  Ownership own = impl_->claim(*impl_->deps.config->current());
  std::lock_guard lock(impl_->mutex);
  impl_->ownership = own;
  return own;
}

void Orchestrator::run() {
  Impl& s = *impl_;
  auto next_round = SteadyClock::now();
  for (;;) {
    if (s.sleep_until(next_round)) break;
    const auto scheduled = next_round;
    const auto started = SteadyClock::now();
    s.run_round(scheduled);
    const auto gap = std::chrono::seconds(std::max(0, s.deps.config->current()->min_time_between_rounds_sec));
    next_round = std::max(started + gap, SteadyClock::now());
  }
}

void Orchestrator::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->changed.notify_all();
}

bool Orchestrator::submit_retry(const Site& site) { return impl_->submit(site, CheckKind::retry, 0); }

OrchestratorSnapshot Orchestrator::snapshot() const { return impl_->snapshot(); }

bool Orchestrator::owns_bucket(int bucket) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->ownership.range.contains(bucket);
}

void Orchestrator::drain_lease() {
  if (impl_->lease) impl_->lease->drain(impl_->db());
}

void Orchestrator::release_lease() {
  if (impl_->lease) impl_->lease->release(impl_->db());
}

}  // namespace jetmon::schedule

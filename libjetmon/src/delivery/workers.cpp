#include "jetmon/delivery/workers.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "jetmon/common/log.hpp"
#include "jetmon/db/pool.hpp"
#include "jetmon/delivery/store.hpp"
#include "jetmon/common/thread_name.hpp"

namespace jetmon::delivery {
namespace {

struct FamilyLoop {
  Family family = Family::webhook;
  RowSender* sender = nullptr;
  std::thread dispatcher;
  FilterWarnings filter_warnings;  // the dispatcher thread's only
  std::thread claimer;
  std::vector<std::thread> senders;

  std::mutex mutex;
  std::condition_variable work_cv;   // senders wait for rows
  std::condition_variable claim_cv;  // the claimer waits for a tick, a free slot or stop
  std::deque<ClaimedRow> queue;
  std::map<std::uint64_t, std::size_t> per_subscriber;  // queued + sending
  std::size_t in_flight = 0;                            // queued + sending
  // The last claim found more than it could take (rows, or rows of subscribers at their cap):
  // claim again as soon as a send finishes.
  bool backlog = false;
  std::uint64_t completed = 0;  // sends finished so far (wakes the claimer when backlogged)
  bool enqueued = false;  // the dispatcher just inserted rows: claim now, not at the next tick
  WorkerStats stats;
};

}  // namespace

struct DeliveryWorkers::Impl {
  db::Pool& pool;
  WorkerOptions options;
  std::vector<std::unique_ptr<FamilyLoop>> families;
  std::atomic<bool> stopping{false};
  std::atomic<bool> abort_sends{false};
  std::atomic<bool> started{false};
  std::mutex stop_mutex;
  bool stopped = false;
  std::size_t cut_short_total = 0;
  std::mutex sleep_mutex;
  std::condition_variable sleep_cv;

  Impl(db::Pool& p, WorkerOptions o) : pool(p), options(std::move(o)) {}

  void sleep_tick() {
    std::unique_lock lock(sleep_mutex);
    sleep_cv.wait_for(lock, options.tick, [this] { return stopping.load(); });
  }

  void dispatch_loop(FamilyLoop& f) {
    while (!stopping) {
      bool more = false;
      try {
        auto lease = pool.acquire();
        const DispatchResult r =
            dispatch_once(*lease, f.family, options.instance_id, options.dispatch_batch, &f.filter_warnings);
        if (r.inserted > 0) {
          std::lock_guard lock(f.mutex);
          f.stats.enqueued += r.inserted;
          f.enqueued = true;
          f.claim_cv.notify_all();
        }
        more = !r.enqueue_failed && r.transitions >= options.dispatch_batch;
      } catch (const std::exception& e) {
        log::error("{} dispatcher: {}", family_name(f.family), e.what());
      }
      if (!more) sleep_tick();
    }
  }

  void claim_loop(FamilyLoop& f) {
    while (!stopping) {
      std::map<std::uint64_t, std::size_t> counts;
      std::size_t free = 0;
      std::uint64_t seen = 0;
      bool limited = false;
      {
        std::lock_guard lock(f.mutex);
        seen = f.completed;
        counts = f.per_subscriber;
        free = options.max_in_flight > f.in_flight ? options.max_in_flight - f.in_flight : 0;
      }
      std::vector<ClaimedRow> rows;
      if (free > 0) {
        ClaimOptions claim;
        claim.limit = std::min(options.claim_batch, free);
        claim.lease = options.lease;
        for (const auto& [id, n] : counts) {
          if (n >= options.per_subscriber) claim.skip_subscribers.push_back(id);
        }
        std::size_t taken = 0;
        limited = !claim.skip_subscribers.empty();
        claim.accept = [&](std::uint64_t id) {
          if (taken >= free || counts[id] >= options.per_subscriber) {
            limited = true;
            return false;
          }
          ++counts[id];
          ++taken;
          return true;
        };
        try {
          auto lease = pool.acquire();
          rows = claim_due(*lease, f.family, claim);
        } catch (const std::exception& e) {
          log::error("{} sender: claim: {}", family_name(f.family), e.what());
        }
      }
      std::unique_lock lock(f.mutex);
      for (ClaimedRow& r : rows) {
        ++f.per_subscriber[r.subscriber_id];
        ++f.in_flight;
        ++f.stats.claimed;
        f.queue.push_back(std::move(r));
      }
      f.backlog = !rows.empty() || limited || free == 0;
      if (!rows.empty()) f.work_cv.notify_all();
      // With a backlog, a finished send wakes the claimer at once, and so do new rows from this
      // process's dispatcher; otherwise wait for the tick.
      f.claim_cv.wait_for(lock, options.tick, [&] {
        return stopping.load() || f.enqueued || (f.backlog && f.completed != seen);
      });
      f.enqueued = false;
    }
  }

  void send_loop(FamilyLoop& f) {
    for (;;) {
      ClaimedRow row;
      {
        std::unique_lock lock(f.mutex);
        f.work_cv.wait(lock, [&] { return stopping.load() || !f.queue.empty(); });
        if (stopping) return;  // rows still queued keep their lease and are sent after it
        row = std::move(f.queue.front());
        f.queue.pop_front();
      }
      SendOutcome outcome;
      try {
        outcome = f.sender->send(row, &abort_sends);
      } catch (const std::exception& e) {
        outcome = SendOutcome{SendOutcome::Kind::retry, 0, std::string("send: ") + e.what()};
      }
      const bool cut = abort_sends.load();
      RowUpdate update;
      if (!cut) {
        update = row_update(outcome, row.attempt, options.ladder);
        try {
          auto lease = pool.acquire();
          record_outcome(*lease, f.family, row.id, update);
        } catch (const std::exception& e) {
          log::error("{} sender: row {}: outcome not recorded ({}); sent again after its lease",
                     family_name(f.family), row.id, e.what());
        }
        if (update.status == RowUpdate::Status::abandoned) {
          log::warn("{} sender: row {} abandoned after attempt {}: code={} {}", family_name(f.family),
                    row.id, update.attempt, update.status_code, update.response);
        }
      } else {
        log::warn("{} sender: row {} cut short by shutdown; sent again after its lease",
                  family_name(f.family), row.id);
      }
      std::lock_guard lock(f.mutex);
      if (cut) {
        ++f.stats.cut_short;
      } else if (update.status == RowUpdate::Status::delivered) {
        ++f.stats.delivered;
      } else if (update.status == RowUpdate::Status::abandoned) {
        ++f.stats.abandoned;
      } else {
        ++f.stats.retried;
      }
      if (auto it = f.per_subscriber.find(row.subscriber_id); it != f.per_subscriber.end()) {
        if (--it->second == 0) f.per_subscriber.erase(it);
      }
      --f.in_flight;
      ++f.completed;
      f.claim_cv.notify_all();
    }
  }

  std::size_t sending(FamilyLoop& f) {
    std::lock_guard lock(f.mutex);
    return f.in_flight - f.queue.size();
  }
};

DeliveryWorkers::DeliveryWorkers(db::Pool& pool, RowSender* webhook_sender, RowSender* alert_sender,
                                 WorkerOptions options)
    : impl_(std::make_unique<Impl>(pool, std::move(options))) {
  impl_->options.max_in_flight = std::max<std::size_t>(1, impl_->options.max_in_flight);
  impl_->options.per_subscriber = std::max<std::size_t>(1, impl_->options.per_subscriber);
  for (auto [family, sender] : {std::pair{Family::webhook, webhook_sender}, std::pair{Family::alert, alert_sender}}) {
    if (sender == nullptr) continue;
    auto f = std::make_unique<FamilyLoop>();
    f->family = family;
    f->sender = sender;
    impl_->families.push_back(std::move(f));
  }
}

DeliveryWorkers::~DeliveryWorkers() { stop(); }

void DeliveryWorkers::start() {
  Impl& s = *impl_;
  if (s.started.exchange(true)) return;
  for (auto& fp : s.families) {
    FamilyLoop& f = *fp;
    for (std::size_t i = 0; i < s.options.max_in_flight; ++i) {
      f.senders.push_back(start_named_thread("jm-deliv-send", [&s, &f] { s.send_loop(f); }));
    }
    f.claimer = start_named_thread("jm-deliv-claim", [&s, &f] { s.claim_loop(f); });
    if (s.options.dispatch) f.dispatcher = start_named_thread("jm-deliv-disp", [&s, &f] { s.dispatch_loop(f); });
  }
}

std::size_t DeliveryWorkers::stop() {
  Impl& s = *impl_;
  std::lock_guard stop_lock(s.stop_mutex);
  if (s.stopped) return s.cut_short_total;
  s.stopped = true;
  if (!s.started) return 0;
  // 1. No new dispatches, claims or sends.
  s.stopping = true;
  s.sleep_cv.notify_all();
  for (auto& f : s.families) {
    {
      std::lock_guard lock(f->mutex);
      f->claim_cv.notify_all();
      f->work_cv.notify_all();
    }
    if (f->dispatcher.joinable()) f->dispatcher.join();
    if (f->claimer.joinable()) f->claimer.join();
  }
  // 2. Sends in flight may finish and record their outcome within the grace.
  const auto deadline = std::chrono::steady_clock::now() + s.options.stop_grace;
  auto busy = [&s] {
    std::size_t n = 0;
    for (auto& f : s.families) n += s.sending(*f);
    return n;
  };
  while (busy() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // 3. The rest are cut short (the poster polls the flag); their rows keep the lease.
  s.abort_sends = true;
  for (auto& f : s.families) {
    for (auto& t : f->senders) {
      if (t.joinable()) t.join();
    }
    std::lock_guard lock(f->mutex);
    s.cut_short_total += f->stats.cut_short;
  }
  return s.cut_short_total;
}

bool DeliveryWorkers::running() const noexcept { return impl_->started && !impl_->stopping; }

bool DeliveryWorkers::runs(Family family) const noexcept {
  for (const auto& f : impl_->families) {
    if (f->family == family) return true;
  }
  return false;
}

WorkerStats DeliveryWorkers::stats(Family family) const {
  for (const auto& f : impl_->families) {
    if (f->family != family) continue;
    std::lock_guard lock(f->mutex);
    WorkerStats out = f->stats;
    out.in_flight = f->in_flight;
    return out;
  }
  return {};
}

}  // namespace jetmon::delivery

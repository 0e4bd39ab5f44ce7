#include "jetmon/db/pool.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <deque>
#include <mutex>

#include "jetmon/common/log.hpp"

namespace jetmon::db {

struct Pool::State {
  ConnectOptions connect;
  PoolOptions options;

  mutable std::mutex mu;
  std::condition_variable slot_freed;
  std::deque<std::unique_ptr<Connection>> idle;  // back = most recently returned
  std::size_t open = 0;                           // leased + idle + being opened
  std::uint64_t opened_total = 0;
  std::uint64_t reused_total = 0;
  std::uint64_t discarded_total = 0;

  bool expired(const Connection& c) const {
    return std::chrono::steady_clock::now() - c.opened_at() >= options.max_lifetime;
  }

  // Called with `mu` not held. Closing talks to the server (COM_QUIT), so it never runs under the lock.
  void give_back(std::unique_ptr<Connection> c, bool discard) noexcept {
    std::unique_ptr<Connection> to_close;
    {
      std::lock_guard lock(mu);
      if (discard || c->broken() || c->in_transaction() || expired(*c) ||
          idle.size() >= options.max_idle) {
        to_close = std::move(c);
        --open;
        ++discarded_total;
      } else {
        idle.push_back(std::move(c));
      }
    }
    slot_freed.notify_one();
    to_close.reset();
  }
};

Pool::Pool(ConnectOptions options, PoolOptions pool_options) : state_(std::make_shared<State>()) {
  state_->connect = std::move(options);
  if (pool_options.max_open == 0) pool_options.max_open = 1;
  if (pool_options.max_idle > pool_options.max_open) pool_options.max_idle = pool_options.max_open;
  state_->options = pool_options;
}

Pool::~Pool() {
  std::deque<std::unique_ptr<Connection>> idle;
  {
    std::lock_guard lock(state_->mu);
    idle.swap(state_->idle);
    state_->open -= idle.size();
    // Leases still out keep `state_` alive and close their connection when they return it.
    state_->options.max_idle = 0;
  }
  // `idle` closes here, outside the lock.
}

const PoolOptions& Pool::options() const noexcept { return state_->options; }

Pool::Lease Pool::acquire() {
  State& s = *state_;
  const auto deadline = std::chrono::steady_clock::now() + s.options.acquire_timeout;
  for (;;) {
    std::unique_ptr<Connection> candidate;
    bool open_new = false;
    {
      std::unique_lock lock(s.mu);
      for (;;) {
        if (!s.idle.empty()) {
          candidate = std::move(s.idle.back());
          s.idle.pop_back();
          break;
        }
        if (s.open < s.options.max_open) {
          ++s.open;  // reserve the slot before connecting outside the lock
          open_new = true;
          break;
        }
        if (s.slot_freed.wait_until(lock, deadline) == std::cv_status::timeout &&
            s.idle.empty() && s.open >= s.options.max_open) {
          throw DbError(fmt::format("db pool: no connection free within {} ms (max open {})",
                                    s.options.acquire_timeout.count(), s.options.max_open));
        }
      }
    }

    if (open_new) {
      try {
        auto c = std::make_unique<Connection>(s.connect);
        std::lock_guard lock(s.mu);
        ++s.opened_total;
        return Lease(state_, std::move(c));
      } catch (...) {
        {
          std::lock_guard lock(s.mu);
          --s.open;
        }
        s.slot_freed.notify_one();
        throw;
      }
    }

    // Reuse an idle connection only if it is young enough and still answers.
    bool usable = !s.expired(*candidate) && candidate->ping_ok();
    if (usable) {
      std::lock_guard lock(s.mu);
      ++s.reused_total;
      return Lease(state_, std::move(candidate));
    }
    log::debug("db pool: dropping an idle connection ({})",
               candidate->broken() ? "ping failed" : "past its lifetime");
    {
      std::lock_guard lock(s.mu);
      --s.open;
      ++s.discarded_total;
    }
    candidate.reset();  // close outside the lock
    s.slot_freed.notify_one();
  }
}

Pool::Stats Pool::stats() const {
  std::lock_guard lock(state_->mu);
  Stats st;
  st.open = state_->open;
  st.idle = state_->idle.size();
  st.leased = state_->open - state_->idle.size();
  st.opened_total = state_->opened_total;
  st.reused_total = state_->reused_total;
  st.discarded_total = state_->discarded_total;
  return st;
}

// ---- Lease --------------------------------------------------------------------------------------

Pool::Lease::Lease(std::shared_ptr<State> state, std::unique_ptr<Connection> connection)
    : state_(std::move(state)), connection_(std::move(connection)) {}

Pool::Lease::Lease(Lease&& o) noexcept
    : state_(std::move(o.state_)), connection_(std::move(o.connection_)), discard_(o.discard_) {}

Pool::Lease& Pool::Lease::operator=(Lease&& o) noexcept {
  if (this != &o) {
    release();
    state_ = std::move(o.state_);
    connection_ = std::move(o.connection_);
    discard_ = o.discard_;
  }
  return *this;
}

Pool::Lease::~Lease() { release(); }

void Pool::Lease::release() noexcept {
  if (state_ && connection_) state_->give_back(std::move(connection_), discard_);
  state_.reset();
  connection_.reset();
  discard_ = false;
}

}  // namespace jetmon::db

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "jetmon/db/connection.hpp"

namespace jetmon::db {

struct PoolOptions {
  std::size_t max_open = 10;                       // connections open at once (leased + idle)
  std::size_t max_idle = 5;                        // idle connections kept for reuse
  std::chrono::seconds max_lifetime{300};          // a connection older than this is closed, not reused
  std::chrono::milliseconds acquire_timeout{30000};  // wait for a free slot when max_open are leased
};

// A small thread-safe connection pool (monitor.md §1.4: at most 10 open, 5 idle, 5-minute
// lifetime). acquire() prefers the most recently returned idle connection, pings it first and
// discards it if the ping fails or it is past its lifetime; otherwise it opens a new connection
// while fewer than max_open exist, else waits up to acquire_timeout. Leases may outlive the Pool.
class Pool {
 public:
  class Lease;

  explicit Pool(ConnectOptions options, PoolOptions pool_options = {});
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Throws DbError when connecting fails or no slot frees up within acquire_timeout.
  Lease acquire();

  struct Stats {
    std::size_t open = 0;    // leased + idle + being opened
    std::size_t idle = 0;
    std::size_t leased = 0;
    std::uint64_t opened_total = 0;   // connections created over the pool's life
    std::uint64_t reused_total = 0;   // leases served from the idle list
    std::uint64_t discarded_total = 0;  // closed because expired, broken, ping failed or over max_idle
  };
  Stats stats() const;
  const PoolOptions& options() const noexcept;

 private:
  struct State;  // shared with leases, so a lease may outlive the pool
  std::shared_ptr<State> state_;
};

// Exclusive use of one pooled connection; returns it on destruction. Move-only.
class Pool::Lease {
 public:
  Lease(Lease&&) noexcept;
  Lease& operator=(Lease&&) noexcept;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease();

  Connection& operator*() const noexcept { return *connection_; }
  Connection* operator->() const noexcept { return connection_.get(); }
  Connection& connection() const noexcept { return *connection_; }

  // Close the connection instead of returning it to the pool (e.g. after a protocol surprise).
  void discard() noexcept { discard_ = true; }

 private:
  friend class Pool;
  Lease(std::shared_ptr<State> state, std::unique_ptr<Connection> connection);
  void release() noexcept;

  std::shared_ptr<State> state_;
  std::unique_ptr<Connection> connection_;
  bool discard_ = false;
};

}  // namespace jetmon::db

#include "jetmon/service/heartbeat_publisher.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "jetmon/common/log.hpp"
#include "jetmon/common/thread_name.hpp"

namespace jetmon::service {

struct HeartbeatPublisher::Impl {
  HeartbeatHooks hooks;
  std::chrono::milliseconds interval;
  std::string steady_state;

  std::mutex publish_mutex;  // serializes publish(): one snapshot at a time, in order
  std::atomic<bool> shutting_down{false};
  health::HealthList health;  // guarded by publish_mutex

  std::mutex loop_mutex;
  std::condition_variable loop_wake;
  bool loop_stop = false;  // guarded by loop_mutex
  std::thread loop;

  std::once_flag begin_once;
  std::once_flag finish_once;

  bool publish(std::string_view state, bool refresh) {
    std::lock_guard lock(publish_mutex);
    if (shutting_down.load() && state == steady_state) return false;
    if (refresh && hooks.probe) {
      try {
        health = hooks.probe();
      } catch (const std::exception& e) {
        log::error("process health: probes failed: {}", e.what());
      }
    }
    if (hooks.deliver) {
      try {
        hooks.deliver(state, health, refresh);
      } catch (const std::exception& e) {
        log::error("process health: {}", e.what());
      }
    }
    return true;
  }

  void run_loop() {
    std::unique_lock lock(loop_mutex);
    while (!loop_stop) {
      lock.unlock();
      publish(steady_state, true);
      lock.lock();
      loop_wake.wait_for(lock, interval, [&] { return loop_stop; });
    }
  }

  void stop_loop() {
    {
      std::lock_guard lock(loop_mutex);
      loop_stop = true;
    }
    loop_wake.notify_all();
    if (loop.joinable()) loop.join();
  }
};

HeartbeatPublisher::HeartbeatPublisher(HeartbeatHooks hooks, std::chrono::milliseconds interval,
                                       std::string steady_state)
    : impl_(std::make_unique<Impl>()) {
  impl_->hooks = std::move(hooks);
  impl_->interval = std::max(interval, std::chrono::milliseconds(1));
  impl_->steady_state = std::move(steady_state);
}

HeartbeatPublisher::~HeartbeatPublisher() { impl_->stop_loop(); }

bool HeartbeatPublisher::publish(std::string_view state, bool refresh) {
  return impl_->publish(state, refresh);
}

void HeartbeatPublisher::start() {
  Impl& s = *impl_;
  if (s.shutting_down.load() || s.loop.joinable()) return;
  s.publish(s.steady_state, false);
  s.loop = start_named_thread("jm-heartbeat", [&s] { s.run_loop(); });
}

void HeartbeatPublisher::begin_shutdown() {
  Impl& s = *impl_;
  std::call_once(s.begin_once, [&s] {
    s.shutting_down.store(true);
    s.stop_loop();
    s.publish("stopping", false);
  });
}

void HeartbeatPublisher::finish_shutdown() {
  begin_shutdown();
  Impl& s = *impl_;
  std::call_once(s.finish_once, [&s] {
    s.publish("stopping", false);
    std::lock_guard lock(s.publish_mutex);
    if (!s.hooks.mark_stopped) return;
    try {
      s.hooks.mark_stopped();
    } catch (const std::exception& e) {
      log::error("process health: {}", e.what());
    }
  });
}

health::HealthList HeartbeatPublisher::last_health() const {
  std::lock_guard lock(impl_->publish_mutex);
  return impl_->health;
}

}  // namespace jetmon::service

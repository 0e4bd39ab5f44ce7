#pragma once

#include "support/httplib.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "jetmon/db/connection.hpp"
#include "jetmon/delivery/rules.hpp"

namespace jetmon::test {

// The webhook receiver of the delivery tests and bench/delivery_bench, and the transition they
// insert.
//
// A webhook receiver on 127.0.0.1:<ephemeral>: records every POST, answers with the scripted
// statuses (then `default_status`), and can hold requests until released (a send in flight).
class WebhookReceiver {
 public:
  struct Request {
    std::string path;
    httplib::Headers headers;
    std::string body;
    std::string header(const std::string& name) const {
      auto it = headers.find(name);
      return it == headers.end() ? std::string() : it->second;
    }
  };

  WebhookReceiver() {
    server_.Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      int status = 200;
      {
        std::unique_lock lock(mu_);
        requests_.push_back({req.path, req.headers, req.body});
        if (!script_.empty()) {
          status = script_.front();
          script_.pop_front();
        } else {
          status = default_status_;
        }
        cv_.notify_all();
        cv_.wait(lock, [&] { return !hold_ || stopping_; });
      }
      res.status = status;
      res.set_content(status >= 300 ? "receiver says no" : "ok", "text/plain");
    });
    server_.new_task_queue = [] { return new httplib::ThreadPool(16); };
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("receiver: bind failed");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ~WebhookReceiver() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void set_default_status(int status) {
    std::lock_guard lock(mu_);
    default_status_ = status;
  }
  void script(std::vector<int> statuses) {
    std::lock_guard lock(mu_);
    script_.assign(statuses.begin(), statuses.end());
  }
  void hold(bool on) {
    {
      std::lock_guard lock(mu_);
      hold_ = on;
    }
    cv_.notify_all();
  }
  std::vector<Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::size_t count() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }
  bool wait_for_count(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }

  // Verifies X-Jetmon-Signature the way a receiver would: t=<unix>,v1=<hex HMAC of "<t>.<body>">.
  static bool signature_ok(const Request& r, const std::string& secret) {
    const std::string sig = r.header("X-Jetmon-Signature");
    const auto comma = sig.find(",v1=");
    if (!sig.starts_with("t=") || comma == std::string::npos) return false;
    const std::string t = sig.substr(2, comma - 2);
    const std::string v1 = sig.substr(comma + 4);
    const long long ts = std::stoll(t);
    const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count();
    if (now - ts > 300 || ts - now > 300) return false;
    return v1 == delivery::hmac_sha256_hex(secret, t + "." + r.body);
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Request> requests_;
  std::deque<int> script_;
  int default_status_ = 200;
  bool hold_ = false;
  bool stopping_ = false;
};

// One jetmon_event_transitions row (event_id = blog * 10, state_before 'Up'); returns its id.
inline std::uint64_t add_transition(db::Connection& c, std::uint64_t blog, const std::string& reason = "opened",
                                    int before = 0, int after = 4, const std::string& state = "Down") {
  return c.exec("INSERT INTO jetmon_event_transitions (event_id, blog_id, severity_before, severity_after, "
                "state_before, state_after, reason) VALUES (?, ?, ?, ?, 'Up', ?, ?)",
                {blog * 10, blog, before, after, state, reason})
      .last_insert_id;
}

}  // namespace jetmon::test

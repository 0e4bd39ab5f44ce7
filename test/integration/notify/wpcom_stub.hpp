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

namespace jetmon::test {

// A WPCOM status-change endpoint on 127.0.0.1:<ephemeral>. It records every request exactly as
// received and answers with the scripted statuses (then `default_status`). Another `path` makes
// it any JSON POST receiver (the alert-contact tests use it for Slack, Teams, PagerDuty and the
// WPCOM email API).
class WpcomStub {
 public:
  struct Request {
    std::string method;
    std::string path;
    httplib::Headers headers;
    std::string body;

    std::string header(const std::string& name) const {
      auto it = headers.find(name);
      return it == headers.end() ? std::string() : it->second;
    }
    std::size_t header_count(const std::string& name) const { return headers.count(name); }
  };

  explicit WpcomStub(std::string path = "/wpcom/v2/jetpack-monitor/status-change") : path_(std::move(path)) {
    server_.Post(path_,
                 [this](const httplib::Request& req, httplib::Response& res) {
                   int status;
                   std::string body;
                   std::chrono::milliseconds delay{0};
                   {
                     std::lock_guard lock(mu_);
                     requests_.push_back({req.method, req.path, req.headers, req.body});
                     if (!script_.empty()) {
                       status = script_.front();
                       script_.pop_front();
                     } else {
                       status = default_status_;
                     }
                     body = response_body_;
                     delay = delay_;
                   }
                   cv_.notify_all();
                   if (delay.count() > 0) std::this_thread::sleep_for(delay);
                   res.status = status;
                   res.set_content(body.empty() ? std::string(R"({"ok":true})") : body, "application/json");
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("wpcom stub: bind failed");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ~WpcomStub() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  WpcomStub(const WpcomStub&) = delete;
  WpcomStub& operator=(const WpcomStub&) = delete;

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + path_;
  }

  // The next responses, in order; afterwards every request gets `then`.
  void script(std::vector<int> statuses, int then) {
    std::lock_guard lock(mu_);
    script_.assign(statuses.begin(), statuses.end());
    default_status_ = then;
  }
  void always(int status) { script({}, status); }
  void response_body(std::string body) {
    std::lock_guard lock(mu_);
    response_body_ = std::move(body);
  }
  void delay(std::chrono::milliseconds d) {
    std::lock_guard lock(mu_);
    delay_ = d;
  }

  std::vector<Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::vector<std::string> bodies() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& r : requests_) out.push_back(r.body);
    return out;
  }
  std::size_t count() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }

 private:
  std::string path_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Request> requests_;
  std::deque<int> script_;
  int default_status_ = 200;
  std::string response_body_;
  std::chrono::milliseconds delay_{0};
};

}  // namespace jetmon::test

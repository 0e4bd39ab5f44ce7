#pragma once

#include "support/httplib.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace jetmon::test {

// An HTTP receiver on 127.0.0.1:<ephemeral> for every test that needs the other end of a POST:
// the WPCOM status-change endpoint, webhook subscribers, Slack/Teams/PagerDuty/email APIs, and
// bench/delivery_bench. Header-only so the bench can use it without the Catch2 test support.
//
// It records every POST exactly as received (method, path, headers, body) and answers with the
// scripted statuses, then `always` (200 by default), with `response_body` (default {"ok":true}).
// An optional delay postpones every answer; hold() keeps every request in flight until
// release() (the destructor releases everything and cuts delays short).
class HttpReceiver {
 public:
  struct Request {
    std::string method;
    std::string path;
    httplib::Headers headers;
    std::string body;
    int remote_port = 0;  // the client's port: requests with the same one came on one connection

    std::string header(const std::string& name) const {
      auto it = headers.find(name);
      return it == headers.end() ? std::string() : it->second;
    }
    std::size_t header_count(const std::string& name) const { return headers.count(name); }
  };

  // Answers POSTs to any path; url() names /hook.
  HttpReceiver() : HttpReceiver(R"(/.*)", "/hook") {}
  // Answers POSTs to `path` only (cpp-httplib matches it as a regular expression); url() names it.
  explicit HttpReceiver(std::string path) : HttpReceiver(path, path) {}

  ~HttpReceiver() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  std::string url() const { return url(url_path_); }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  // The next responses, in order; afterwards every request gets `then`.
  void script(std::vector<int> statuses, int then) {
    std::lock_guard lock(mu_);
    script_.assign(statuses.begin(), statuses.end());
    default_status_ = then;
  }
  void always(int status) { script({}, status); }
  // The body of every response (application/json whatever it holds); empty: {"ok":true}.
  void response_body(std::string body) {
    std::lock_guard lock(mu_);
    response_body_ = std::move(body);
  }
  void delay(std::chrono::milliseconds d) {
    std::lock_guard lock(mu_);
    delay_ = d;
  }
  // Requests that arrive (or wait) while held get no answer until release().
  void hold() { set_hold(true); }
  void release() { set_hold(false); }

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
  // True once `n` requests have arrived (answered or not), false after `timeout`.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }

 private:
  HttpReceiver(const std::string& pattern, std::string url_path) : url_path_(std::move(url_path)) {
    server_.Post(pattern, [this](const httplib::Request& req, httplib::Response& res) { answer(req, res); });
    server_.new_task_queue = [] { return new httplib::ThreadPool(16); };  // room for held requests
    // Senders keep connections alive; stop() waits out an idle one's keep-alive, so keep it short.
    server_.set_keep_alive_timeout(1);
    // Without it, cpp-httplib's header and body writes on a kept-alive connection wait for the
    // client's delayed ACK (~40 ms a response); the dashboard and Veriflier servers set it too.
    server_.set_tcp_nodelay(true);
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("http receiver: bind failed");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }

  void answer(const httplib::Request& req, httplib::Response& res) {
    int status = 200;
    std::string body;
    {
      std::unique_lock lock(mu_);
      requests_.push_back({req.method, req.path, req.headers, req.body, req.remote_port});
      if (!script_.empty()) {
        status = script_.front();
        script_.pop_front();
      } else {
        status = default_status_;
      }
      body = response_body_;
      const auto delay = delay_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !hold_ || stopping_; });
      cv_.wait_for(lock, delay, [&] { return stopping_; });
    }
    res.status = status;
    res.set_content(body.empty() ? std::string(R"({"ok":true})") : body, "application/json");
  }

  void set_hold(bool on) {
    {
      std::lock_guard lock(mu_);
      hold_ = on;
    }
    cv_.notify_all();
  }

  std::string url_path_;
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
  bool hold_ = false;
  bool stopping_ = false;
};

}  // namespace jetmon::test

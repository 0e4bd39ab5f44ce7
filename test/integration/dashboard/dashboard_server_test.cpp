// The host dashboard server on a real loopback port: routes, methods, headers, JSON before and
// after a publish, SSE, the stream cap, a stuck client, stop; `jetmon2 status` against it.
#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "jetmon/dashboard/server.hpp"
#include "jetmon/dashboard/status.hpp"
#include "jetmon/dashboard/summary.hpp"
#include "support/background_process.hpp"
#include "support/fixture_site.hpp"
#include "support/process.hpp"
#include "unit/dashboard/dashboard_test_data.hpp"
#include "unit/veriflier/veriflier_test_helpers.hpp"

using jetmon::dashboard::DashboardState;
using jetmon::dashboard::Server;
using jetmon::dashboard::ServerOptions;
using jetmon::test::connect_loopback;
using jetmon::test::eventually;
using jetmon::test::Fd;
using jetmon::test::raw_http;
using jetmon::test::RawResponse;
using jetmon::test::read_response;
using jetmon::test::send_all;
using namespace std::chrono_literals;

namespace {

constexpr const char* kCsp =
    "default-src 'self'; base-uri 'none'; connect-src 'self'; form-action 'none'; "
    "frame-ancestors 'none'; object-src 'none'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'";

std::unique_ptr<Server> running_server(ServerOptions options = {}) {
  options.port = 0;
  options.bind_address = "";  // blank → 127.0.0.1
  auto server = std::make_unique<Server>(options);
  server->start();
  return server;
}

RawResponse request(int port, const std::string& method, const std::string& path,
                    const std::string& extra_headers = "") {
  return raw_http(port,
                  method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                      extra_headers + "\r\n");
}

void check_security_headers(const RawResponse& r) {
  CHECK(r.header("Cache-Control") == "no-store");
  CHECK(r.header("Referrer-Policy") == "no-referrer");
  CHECK(r.header("X-Content-Type-Options") == "nosniff");
  CHECK(r.header("X-Frame-Options") == "DENY");
  CHECK(r.header("Content-Security-Policy") == kCsp);
}

DashboardState example_state() {
  static const auto config = jetmon::dashboard::test::spec_example_config();
  return jetmon::dashboard::build_state(jetmon::dashboard::test::spec_example_inputs(config));
}

// A raw /events client: reads the head, then one chunk = one event at a time.
class SseClient {
 public:
  explicit SseClient(int port, int rcvbuf = 0, const std::string& extra_headers = "") {
    fd_ = Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (rcvbuf > 0) setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    timeval tv{10, 0};
    setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd_.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    const sockaddr_in addr = jetmon::test::loopback(port);
    if (::connect(fd_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
      throw std::runtime_error("connect failed");
    }
    send_all(fd_.get(), "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "\r\n");
  }

  // The response head (status line and headers); reads until the blank line.
  std::string head() {
    while (head_.empty()) {
      const auto end = data_.find("\r\n\r\n");
      if (end != std::string::npos) {
        head_ = data_.substr(0, end + 2);
        data_.erase(0, end + 4);
        break;
      }
      if (!fill()) return {};
    }
    return head_;
  }
  int status() {
    const std::string h = head();
    return h.size() > 12 ? std::atoi(h.c_str() + 9) : 0;
  }
  std::string header(std::string_view name) {
    RawResponse r;
    r.head = head();
    return r.header(name);
  }

  // The next chunk's payload; nullopt on EOF or timeout.
  std::optional<std::string> next_chunk() {
    head();
    for (;;) {
      const auto line_end = data_.find("\r\n");
      if (line_end != std::string::npos) {
        const std::size_t size = std::stoul(data_.substr(0, line_end), nullptr, 16);
        if (data_.size() >= line_end + 2 + size + 2) {
          std::string payload = data_.substr(line_end + 2, size);
          data_.erase(0, line_end + 2 + size + 2);
          if (size == 0) return std::nullopt;
          return payload;
        }
      }
      if (!fill()) return std::nullopt;
    }
  }

  // True once the server closed the connection (EOF), reading and dropping anything before.
  bool closed_by_server() {
    for (;;) {
      char buf[4096];
      const ssize_t n = ::recv(fd_.get(), buf, sizeof(buf), 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

  int fd() const { return fd_.get(); }
  void close() { fd_.reset(); }

 private:
  bool fill() {
    char buf[16384];
    const ssize_t n = ::recv(fd_.get(), buf, sizeof(buf), 0);
    if (n <= 0) return false;
    data_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  Fd fd_;
  std::string data_;
  std::string head_;
};

std::string sse_event(const DashboardState& state) {
  return "data: " + jetmon::dashboard::state_json(state) + "\n\n";
}

}  // namespace

TEST_CASE("dashboard server: GET and HEAD of every route, with the security headers",
          "[dashboard]") {
  auto server = running_server();
  const int port = server->port();
  REQUIRE(port > 0);

  const RawResponse page = request(port, "GET", "/");
  CHECK(page.status == 200);
  CHECK(page.header("Content-Type") == "text/html; charset=utf-8");
  check_security_headers(page);
  CHECK(page.body == std::string(jetmon::dashboard::host_page_html()));

  const DashboardState zero;
  const RawResponse state = request(port, "GET", "/api/state");
  CHECK(state.status == 200);
  CHECK(state.header("Content-Type") == "application/json");
  check_security_headers(state);
  CHECK(state.body == jetmon::dashboard::state_body(zero));
  CHECK(state.body.find(R"("updated_at":"0001-01-01T00:00:00Z")") != std::string::npos);

  const RawResponse health = request(port, "GET", "/api/health");
  CHECK(health.status == 200);
  CHECK(health.header("Content-Type") == "application/json");
  check_security_headers(health);
  CHECK(health.body == "null\n");

  const RawResponse host = request(port, "GET", "/api/host");
  CHECK(host.status == 200);
  check_security_headers(host);
  CHECK(host.body == jetmon::dashboard::host_body(zero, std::nullopt));
  CHECK(host.body.find(R"("health":null)") != std::string::npos);

  for (const std::string path : {"/", "/api/state", "/api/health", "/api/host"}) {
    INFO(path);
    const RawResponse head = request(port, "HEAD", path);
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    check_security_headers(head);
  }
  // Query strings do not change the route.
  CHECK(request(port, "GET", "/api/host?x=1").status == 200);
}

TEST_CASE("dashboard server: wrong methods get 405 with Allow, unknown paths 404",
          "[dashboard]") {
  auto server = running_server();
  const int port = server->port();
  for (const std::string path : {"/", "/api/state", "/api/health", "/api/host"}) {
    for (const std::string method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"}) {
      INFO(method << " " << path);
      const RawResponse r = request(port, method, path, "Content-Length: 0\r\n");
      CHECK(r.status == 405);
      CHECK(r.header("Allow") == "GET, HEAD");
      CHECK(r.body == "method not allowed\n");
      check_security_headers(r);
    }
  }
  for (const std::string method : {"HEAD", "POST", "PUT", "DELETE"}) {
    INFO(method << " /events");
    const RawResponse r = request(port, method, "/events");
    CHECK(r.status == 405);
    CHECK(r.header("Allow") == "GET");
  }
  for (const std::string path : {"/nope", "/api", "/api/host/", "/fleet", "/index.html"}) {
    INFO(path);
    const RawResponse r = request(port, "GET", path);
    CHECK(r.status == 404);
    CHECK(r.body == "404 page not found\n");
    check_security_headers(r);
  }
  // A POST with a body it never reads: answered, and the connection is closed.
  const RawResponse post = raw_http(port,
                                    "POST /api/host HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"
                                    "hello");
  CHECK(post.status == 405);
  CHECK(post.closed);
}

TEST_CASE("dashboard server: JSON after a publish, health kept until the next probe",
          "[dashboard]") {
  auto server = running_server();
  const int port = server->port();
  const DashboardState state = example_state();
  const auto health = jetmon::dashboard::test::spec_example_health();
  server->publish(state);  // no probes yet
  CHECK(request(port, "GET", "/api/state").body == jetmon::dashboard::state_body(state));
  CHECK(request(port, "GET", "/api/health").body == "null\n");
  server->publish(state, health);
  CHECK(request(port, "GET", "/api/health").body == jetmon::dashboard::health_body(health));
  const RawResponse host = request(port, "GET", "/api/host");
  CHECK(host.body == jetmon::dashboard::host_body(state, health));
  CHECK(host.body.find(R"("red_count":0,"amber_count":2,"green_count":5)") != std::string::npos);

  DashboardState later = state;
  later.active_checks = 7;
  server->publish(later);  // health stays
  CHECK(request(port, "GET", "/api/host").body == jetmon::dashboard::host_body(later, health));
}

TEST_CASE("dashboard server: keep-alive serves several requests on one connection",
          "[dashboard]") {
  auto server = running_server();
  Fd fd = connect_loopback(server->port());
  for (int i = 0; i < 3; ++i) {
    send_all(fd.get(), "GET /api/state HTTP/1.1\r\nHost: x\r\n\r\n");
    const RawResponse r = read_response(fd.get(), false);
    CHECK(r.status == 200);
  }
  // Two pipelined requests in one write: both answered, then the connection closes.
  send_all(fd.get(),
           "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"
           "GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string all;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n <= 0) break;
    all.append(buf, static_cast<std::size_t>(n));
  }
  std::size_t answers = 0;
  for (auto pos = all.find("HTTP/1.1 200"); pos != std::string::npos;
       pos = all.find("HTTP/1.1 200", pos + 1)) {
    ++answers;
  }
  CHECK(answers == 2);
}

TEST_CASE("dashboard server: SSE sends the current state on connect, then each publish",
          "[dashboard]") {
  auto server = running_server();
  const DashboardState first = example_state();
  server->publish(first);
  SseClient client(server->port());
  REQUIRE(client.status() == 200);
  CHECK(client.header("Content-Type") == "text/event-stream");
  CHECK(client.header("Cache-Control") == "no-cache, no-store");
  CHECK(client.header("X-Content-Type-Options") == "nosniff");
  CHECK(client.next_chunk() == sse_event(first));
  REQUIRE(eventually([&] { return server->event_clients() == 1; }, 10s));

  DashboardState second = first;
  second.sites_per_sec = 999;
  server->publish(second, jetmon::dashboard::test::spec_example_health());
  CHECK(client.next_chunk() == sse_event(second));
  // The wire format: exactly one data line, no event/id/retry fields.
  const std::string event = sse_event(second);
  CHECK(event.rfind("data: {", 0) == 0);
  CHECK(event.find('\n') == event.size() - 2);

  client.close();
  CHECK(eventually([&] { return server->event_clients() == 0; }, 10s));

  // Browsers ask for compression: events still go out as plain text, one chunk each.
  SseClient browser(server->port(), 0, "Accept-Encoding: gzip, deflate, br\r\n");
  REQUIRE(browser.status() == 200);
  CHECK(browser.header("Content-Encoding").empty());
  CHECK(browser.next_chunk() == sse_event(second));
}

TEST_CASE("dashboard server: 32 streams, /api/host still answers, the 33rd gets 503",
          "[dashboard]") {
  auto server = running_server();
  const int port = server->port();
  std::vector<std::unique_ptr<SseClient>> streams;
  for (int i = 0; i < 32; ++i) {
    streams.push_back(std::make_unique<SseClient>(port));
    REQUIRE(streams.back()->status() == 200);
    REQUIRE(streams.back()->next_chunk().has_value());
  }
  CHECK(server->event_clients() == 32);

  // Several page/JSON requests at once while every stream is open.
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&] {
      if (request(port, "GET", "/api/host").status == 200) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 12);

  SseClient refused(port);
  CHECK(refused.status() == 503);
  CHECK(refused.header("Content-Type") == "text/plain; charset=utf-8");
  const RawResponse again = request(port, "GET", "/events");
  CHECK(again.status == 503);
  CHECK(again.body == "too many dashboard event clients\n");

  // One stream closes: a new one is accepted.
  streams.front()->close();
  REQUIRE(eventually([&] { return server->event_clients() == 31; }, 10s));
  SseClient replacement(port);
  CHECK(replacement.status() == 200);
  CHECK(replacement.next_chunk().has_value());

  // Every open stream gets the next publish.
  DashboardState s = example_state();
  server->publish(s);
  for (std::size_t i = 1; i < streams.size(); ++i) CHECK(streams[i]->next_chunk() == sse_event(s));
  CHECK(replacement.next_chunk() == sse_event(s));
}

TEST_CASE("dashboard server: a client that never reads blocks neither publish nor others",
          "[dashboard]") {
  ServerOptions options;
  options.write_timeout = 2s;
  auto server = running_server(options);
  const int port = server->port();
  SseClient stuck(port, 4096);  // a small receive buffer, never read
  SseClient reader(port);
  REQUIRE(reader.status() == 200);
  REQUIRE(reader.next_chunk().has_value());
  REQUIRE(eventually([&] { return server->event_clients() == 2; }, 10s));

  // The reader drains its stream on its own thread, recording every event.
  std::mutex seen_mutex;
  std::vector<std::string> seen;
  std::thread reading([&] {
    while (auto event = reader.next_chunk()) {
      std::lock_guard lock(seen_mutex);
      seen.push_back(std::move(*event));
    }
  });
  const auto reader_saw = [&](const std::string& event) {
    std::lock_guard lock(seen_mutex);
    return std::find(seen.begin(), seen.end(), event) != seen.end();
  };

  DashboardState big = example_state();
  big.delivery_owner_host = std::string(16 * 1024, 'x');  // fills the stuck socket quickly
  std::atomic<bool> done{false};
  std::thread publisher([&] {
    for (int i = 0; i < 400; ++i) {
      big.active_checks = i;
      server->publish(big);
    }
    done = true;
  });
  CHECK(eventually([&] { return done.load(); }, 20s));  // publish never waits for a client
  publisher.join();
  CHECK(request(port, "GET", "/api/host").status == 200);

  // A later publish reaches the reader (retried: its 16-event buffer may be full just then).
  DashboardState last = example_state();
  last.active_checks = 424242;
  CHECK(eventually(
      [&] {
        server->publish(last);
        return reader_saw(sse_event(last));
      },
      20s));
  // The stuck stream ends after its write timeout and frees its slot.
  CHECK(eventually([&] { return server->event_clients() == 1; }, 30s));
  server->stop();
  reading.join();
}

TEST_CASE("dashboard server: stop ends streams, idle and stuck connections promptly",
          "[dashboard]") {
  auto server = running_server();
  const int port = server->port();
  SseClient stream(port);
  REQUIRE(stream.status() == 200);
  REQUIRE(stream.next_chunk().has_value());
  SseClient stuck(port, 4096);
  Fd idle = connect_loopback(port);  // connected, never sends a byte
  Fd kept = connect_loopback(port);  // one request, then an idle keep-alive connection
  send_all(kept.get(), "GET /api/state HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(read_response(kept.get(), false).status == 200);
  DashboardState big = example_state();
  big.hostname = std::string(32 * 1024, 'h');
  for (int i = 0; i < 50; ++i) server->publish(big);

  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server->stop();
    stopped = true;
  });
  CHECK(eventually([&] { return stopped.load(); }, 10s));
  stopper.join();
  CHECK(stream.closed_by_server());
  char byte;
  CHECK(::recv(idle.get(), &byte, 1, 0) == 0);
  CHECK(::recv(kept.get(), &byte, 1, 0) == 0);
  server->stop();  // idempotent
}

TEST_CASE("dashboard server: a connection that sends nothing is closed after the header timeout",
          "[dashboard]") {
  ServerOptions options;
  options.read_header_timeout = 1s;
  auto server = running_server(options);
  Fd silent = connect_loopback(server->port());
  char byte;
  CHECK(::recv(silent.get(), &byte, 1, 0) == 0);  // SO_RCVTIMEO is 10 s: closed well before
  // A request trickled in slower than the timeout is cut as well.
  Fd slow = connect_loopback(server->port());
  send_all(slow.get(), "GET /api/state HTTP/1.1\r\n");
  std::this_thread::sleep_for(1500ms);
  send_all(slow.get(), "Host: x\r\n\r\n");
  const RawResponse r = read_response(slow.get(), true);
  CHECK(r.status != 200);
  CHECK(request(server->port(), "GET", "/api/state").status == 200);
}

TEST_CASE("dashboard server: oversized request headers are refused, the server keeps serving",
          "[dashboard]") {
  auto server = running_server();
  const int port = server->port();
  const RawResponse long_line =
      request(port, "GET", "/api/state", "X-Big: " + std::string(20000, 'a') + "\r\n");
  CHECK(long_line.status != 200);
  std::string many;
  for (int i = 0; i < 10000; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  const RawResponse too_many = request(port, "GET", "/api/state", many);
  CHECK(too_many.status != 200);
  CHECK(request(port, "GET", "/api/state").status == 200);
}

TEST_CASE("dashboard: start_dashboard is off at port 0 and logs a bind failure", "[dashboard]") {
  std::vector<std::string> lines;
  std::mutex mutex;
  const jetmon::dashboard::Logger logger = [&](jetmon::log::Level, std::string_view message) {
    std::lock_guard lock(mutex);
    lines.emplace_back(message);
  };
  CHECK(jetmon::dashboard::start_dashboard(0, "127.0.0.1", logger) == nullptr);
  CHECK(lines.empty());

  auto first = running_server();
  auto second = jetmon::dashboard::start_dashboard(first->port(), " ", logger);
  CHECK(second == nullptr);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "dashboard: listen on 127.0.0.1:" + std::to_string(first->port()) +
                        ": Address already in use");
  // The first server is unaffected.
  CHECK(request(first->port(), "GET", "/api/state").status == 200);

  // A free port: started, and the line says where.
  int free_port = 0;
  {
    auto probe = running_server();
    free_port = probe->port();
  }
  lines.clear();
  auto started = jetmon::dashboard::start_dashboard(free_port, "", logger);
  REQUIRE(started != nullptr);
  CHECK(started->address() == "127.0.0.1:" + std::to_string(free_port));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "dashboard: listening on http://127.0.0.1:" + std::to_string(free_port) + "/");
  CHECK(request(free_port, "GET", "/api/host").status == 200);
}

TEST_CASE("dashboard server: a bracketed IPv6 bind address", "[dashboard]") {
  ServerOptions options;
  options.port = 0;
  options.bind_address = " [::1] ";
  Server server(options);
  try {
    server.start();
  } catch (const std::exception& e) {
    WARN("no IPv6 loopback here: " << e.what());
    return;
  }
  CHECK(server.address() == "[::1]:" + std::to_string(server.port()));
}

TEST_CASE("dashboard page: ids, sections and no external URLs", "[dashboard]") {
  const std::string page(jetmon::dashboard::host_page_html());
  CHECK(page.find("<title>Jetmon 2 - Host Dashboard</title>") != std::string::npos);
  for (const std::string id : {"preflight", "cutover", "state-report", "activity", "rollback",
                               "drift", "delivery-owner", "delivery-eligible", "go-sys",
                               "rss-mem", "health", "status-pill"}) {
    INFO(id);
    CHECK(page.find("id=\"" + id + "\"") != std::string::npos);
  }
  for (const std::string label : {"CHECK POOL", "THROUGHPUT", "ROLLOUT STATE", "OPERATOR COMMANDS",
                                  "EXTERNAL DEPENDENCIES", "RSS Memory", "Allocator Memory",
                                  ">waiting<", "Waiting for host state", "dashboard health endpoint failed",
                                  "new EventSource(\"/events\")", "fetch(\"/api/host\"", "10000"}) {
    INFO(label);
    CHECK(page.find(label) != std::string::npos);
  }
  CHECK(page.find("http://") == std::string::npos);
  CHECK(page.find("https://") == std::string::npos);
  CHECK(page.find("//cdn") == std::string::npos);
  CHECK(page.find(" src=") == std::string::npos);
  CHECK(page.find("<link") == std::string::npos);
}

TEST_CASE("jetmon2 status prints the /api/host summary, and fails clearly when nothing answers",
          "[dashboard][cli]") {
  auto server = running_server();
  const DashboardState state = example_state();
  server->publish(state);
  const std::string port = std::to_string(server->port());

  // No probe yet: amber (missing dependency health), exit 0.
  const auto waiting = jetmon::test::run_command(
      {JETMON2_BIN, "status"}, {{"DASHBOARD_PORT", port}, {"DASHBOARD_BIND_ADDR", "0.0.0.0"}});
  CHECK(waiting.exit_code == 0);
  CHECK(waiting.out == jetmon::dashboard::format_host_status(
                           jetmon::dashboard::host_body(state, std::nullopt))->text);
  CHECK(waiting.out.rfind("AMBER ", 0) == 0);

  const auto json = jetmon::test::run_command(
      {JETMON2_BIN, "status", "--json"}, {{"DASHBOARD_PORT", port}, {"DASHBOARD_HOST", "127.0.0.1"}});
  CHECK(json.exit_code == 0);
  CHECK(json.out == jetmon::dashboard::host_body(state, std::nullopt));

  // A red dependency: the summary is red and the exit code 1.
  const auto at = std::chrono::system_clock::now();
  server->publish(state, jetmon::health::HealthList{{"mysql", "red", 2000, "ping failed", at},
                                                    {"wpcom", "green", 0, "", at}});
  const auto red = jetmon::test::run_command(
      {JETMON2_BIN, "status"}, {{"DASHBOARD_PORT", port}, {"DASHBOARD_HOST", "127.0.0.1"}});
  CHECK(red.exit_code == 1);
  CHECK(red.out.rfind("RED rollout-blocking dependency or circuit issue\n", 0) == 0);
  CHECK(red.out.find("\nissue: mysql red: ping failed\n") != std::string::npos);
  CHECK(red.out.find("\nmysql: red 2000ms - ping failed\n") != std::string::npos);
  CHECK(red.out.find("\nwpcom: green\n") != std::string::npos);
  CHECK(red.err.empty());

  const auto usage = jetmon::test::run_command({JETMON2_BIN, "status", "--bogus"},
                                               {{"DASHBOARD_PORT", port}});
  CHECK(usage.exit_code == 2);

  jetmon::test::RefusingPort refusing;
  const auto down = jetmon::test::run_command(
      {JETMON2_BIN, "status"}, {{"DASHBOARD_PORT", std::to_string(refusing.port())},
                                {"DASHBOARD_HOST", "127.0.0.1"}});
  CHECK(down.exit_code == 1);
  CHECK(down.out.empty());
  CHECK(down.err.find("status: no dashboard answered at http://127.0.0.1:" +
                      std::to_string(refusing.port()) + "/api/host") != std::string::npos);
}

TEST_CASE("dashboard server: connections over the ceiling are closed, idle ones hold no worker",
          "[dashboard]") {
  ServerOptions options;
  options.max_connections = 4;
  options.max_event_clients = 1;
  options.general_threads = 1;  // two workers in all
  auto server = running_server(options);
  const int port = server->port();
  std::vector<Fd> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(connect_loopback(port));  // never send anything
  }
  // Three idle connections, one worker left for requests: still answered.
  Fd fourth = connect_loopback(port);
  send_all(fourth.get(), "GET /api/state HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(read_response(fourth.get(), false).status == 200);
  // The fifth connection is over the ceiling: closed without an answer.
  Fd fifth = connect_loopback(port);
  char byte;
  CHECK(::recv(fifth.get(), &byte, 1, 0) == 0);
  // Freeing one makes room again.
  idle.pop_back();
  CHECK(eventually([&] { return request(port, "GET", "/api/state").status == 200; }, 10s));
}

TEST_CASE("jetmon2 status stops reading a server that never ends its body", "[dashboard][cli]") {
  jetmon::test::SiteBehaviour endless;
  endless.body = "{\"state\":";
  endless.endless = true;
  jetmon::test::FixtureSite site(endless);
  const auto r = jetmon::test::run_command(
      {JETMON2_BIN, "status"},
      {{"DASHBOARD_PORT", std::to_string(site.port())}, {"DASHBOARD_HOST", "127.0.0.1"}});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("answered more than 1048576 bytes") != std::string::npos);
}

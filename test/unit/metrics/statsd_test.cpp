#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "jetmon/common/log.hpp"
#include "jetmon/metrics/statsd.hpp"
#include "support/process.hpp"

using namespace std::chrono_literals;
using jetmon::metrics::StatsdClient;

namespace {

// A UDP socket on 127.0.0.1:<ephemeral> that collects datagrams.
class UdpReceiver {
 public:
  UdpReceiver() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~UdpReceiver() { ::close(fd_); }
  UdpReceiver(const UdpReceiver&) = delete;
  UdpReceiver& operator=(const UdpReceiver&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Receives up to `n` datagrams, waiting at most `timeout` for each.
  std::vector<std::string> receive(std::size_t n, std::chrono::milliseconds timeout = 2000ms) {
    std::vector<std::string> out;
    while (out.size() < n) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) break;
      char buf[2048];
      const ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
      if (got < 0) break;
      out.emplace_back(buf, static_cast<std::size_t>(got));
    }
    return out;
  }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
};

struct LogCapture {
  std::vector<std::string> lines;
  LogCapture() {
    jetmon::log::set_sink([this](std::string_view l) { lines.emplace_back(l); });
  }
  ~LogCapture() { jetmon::log::set_sink({}); }
  bool contains(std::string_view text) const {
    for (const auto& l : lines)
      if (l.find(text) != std::string::npos) return true;
    return false;
  }
};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("metrics: prefix replaces dots and dashes in the hostname") {
  struct Row {
    const char* hostname;
    const char* prefix;
  };
  const Row rows[] = {
      {"jetmon-host-1.dfw.example.com", "com.jetpack.jetmon.jetmon_host_1_dfw_example_com"},
      {"plainhost", "com.jetpack.jetmon.plainhost"},
      {"a.-b", "com.jetpack.jetmon.a__b"},
      {"UPPER_case", "com.jetpack.jetmon.UPPER_case"},  // only . and - are rewritten (§9.1)
      {"", "com.jetpack.jetmon.unknown"},
  };
  for (const auto& r : rows) {
    INFO(r.hostname);
    CHECK(jetmon::metrics::statsd_prefix(r.hostname) == r.prefix);
  }
}

TEST_CASE("metrics: <seg> rule for Veriflier host:port") {
  struct Row {
    const char* in;
    const char* out;
  };
  const Row rows[] = {
      {"veriflier:7803", "veriflier_7803"},
      {"Veriflier-EU.example.com:7803", "veriflier_eu_example_com_7803"},
      {"10.0.0.5:7803", "10_0_0_5_7803"},
      {"[::1]:7803", "1_7803"},
      {"__host__:80__", "host_80"},
      {"a::--::b", "a_b"},
      {"  spaced host :1 ", "spaced_host_1"},
      {"ünïcode:1", "n_code_1"},
      {"abc", "abc"},
      {":::", "unknown"},
      {"", "unknown"},
  };
  for (const auto& r : rows) {
    INFO(r.in);
    CHECK(jetmon::metrics::veriflier_segment(r.in) == r.out);
  }
}

TEST_CASE("metrics: <class> and <s> placeholders") {
  using jetmon::check::FailureClass;
  CHECK(jetmon::metrics::class_segment(FailureClass::server) == "server");
  CHECK(jetmon::metrics::class_segment(FailureClass::https) == "https");
  CHECK(jetmon::metrics::class_segment(FailureClass::intermittent) == "intermittent");
  CHECK(jetmon::metrics::class_segment(FailureClass::blocked) == "blocked");
  CHECK(jetmon::metrics::status_segment(0) == "down");
  CHECK(jetmon::metrics::status_segment(1) == "running");
  CHECK(jetmon::metrics::status_segment(2) == "confirmed_down");
  CHECK(jetmon::metrics::status_segment(3) == "unknown");
  CHECK(jetmon::metrics::status_segment(-1) == "unknown");
  CHECK(jetmon::metrics::with_placeholder("verifier.host.<seg>.rpc.duration", "<seg>", "veriflier_7803") ==
        "verifier.host.veriflier_7803.rpc.duration");
  CHECK(jetmon::metrics::with_placeholder("detection.failure.<class>.count", "<class>",
                                          jetmon::metrics::class_segment(FailureClass::client)) ==
        "detection.failure.client.count");
  CHECK(jetmon::metrics::with_placeholder("a.<s>.b.<s>", "<s>", "down") == "a.down.b.down");
  CHECK(jetmon::metrics::with_placeholder("no.placeholder", "<s>", "x") == "no.placeholder");
}

TEST_CASE("metrics: datagram format") {
  CHECK(jetmon::metrics::format_datagram("com.jetpack.jetmon.h", "round.sites.count", 42, "c") ==
        "com.jetpack.jetmon.h.round.sites.count:42|c\n");
  CHECK(jetmon::metrics::format_datagram("p", "g", -3, "g") == "p.g:-3|g\n");
  CHECK(jetmon::metrics::format_datagram("p", "bad:name|x\ny", 1, "c") == "p.bad_name_x_y:1|c\n");
}

TEST_CASE("metrics: the client sends one exact datagram per metric") {
  UdpReceiver rx;
  StatsdClient client(rx.address(), "jetmon-1.example");
  REQUIRE(client.available());
  CHECK(client.error().empty());
  CHECK(client.prefix() == "com.jetpack.jetmon.jetmon_1_example");

  client.count("round.sites.count", 100);
  client.increment("wpcom.notification.attempt.count");
  client.gauge("worker.queue.active", 7);
  client.gauge("projection.drift.count", 0);
  client.timing("round.complete.time", 8512ms);
  client.timing("skipped.negative", -1ms);  // skipped
  const auto now = std::chrono::system_clock::now();
  client.timing_since("detection.first_failure_to_verification.time", now - 1500ms, now);
  client.timing_since("skipped.zero_start", std::chrono::system_clock::time_point{}, now);  // skipped
  client.timing_since("skipped.future_start", now + 1s, now);                              // skipped
  client.increment("last");

  const auto got = rx.receive(7);
  const std::vector<std::string> want{
      "com.jetpack.jetmon.jetmon_1_example.round.sites.count:100|c\n",
      "com.jetpack.jetmon.jetmon_1_example.wpcom.notification.attempt.count:1|c\n",
      "com.jetpack.jetmon.jetmon_1_example.worker.queue.active:7|g\n",
      "com.jetpack.jetmon.jetmon_1_example.projection.drift.count:0|g\n",
      "com.jetpack.jetmon.jetmon_1_example.round.complete.time:8512|ms\n",
      "com.jetpack.jetmon.jetmon_1_example.detection.first_failure_to_verification.time:1500|ms\n",
      "com.jetpack.jetmon.jetmon_1_example.last:1|c\n",
  };
  CHECK(got == want);
  CHECK(rx.receive(1, 100ms).empty());  // nothing else was sent
  CHECK(client.sent() == 7);
  CHECK(jetmon::metrics::probe_statsd(&client) == jetmon::metrics::ProbeResult{"green", ""});
}

TEST_CASE("metrics: concurrent senders never interleave datagrams") {
  UdpReceiver rx;
  StatsdClient client(rx.address(), "h");
  REQUIRE(client.available());
  constexpr int kThreads = 4, kEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) client.count("thread." + std::to_string(t), i);
    });
  for (auto& th : threads) th.join();
  const auto got = rx.receive(kThreads * kEach);
  // Loopback UDP with a default receive buffer keeps 200 small datagrams; each is whole.
  CHECK(got.size() + client.dropped() == static_cast<std::size_t>(kThreads * kEach));
  for (const auto& d : got) {
    CHECK(d.rfind("com.jetpack.jetmon.h.thread.", 0) == 0);
    CHECK(d.back() == '\n');
    CHECK(d.find('\n') == d.size() - 1);
    CHECK(d.find("|c") == d.size() - 3);
  }
}

TEST_CASE("metrics: an unresolvable address makes an unavailable client that never throws") {
  LogCapture logs;
  StatsdClient client("no-such-host.invalid:8125", "h");
  CHECK_FALSE(client.available());
  CHECK_FALSE(client.error().empty());
  CHECK(logs.contains("statsd: client not created for no-such-host.invalid:8125"));
  CHECK_NOTHROW(client.count("x", 1));
  CHECK_NOTHROW(client.gauge("x", 1));
  CHECK_NOTHROW(client.timing("x", 1ms));
  CHECK(client.sent() == 0);
  CHECK(jetmon::metrics::probe_statsd(&client) ==
        jetmon::metrics::ProbeResult{"amber", "statsd client is not initialized"});
  CHECK(jetmon::metrics::probe_statsd(nullptr) ==
        jetmon::metrics::ProbeResult{"amber", "statsd client is not initialized"});
}

TEST_CASE("metrics: malformed addresses are refused, blank means statsd:8125") {
  LogCapture logs;
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "::1:8125", "[::1]8125", "[::1"}) {
    INFO(bad);
    StatsdClient client(bad, "h");
    CHECK_FALSE(client.available());
    CHECK_FALSE(client.error().empty());
  }
  StatsdClient blank("  ", "h");
  CHECK(blank.address() == "statsd:8125");
  StatsdClient v6("[::1]:8125", "h");  // resolves without a network; may lack IPv6 in a sandbox
  if (!v6.available()) WARN("IPv6 loopback unavailable: " << v6.error());
}

TEST_CASE("metrics: sends to a port nobody listens on are dropped silently") {
  int port = 0;
  {
    UdpReceiver rx;  // bind, learn the port, close it again
    port = std::stoi(rx.address().substr(rx.address().rfind(':') + 1));
  }
  StatsdClient client("127.0.0.1:" + std::to_string(port), "h");
  REQUIRE(client.available());
  for (int i = 0; i < 20; ++i) CHECK_NOTHROW(client.count("x", i));  // ECONNREFUSED is swallowed
  CHECK(client.sent() + client.dropped() == 20);
}

TEST_CASE("metrics: recording sink keeps names and sums counters") {
  jetmon::metrics::RecordingSink sink;
  sink.increment("a.count");
  sink.count("a.count", 4);
  sink.gauge("g", 9);
  sink.timing("t", 12ms);
  sink.timing("neg", -5ms);
  CHECK(sink.lines() == std::vector<std::string>{"a.count:1|c", "a.count:4|c", "g:9|g", "t:12|ms"});
  CHECK(sink.counter("a.count") == 5);
  CHECK(sink.counter("a") == 0);
  CHECK(sink.counter("g") == 0);
  sink.clear();
  CHECK(sink.lines().empty());
  CHECK_NOTHROW(jetmon::metrics::null_sink().increment("x"));
}

TEST_CASE("metrics: stats files hold one integer and a newline, mode 0644, replaced atomically") {
  jetmon::test::TempDir dir;
  const std::filesystem::path stats = std::filesystem::path(dir.path()) / "stats";
  std::filesystem::create_directory(stats);
  const auto old_umask = ::umask(077);  // the mode must not depend on the umask
  auto err = jetmon::metrics::write_stats_files({173, 4, 123456}, stats);
  ::umask(old_umask);
  REQUIRE_FALSE(err.has_value());
  CHECK(read_file(stats / "sitespersec") == "173\n");
  CHECK(read_file(stats / "sitesqueue") == "4\n");
  CHECK(read_file(stats / "totals") == "123456\n");
  for (const char* name : {"sitespersec", "sitesqueue", "totals"}) {
    struct stat st {};
    REQUIRE(::stat((stats / name).c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0644);
  }
  // Overwritten in place, nothing else left in the directory.
  REQUIRE_FALSE(jetmon::metrics::write_stats_files({0, 0, 123457}, stats).has_value());
  CHECK(read_file(stats / "sitespersec") == "0\n");
  CHECK(read_file(stats / "totals") == "123457\n");
  std::size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(stats)) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 3);
}

TEST_CASE("metrics: stats files report a missing directory and are skipped while StatsD is down") {
  jetmon::test::TempDir dir;
  const std::filesystem::path stats = std::filesystem::path(dir.path()) / "stats";
  auto err = jetmon::metrics::write_stats_files({1, 2, 3}, stats);
  REQUIRE(err.has_value());
  CHECK(err->find("stats/sitespersec") != std::string::npos);

  std::filesystem::create_directory(stats);
  LogCapture logs;
  StatsdClient down("no-such-host.invalid:8125", "h");
  CHECK_FALSE(jetmon::metrics::write_stats_files_if_statsd_up(&down, {1, 2, 3}, stats));
  CHECK_FALSE(jetmon::metrics::write_stats_files_if_statsd_up(nullptr, {1, 2, 3}, stats));
  CHECK_FALSE(std::filesystem::exists(stats / "totals"));

  UdpReceiver rx;
  StatsdClient up(rx.address(), "h");
  CHECK(jetmon::metrics::write_stats_files_if_statsd_up(&up, {1, 2, 3}, stats));
  CHECK(read_file(stats / "totals") == "3\n");
}

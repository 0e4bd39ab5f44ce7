// Check-engine throughput: N checks of distinct loopback addresses (127.A.B.C, so no connection
// can be reused) with a ceiling of K in flight, against a fast local target (nginx; see
// bench/run_check_bench.sh). Prints one line of figures: checks/s, CPU seconds per 1,000 checks
// (user+sys of this process, i.e. the checker), checks/s per CPU-second, peak RSS, outcomes.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#include "jetmon/check/engine.hpp"

namespace {

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto secs = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return secs(usage.ru_utime) + secs(usage.ru_stime);
}

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// The i-th distinct loopback address, cycling over `distinct` of them: 127.1.0.1, 127.1.0.2, …
std::string loopback_address(std::size_t i, std::size_t distinct) {
  const std::size_t n = i % distinct;
  return "127." + std::to_string(1 + n / 65000) + "." + std::to_string((n / 250) % 260) + "." +
         std::to_string(1 + n % 250);
}

}  // namespace

int main(int argc, char** argv) {
  std::string scheme = "http";
  int port = 18700;
  std::string path = "/ok";
  std::size_t count = 10000;
  std::size_t in_flight = 1000;
  std::size_t distinct = 60000;
  std::string keyword;
  std::string ca_file;
  int timeout = 10;
  CLI::App app{"Check-engine benchmark", "check_bench"};
  app.add_option("--scheme", scheme, "http or https")->check(CLI::IsMember({"http", "https"}));
  app.add_option("--port", port, "target port on every 127.A.B.C address");
  app.add_option("--path", path, "request path");
  app.add_option("--count", count, "checks to run")->check(CLI::PositiveNumber);
  app.add_option("--in-flight", in_flight, "NUM_WORKERS: checks at once")->check(CLI::PositiveNumber);
  app.add_option("--distinct", distinct, "distinct loopback addresses to cycle over")
      ->check(CLI::PositiveNumber);
  app.add_option("--keyword", keyword, "keyword to look for in the body");
  app.add_option("--ca-file", ca_file, "CA bundle for https targets");
  app.add_option("--timeout", timeout, "per-check timeout, seconds");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  jetmon::check::EngineOptions options;
  options.max_in_flight = in_flight;
  options.ca_file = ca_file;
  jetmon::check::Engine engine(options);

  std::mutex mutex;
  std::condition_variable all_done;
  std::size_t done = 0;
  std::map<std::string, std::size_t> outcomes;
  const double cpu_start = cpu_seconds();
  const auto wall_start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < count; ++i) {
    jetmon::check::CheckRequest request;
    request.blog_id = i + 1;
    request.url = scheme + "://" + loopback_address(i, distinct) + ":" + std::to_string(port) + path;
    request.keyword = keyword;
    request.timeout_seconds = timeout;
    engine.submit(std::move(request), [&](jetmon::check::CheckResult&& r) {
      // Error texts carry timings; group by code and the text's stable prefix.
      std::string key = r.success ? "ok"
                                  : "fail code=" + std::to_string(static_cast<int>(r.error_code)) +
                                        " http=" + std::to_string(r.http_code) + " " +
                                        r.error.substr(0, r.error.find(':'));
      std::lock_guard lock(mutex);
      ++outcomes[key];
      if (++done == count) all_done.notify_one();
    });
  }
  {
    std::unique_lock lock(mutex);
    all_done.wait(lock, [&] { return done == count; });
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const double cpu = cpu_seconds() - cpu_start;
  const bool clean = engine.stop(std::chrono::milliseconds(1000));
  std::printf(
      "BENCH scheme=%s count=%zu in_flight=%zu wall_s=%.2f checks_per_s=%.0f cpu_s=%.2f "
      "cpu_s_per_1000=%.3f checks_per_cpu_s=%.0f peak_rss_mb=%.1f clean_close=%d\n",
      scheme.c_str(), count, in_flight, wall, count / wall, cpu, cpu * 1000.0 / count,
      cpu > 0 ? count / cpu : 0.0, peak_rss_kb() / 1024.0, clean ? 1 : 0);
  std::size_t shown = 0;
  for (const auto& [key, n] : outcomes) {
    if (++shown > 6) {
      std::printf("  … %zu more kinds of outcome\n", outcomes.size() - 6);
      break;
    }
    std::printf("  %zu x %s\n", n, key.c_str());
  }
  return clean ? 0 : 1;
}

// Check-engine throughput: N checks of distinct loopback addresses (127.A.B.C, so no connection
// can be reused) with a ceiling of K in flight, against a fast local target (nginx; see
// bench/run_check_bench.sh). Prints one line of figures: checks/s, CPU seconds per 1,000 checks
// (user+sys of this process, i.e. the checker), checks/s per CPU-second, peak RSS, outcomes.
// With --silent-every N every Nth check asks the fixture for an answer after its timeout (a silent
// site) and an ANSWERED line gives the figures of the other checks up to the last of them; with
// --hold N that many silent checks are opened first (HOLD line) and stay open while the measured
// checks run.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>

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
  std::size_t silent_every = 0;
  std::size_t hold = 0;
  jetmon::check::EngineOptions options;
  long linger_floor_ms = options.linger_floor.count();
  const CLI::Range kCount(0L, 1'000'000'000L);  // unsigned options would wrap a "-1" around
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
  app.add_option("--silent-every", silent_every,
                 "every Nth check asks for a response that comes only after its timeout (0: none)")
      ->check(kCount);
  app.add_option("--hold", hold,
                 "before measuring, start this many checks (expect_slow) that are answered only after "
                 "their timeout, and keep them open while the measured checks run")
      ->check(kCount);
  app.add_option("--linger-factor", options.linger_factor, "EngineOptions::linger_factor")
      ->check(kCount);
  app.add_option("--linger-floor-ms", linger_floor_ms, "EngineOptions::linger_floor")
      ->check(kCount);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  options.max_in_flight = in_flight;
  options.linger_floor = std::chrono::milliseconds(linger_floor_ms);
  options.ca_file = ca_file;
  jetmon::check::Engine engine(options);

  // The fixture's /delay/<ms> answers after <ms>: 5 s after the timeout, so never in time.
  const auto silent_path = [](int timeout_seconds) {
    return "/delay/" + std::to_string((timeout_seconds + 5) * 1000);
  };
  constexpr int kHoldTimeoutSeconds = 600;  // outlasts any measured run; stop() cancels them
  const double hold_cpu_start = cpu_seconds();
  for (std::size_t i = 0; i < hold; ++i) {
    jetmon::check::CheckRequest request;
    request.blog_id = count + i + 1;
    request.url = scheme + "://" + loopback_address(count + i, distinct) + ":" + std::to_string(port) +
                  silent_path(kHoldTimeoutSeconds);
    request.timeout_seconds = kHoldTimeoutSeconds;
    request.expect_slow = true;
    engine.submit(std::move(request), [](jetmon::check::CheckResult&&) {});
  }
  while (hold > 0 && engine.stats().in_flight < hold) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Started is not yet connected: give the held checks time to connect and send their requests,
  // so the measured checks pay only for them being open.
  if (hold > 0) {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    std::printf("HOLD count=%zu cpu_s=%.3f cpu_us_per_check=%.1f\n", hold, cpu_seconds() - hold_cpu_start,
                (cpu_seconds() - hold_cpu_start) * 1e6 / static_cast<double>(hold));
  }

  std::mutex mutex;
  std::condition_variable all_done;
  std::size_t done = 0;
  std::size_t answered_done = 0;
  const std::size_t silent_count = silent_every == 0 ? 0 : count / silent_every;
  const std::size_t answered_count = count - silent_count;
  double answered_wall = 0;
  double answered_cpu = 0;
  std::map<std::string, std::size_t> outcomes;
  const double cpu_start = cpu_seconds();
  const auto wall_start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < count; ++i) {
    const bool silent = silent_every != 0 && (i + 1) % silent_every == 0;
    const std::string target_path = silent ? silent_path(timeout) : path;
    jetmon::check::CheckRequest request;
    request.blog_id = i + 1;
    request.url =
        scheme + "://" + loopback_address(i, distinct) + ":" + std::to_string(port) + target_path;
    request.keyword = keyword;
    request.timeout_seconds = timeout;
    engine.submit(std::move(request), [&, silent](jetmon::check::CheckResult&& r) {
      // Error texts carry timings; group by code and the text's stable prefix.
      std::string key = r.success ? "ok"
                                  : "fail code=" + std::to_string(static_cast<int>(r.error_code)) +
                                        " http=" + std::to_string(r.http_code) + " " +
                                        r.error.substr(0, r.error.find(':'));
      std::lock_guard lock(mutex);
      ++outcomes[key];
      if (!silent && ++answered_done == answered_count) {
        answered_wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
        answered_cpu = cpu_seconds() - cpu_start;
      }
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
  if (silent_count > 0 && answered_count > 0) {
    // The checks that were answered, up to the moment the last of them ended: what silent sites
    // cost everyone else.
    std::printf("ANSWERED count=%zu wall_s=%.2f checks_per_s=%.0f cpu_s=%.2f checks_per_cpu_s=%.0f\n",
                answered_count, answered_wall, answered_count / answered_wall, answered_cpu,
                answered_cpu > 0 ? answered_count / answered_cpu : 0.0);
  }
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

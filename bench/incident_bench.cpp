// Incident-path benchmark: opens and then recovers N incidents through the real IncidentTracker
// against a MariaDB server, and reports per incident: wall time, this process's CPU, the server's
// CPU (when --server-pid is given) and the statements the server saw (prepares, executes, commits).
//
//   incident_bench --db-port 28306 [--db-host 127.0.0.1] [--db-user root] [--incidents 5000]
//                  [--server-pid PID]
//
// It creates a throwaway database (jetmon_incident_bench_<pid>), migrates it, seeds the sites,
// and drops it at the end. Figures go to docs/benchmarks.md.
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "jetmon/check/check.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/db/migrations.hpp"
#include "jetmon/incident/tracker.hpp"

namespace {

using namespace std::chrono;
using jetmon::db::Connection;

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// utime + stime of another process, from /proc/<pid>/stat; 0 when unreadable.
double server_cpu_seconds(long pid) {
  if (pid <= 0) return 0;
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
    if (i == 15) break;
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::map<std::string, long long> server_counters(Connection& c) {
  std::map<std::string, long long> out;
  for (const auto& row : c.prepare(
           "SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_stmt_prepare','Com_stmt_execute',"
           "'Com_stmt_close','Com_commit','Questions')").query()) {
    out[row.get_string(0).value_or("")] = std::stoll(row.get_string(1).value_or("0"));
  }
  return out;
}

struct Phase {
  double wall_s = 0, cpu_s = 0, server_cpu_s = 0;
  std::map<std::string, long long> counters;
};

template <typename Fn>
Phase measure(Connection& status, long server_pid, Fn&& run) {
  const auto before = server_counters(status);
  const double cpu0 = process_cpu_seconds(), server0 = server_cpu_seconds(server_pid);
  const auto t0 = steady_clock::now();
  run();
  Phase p;
  p.wall_s = duration<double>(steady_clock::now() - t0).count();
  p.cpu_s = process_cpu_seconds() - cpu0;
  p.server_cpu_s = server_cpu_seconds(server_pid) - server0;
  for (const auto& [name, value] : server_counters(status)) p.counters[name] = value - before.at(name);
  return p;
}

void report(std::string_view name, const Phase& p, int n) {
  fmt::print("{:<10} n={} wall={:.2f}s ({:.0f} us/incident) cpu={:.2f}s ({:.0f} us/incident)", name, n,
             p.wall_s, p.wall_s * 1e6 / n, p.cpu_s, p.cpu_s * 1e6 / n);
  if (p.server_cpu_s > 0) fmt::print(" server_cpu={:.2f}s ({:.0f} us/incident)", p.server_cpu_s, p.server_cpu_s * 1e6 / n);
  fmt::print("\n          per incident:");
  for (const auto& [counter, value] : p.counters) fmt::print(" {}={:.2f}", counter, static_cast<double>(value) / n);
  fmt::print("\n");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Incident-path benchmark (IncidentTracker against MariaDB)", "incident_bench"};
  jetmon::db::ConnectOptions db;
  db.host = "127.0.0.1";
  db.database.clear();
  int incidents = 5000;
  long server_pid = 0;
  app.add_option("--db-host", db.host);
  app.add_option("--db-port", db.port)->required();
  app.add_option("--db-user", db.user);
  app.add_option("--db-password", db.password);
  app.add_option("--incidents", incidents)->check(CLI::Range(1, 1000000));
  app.add_option("--server-pid", server_pid, "mariadbd's pid, to report its CPU");
  int group = 1;
  app.add_option("--group", group, "results handed to the tracker at once (1: on_result one by one)")
      ->check(CLI::Range(1, 100000));
  CLI11_PARSE(app, argc, argv);

  const std::string name = fmt::format("jetmon_incident_bench_{}", getpid());
  try {
    Connection admin(db);
    admin.execute(fmt::format("CREATE DATABASE {}", name));
    db.database = name;
    Connection c(db);
    Connection status(db);
    jetmon::db::run_migrations(c, jetmon::db::embedded_migrations(), [](std::string_view) {});
    c.execute(fmt::format(
        "INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active) "
        "SELECT seq, seq % 1000, CONCAT('http://site-', seq, '.invalid/'), 1 FROM seq_1_to_{}",
        incidents));

    jetmon::incident::TrackerOptions options;
    options.hostname = "bench-host";
    options.settings.num_of_checks = 3;
    options.settings.time_between_checks = seconds{30};
    options.settings.projection_enabled = true;
    jetmon::incident::IncidentTracker tracker(options);

    const auto now = system_clock::now();
    auto site_of = [](int i) {
      jetmon::incident::SiteSnapshot s;
      s.blog_id = static_cast<std::uint64_t>(i);
      s.monitor_url = fmt::format("http://site-{}.invalid/", i);
      s.open_http_event_known = true;
      return s;
    };
    auto result_of = [&](int i, bool success) {
      jetmon::check::CheckResult r;
      r.blog_id = static_cast<std::uint64_t>(i);
      r.url = fmt::format("http://site-{}.invalid/", i);
      r.success = success;
      r.http_code = success ? 200 : 0;
      r.error_code = success ? jetmon::check::ErrorCode::none : jetmon::check::ErrorCode::timeout;
      r.failure_class = success ? jetmon::check::FailureClass::success : jetmon::check::FailureClass::intermittent;
      r.rtt_ms = 10;
      r.started_at = now;
      return r;
    };

    std::map<int, std::uint64_t> open_events;
    const Phase open = measure(status, server_pid, [&] {
      if (group == 1) {
        for (int i = 1; i <= incidents; ++i) tracker.on_result(c, site_of(i), result_of(i, false), now);
        return;
      }
      std::vector<jetmon::incident::SiteResult> batch;
      for (int i = 1; i <= incidents; ++i) {
        batch.push_back({site_of(i), result_of(i, false)});
        if (static_cast<int>(batch.size()) == group || i == incidents) {
          tracker.on_results(c, batch, now);
          batch.clear();
        }
      }
    });
    for (const auto& row : c.query("SELECT blog_id, id FROM jetmon_events WHERE ended_at IS NULL"))
      open_events[static_cast<int>(row.get_uint64(0).value_or(0))] = row.get_uint64(1).value_or(0);
    const Phase recover = measure(status, server_pid, [&] {
      std::vector<jetmon::incident::SiteResult> batch;
      for (int i = 1; i <= incidents; ++i) {
        auto site = site_of(i);
        site.open_http_event_id = open_events[i];
        if (group == 1) {
          tracker.on_result(c, site, result_of(i, true), now + seconds{1});
          continue;
        }
        batch.push_back({site, result_of(i, true)});
        if (static_cast<int>(batch.size()) == group || i == incidents) {
          tracker.on_results(c, batch, now + seconds{1});
          batch.clear();
        }
      }
    });
    const auto still_open = c.query_scalar("SELECT COUNT(*) FROM jetmon_events WHERE ended_at IS NULL")->as_int64().value_or(-1);
    report("open", open, incidents);
    report("recover", recover, incidents);
    fmt::print("events opened={} still open after recovery={}\n", open_events.size(), still_open);
    admin.execute(fmt::format("DROP DATABASE {}", name));
    return open_events.size() == static_cast<std::size_t>(incidents) && still_open == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "incident_bench: " << e.what() << "\n";
    try {
      Connection admin([&] { auto o = db; o.database.clear(); return o; }());
      admin.execute(fmt::format("DROP DATABASE IF EXISTS {}", name));
    } catch (...) {
    }
    return 1;
  }
}

// Delivery benchmark (docs/benchmarks.md): webhook deliveries per second with N pending rows to a
// local receiver, and the end-to-end delay from an inserted transition to the webhook request.
// Runs against the database named by DB_* (e.g. a scripts/mariadb.sh server); it migrates it and
// empties the delivery tables first.
//
//   delivery_bench [--rows 1000] [--webhooks 10] [--in-flight 8] [--delay-samples 20]

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

#include "jetmon/config/config.hpp"
#include "jetmon/db/migrations.hpp"
#include "jetmon/db/pool.hpp"
#include "jetmon/delivery/store.hpp"
#include "jetmon/delivery/webhook_sender.hpp"
#include "jetmon/delivery/workers.hpp"
#include "jetmon/ops/database.hpp"
#include "integration/delivery/delivery_support.hpp"

using namespace jetmon;
using Clock = std::chrono::steady_clock;

namespace {

std::int64_t scalar(db::Connection& c, const std::string& sql) {
  auto v = c.query_scalar(sql);
  return v && !v->is_null() ? v->as_int64().value_or(0) : 0;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"webhook delivery benchmark", "delivery_bench"};
  int rows = 1000;
  int webhooks = 10;
  int in_flight = 8;
  int samples = 20;
  app.add_option("--rows", rows, "pending rows for the throughput run");
  app.add_option("--webhooks", webhooks, "webhooks the rows are spread over (3 in flight each)");
  app.add_option("--in-flight", in_flight, "sender threads per family");
  app.add_option("--delay-samples", samples, "transitions for the end-to-end delay run");
  CLI11_PARSE(app, argc, argv);

  const auto settings = config::db_settings_from_env(config::process_environment());
  const db::ConnectOptions options = ops::connect_options(settings);
  db::Connection c(options);
  db::run_migrations(c, db::embedded_migrations(), [](std::string_view) {});
  for (const char* t : {"jetmon_webhooks", "jetmon_webhook_deliveries", "jetmon_webhook_dispatch_progress",
                        "jetmon_event_transitions"}) {
    c.execute(std::string("DELETE FROM ") + t);
  }
  test::HttpReceiver receiver;
  for (int i = 0; i < webhooks; ++i) {
    c.exec("INSERT INTO jetmon_webhooks (url, secret) VALUES (?, 'whsec_BENCH')",
           {receiver.url(fmt::format("/hook/{}", i))});
  }
  db::PoolOptions pool_options;
  pool_options.max_open = static_cast<std::size_t>(4 * in_flight + 6);
  db::Pool pool(options, pool_options);
  delivery::WebhookSender sender(pool);

  // 1. Throughput: `rows` pending rows already enqueued, senders only.
  delivery::dispatch_once(c, delivery::Family::webhook);  // the mark starts here
  const int transitions = (rows + webhooks - 1) / webhooks;
  for (int i = 0; i < transitions; ++i) {
    test::add_transition(c, static_cast<std::uint64_t>(i + 1));
  }
  while (delivery::dispatch_once(c, delivery::Family::webhook).transitions > 0) {
  }
  const std::int64_t pending = scalar(c, "SELECT COUNT(*) FROM jetmon_webhook_deliveries WHERE status='pending'");
  delivery::WorkerOptions wo;
  wo.max_in_flight = static_cast<std::size_t>(in_flight);
  wo.dispatch = false;
  {
    delivery::DeliveryWorkers workers(pool, &sender, nullptr, wo);
    const auto start = Clock::now();
    workers.start();
    while (scalar(c, "SELECT COUNT(*) FROM jetmon_webhook_deliveries WHERE status='delivered'") < pending) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    workers.stop();
    fmt::print("throughput: {} rows over {} webhooks, {} sender threads: {:.2f} s, {:.0f} deliveries/s\n", pending,
               webhooks, in_flight, secs, static_cast<double>(pending) / secs);
  }

  // 2. End-to-end delay: default 1 s ticks, one transition at a time, nothing else pending.
  c.execute("DELETE FROM jetmon_webhooks WHERE id > (SELECT * FROM (SELECT MIN(id) FROM jetmon_webhooks) m)");
  wo.dispatch = true;
  std::vector<double> delays_ms;
  {
    delivery::DeliveryWorkers workers(pool, &sender, nullptr, wo);
    workers.start();
    for (int i = 0; i < samples; ++i) {
      const std::size_t before = receiver.count();
      const auto start = Clock::now();
      test::add_transition(c, static_cast<std::uint64_t>(100000 + i));
      if (!receiver.wait_for(before + 1, std::chrono::seconds(30))) {
        std::cerr << "delivery_bench: no webhook within 30 s\n";
        return 1;
      }
      delays_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      std::this_thread::sleep_for(std::chrono::milliseconds(137 * (i % 7)));  // spread over the tick phase
    }
    workers.stop();
  }
  fmt::print("end-to-end delay over {} transitions: median {:.0f} ms, p95 {:.0f} ms, max {:.0f} ms\n",
             delays_ms.size(), percentile(delays_ms, 0.5), percentile(delays_ms, 0.95),
             percentile(delays_ms, 1.0));
  return 0;
}

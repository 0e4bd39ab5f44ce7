#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "support/http_receiver.hpp"
#include "jetmon/db/migrations.hpp"
#include "jetmon/db/pool.hpp"
#include "jetmon/health/probes.hpp"
#include "jetmon/metrics/statsd.hpp"
#include "jetmon/notify/wpcom.hpp"
#include "support/test_db.hpp"
#include "support/utc.hpp"

using namespace std::chrono_literals;
using jetmon::health::HealthEntry;

// The wpcom probe on a real notifier: green when idle, red with the queue depth once a failed
// send has opened the circuit.
TEST_CASE("health wpcom probe on a live notifier turns red when the circuit opens") {
  jetmon::test::TestDatabase tdb;
  jetmon::db::run_migrations(tdb.connection(), jetmon::db::embedded_migrations(), [](std::string_view) {});
  tdb.connection().execute(
      "INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active) "
      "VALUES (1, 0, 'https://site1.example/', 1), (2, 0, 'https://site2.example/', 1)");
  jetmon::db::Pool pool(tdb.options());
  jetmon::test::HttpReceiver stub;
  stub.always(503);

  jetmon::notify::NotifierOptions o;
  o.url = stub.url();
  o.auth_token = "token";
  o.host_id = "web-1";
  o.request_timeout = 5s;
  o.breaker_threshold = 1;
  o.breaker_open_for = 60s;  // stays open for the whole test
  jetmon::notify::WpcomNotifier notifier(pool, jetmon::metrics::null_sink(), o);
  const auto at = jetmon::test::utc(2026, 4, 30, 10, 42, 15);

  CHECK(jetmon::health::probe_wpcom(jetmon::health::wpcom_figures(&notifier), at) ==
        HealthEntry{"wpcom", "green", 0, "", at});

  notifier.start();
  for (std::uint64_t blog : {1u, 2u}) {
    jetmon::notify::Notice n;
    n.blog_id = blog;
    n.monitor_url = "https://site" + std::to_string(blog) + ".example/";
    n.last_check = at;
    n.last_status_change = at + 5s;
    n.status_type = "server";
    n.local = {"web-1", false, 1200, 503};
    notifier.submit(n);
  }
  REQUIRE(stub.wait_for(1, 10s));
  REQUIRE(notifier.wait_idle(10s));
  REQUIRE(notifier.wpcom_circuit_open());
  const auto depth = notifier.wpcom_queue_depth();
  REQUIRE(depth > 0);
  CHECK(jetmon::health::probe_wpcom(jetmon::health::wpcom_figures(&notifier), at) ==
        HealthEntry{"wpcom", "red", 0, "circuit open, queued notifications=" + std::to_string(depth), at});
  notifier.stop();
}

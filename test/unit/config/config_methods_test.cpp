#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "jetmon/config/config.hpp"

using jetmon::config::BucketRange;
using jetmon::config::Config;
using jetmon::config::Verifier;

TEST_CASE("config: pinned_range and bucket_ownership_label") {
  struct Row {
    std::optional<int> pinned_min, pinned_max, legacy_min, legacy_max;
    std::optional<BucketRange> range;
    const char* label;
  };
  const auto row = GENERATE(values<Row>({
      {{}, {}, {}, {}, std::nullopt, "dynamic jetmon_hosts"},
      {0, 99, {}, {}, BucketRange{0, 99}, "pinned range=0-99"},
      {{}, {}, 100, 199, BucketRange{100, 199}, "pinned range=100-199"},
      {5, 5, 5, 5, BucketRange{5, 5}, "pinned range=5-5"},
      // PINNED_* takes precedence (validation rejects differing pairs before this matters)
      {0, 9, 10, 19, BucketRange{0, 9}, "pinned range=0-9"},
      // half a pair is not a range
      {0, {}, {}, {}, std::nullopt, "dynamic jetmon_hosts"},
      {{}, 9, {}, {}, std::nullopt, "dynamic jetmon_hosts"},
      {{}, {}, {}, 9, std::nullopt, "dynamic jetmon_hosts"},
      {0, {}, 10, 19, BucketRange{10, 19}, "pinned range=10-19"},
  }));
  Config config;
  config.pinned_bucket_min = row.pinned_min;
  config.pinned_bucket_max = row.pinned_max;
  config.bucket_no_min = row.legacy_min;
  config.bucket_no_max = row.legacy_max;
  CHECK(config.pinned_range() == row.range);
  CHECK(config.bucket_ownership_label() == row.label);
}

TEST_CASE("config: effective_dashboard_bind_addr") {
  const auto [configured, effective] = GENERATE(table<std::string, std::string>({
      {"127.0.0.1", "127.0.0.1"},
      {"", "127.0.0.1"},
      {"   ", "127.0.0.1"},
      {"\t\n", "127.0.0.1"},
      {"0.0.0.0", "0.0.0.0"},
      {" 10.0.0.5 ", "10.0.0.5"},
      {"::1", "::1"},
  }));
  Config config;
  config.dashboard_bind_addr = configured;
  CHECK(config.effective_dashboard_bind_addr() == effective);
}

TEST_CASE("config: check_timeout_seconds") {
  const auto [net_comms_timeout, site_timeout, expected] = GENERATE(table<int, int, int>({
      {10, 0, 10},
      {10, 25, 25},
      {10, -1, 10},
      {7, 0, 7},
      {7, 1, 1},
      {0, 0, 10},
      {-3, 0, 10},
      {-3, 4, 4},
  }));
  Config config;
  config.net_comms_timeout = net_comms_timeout;
  CAPTURE(net_comms_timeout, site_timeout);
  CHECK(config.check_timeout_seconds(site_timeout) == expected);
}

TEST_CASE("config: email transport label and delivery") {
  const auto [transport, label, delivers] = GENERATE(table<std::string, std::string, bool>({
      {"stub", "stub", false},
      {"", "stub", false},
      {"smtp", "smtp", true},
      {"wpcom", "wpcom", true},
  }));
  Config config;
  config.email_transport = transport;
  CHECK(config.email_transport_label() == label);
  CHECK(config.email_transport_delivers() == delivers);
}

TEST_CASE("config: Veriflier port, address and display name") {
  const auto [verifier, index, port, address, display] =
      GENERATE(table<Verifier, std::size_t, std::string, std::string, std::string>({
          {Verifier{"east", "v1.example", "7803", "", "tok"}, 0, "7803", "v1.example:7803", "east"},
          {Verifier{"", "v2.example", "", "7804", ""}, 3, "7804", "v2.example:7804", "verifier #3"},
          {Verifier{"both", "h", "1", "2", ""}, 1, "1", "h:1", "both"},
          {Verifier{"", "h", "", "", ""}, 0, "", "h:", "verifier #0"},
      }));
  CHECK(verifier.effective_port() == port);
  CHECK(verifier.address() == address);
  CHECK(verifier.display_name(index) == display);
}

TEST_CASE("config: verifier_client_keys changes only with host, port or token") {
  Config config;
  config.verifiers = {Verifier{"a", "h1", "1", "", "t1"}, Verifier{"b", "h2", "", "2", "t2"}};
  CHECK(config.verifier_client_keys() == std::vector<std::string>{"h1:1|t1", "h2:2|t2"});

  Config renamed = config;
  renamed.verifiers[0].name = "renamed";
  CHECK(renamed.verifier_client_keys() == config.verifier_client_keys());

  Config retokened = config;
  retokened.verifiers[1].auth_token = "t3";
  CHECK(retokened.verifier_client_keys() != config.verifier_client_keys());

  Config reordered = config;
  std::swap(reordered.verifiers[0], reordered.verifiers[1]);
  CHECK(reordered.verifier_client_keys() != config.verifier_client_keys());
}

TEST_CASE("config: ConfigError prefixes") {
  using Stage = jetmon::config::ConfigError::Stage;
  const auto [stage, expected] = GENERATE(table<Stage, std::string>({
      {Stage::open, "open config: x"},
      {Stage::parse, "parse config: x"},
      {Stage::invalid, "invalid config: x"},
      {Stage::environment, "invalid environment: x"},
  }));
  const jetmon::config::ConfigError error(stage, "x");
  CHECK(std::string(error.what()) == expected);
  CHECK(error.detail() == "x");
  CHECK(error.stage() == stage);
}

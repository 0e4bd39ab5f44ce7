#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "jetmon/config/config.hpp"
#include "support/process.hpp"

using jetmon::config::Config;
using jetmon::config::ConfigError;
using jetmon::config::ConfigStore;

namespace {

std::string load_error(const std::string& path) {
  try {
    jetmon::config::load_file(path);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("config file: load_file reads and validates a file") {
  jetmon::test::TempDir dir;
  const auto path = dir.write_file("config.json", R"({"AUTH_TOKEN":"t","NUM_WORKERS":12})");
  const Config config = jetmon::config::load_file(path);
  CHECK(config.auth_token == "t");
  CHECK(config.num_workers == 12);
}

TEST_CASE("config file: load_file errors carry the stage prefix") {
  jetmon::test::TempDir dir;
  const auto missing = dir.path() + "/missing.json";
  CHECK(load_error(missing) == "open config: " + missing + ": No such file or directory");
  CHECK(load_error(dir.path()) == "open config: " + dir.path() + ": Is a directory");
  CHECK(load_error(dir.write_file("empty.json", "")) ==
        "parse config: The document is empty at line 1 column 1");
  CHECK(load_error(dir.write_file("array.json", "[]")) ==
        "parse config: top level must be a JSON object, got array");
  CHECK(load_error(dir.write_file("broken.json", "{\n\"AUTH_TOKEN\": \"t\"\n\"X\": 1\n}")) ==
        "parse config: Missing a comma or '}' after an object member at line 3 column 1");
  CHECK(load_error(dir.write_file("invalid.json", "{}")) == "invalid config: AUTH_TOKEN is required");
}

TEST_CASE("config file: an unreadable file is an open error") {
  if (::geteuid() == 0) {
    WARN("skipped: root can read any file");
    return;
  }
  jetmon::test::TempDir dir;
  const auto path = dir.write_file("secret.json", R"({"AUTH_TOKEN":"t"})");
  REQUIRE(::chmod(path.c_str(), 0) == 0);
  CHECK(load_error(path) == "open config: " + path + ": Permission denied");
}

TEST_CASE("config file: an endless file is refused instead of read into memory") {
  const auto message = load_error("/dev/zero");
  CHECK(message.starts_with("open config: /dev/zero: file is larger than "));
}

TEST_CASE("config store: current returns the initial snapshot") {
  auto initial = std::make_shared<const Config>(jetmon::config::parse(R"({"AUTH_TOKEN":"a"})"));
  ConfigStore store(initial);
  CHECK(store.current() == initial);
  CHECK_THROWS_AS(ConfigStore(nullptr), std::invalid_argument);
}

TEST_CASE("config store: a successful reload swaps the snapshot") {
  jetmon::test::TempDir dir;
  const auto path = dir.write_file("config.json", R"({"AUTH_TOKEN":"a","NUM_WORKERS":10})");
  ConfigStore store(std::make_shared<const Config>(jetmon::config::load_file(path)));
  const auto before = store.current();

  dir.write_file("config.json", R"({"AUTH_TOKEN":"a","NUM_WORKERS":20})");
  CHECK(store.reload(path) == std::nullopt);
  const auto after = store.current();
  CHECK(after != before);
  CHECK(after->num_workers == 20);
  // A reader that kept the old snapshot still sees a consistent old config.
  CHECK(before->num_workers == 10);
}

TEST_CASE("config store: a failed reload keeps the previous snapshot and returns the error") {
  const auto [content, expected] = GENERATE(table<std::string, std::string>({
      {R"({"AUTH_TOKEN":"a","NUM_WORKERS":"60"})",
       "parse config: NUM_WORKERS: expected integer, got string"},
      {R"({"AUTH_TOKEN":"a","VERIFIERS":[{"host":"h","port":7803}]})",
       "parse config: VERIFIERS[0].port: expected string, got number"},
      {R"({"NUM_WORKERS":5})", "invalid config: AUTH_TOKEN is required"},
      {"{", "parse config: Missing a name for object member at line 1 column 2"},
  }));
  jetmon::test::TempDir dir;
  const auto path = dir.write_file("config.json", R"({"AUTH_TOKEN":"a","NUM_WORKERS":10})");
  ConfigStore store(std::make_shared<const Config>(jetmon::config::load_file(path)));
  const auto before = store.current();

  dir.write_file("config.json", content);
  CHECK(store.reload(path) == std::optional<std::string>(expected));
  CHECK(store.current() == before);
  CHECK(store.current()->num_workers == 10);
}

TEST_CASE("config store: reloading a missing file keeps the previous snapshot") {
  jetmon::test::TempDir dir;
  auto initial = std::make_shared<const Config>(jetmon::config::parse(R"({"AUTH_TOKEN":"a"})"));
  ConfigStore store(initial);
  const auto missing = dir.path() + "/gone.json";
  CHECK(store.reload(missing) ==
        std::optional<std::string>("open config: " + missing + ": No such file or directory"));
  CHECK(store.current() == initial);
}

TEST_CASE("config store: concurrent readers always see a complete snapshot") {
  jetmon::test::TempDir dir;
  const auto path_a = dir.write_file("a.json", R"({"AUTH_TOKEN":"a","NUM_WORKERS":1,"DATASET_SIZE":1})");
  const auto path_b = dir.write_file("b.json", R"({"AUTH_TOKEN":"b","NUM_WORKERS":2,"DATASET_SIZE":2})");
  ConfigStore store(std::make_shared<const Config>(jetmon::config::load_file(path_a)));

  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        const auto snapshot = store.current();
        if (snapshot->num_workers != snapshot->dataset_size) ++torn;
      }
    });
  }
  for (int i = 0; i < 200; ++i) REQUIRE(store.reload(i % 2 == 0 ? path_b : path_a) == std::nullopt);
  stop = true;
  for (auto& reader : readers) reader.join();
  CHECK(torn.load() == 0);
}

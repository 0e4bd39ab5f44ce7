#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "jetmon/config/config.hpp"

using jetmon::config::ConfigError;
using jetmon::config::DbSettings;
using jetmon::config::environment_from;

TEST_CASE("config env: JETMON_CONFIG selects the config path") {
  const auto [value, expected] = GENERATE(table<std::string, std::string>({
      {"/opt/jetmon2/config/config.json", "/opt/jetmon2/config/config.json"},
      {"relative/x.json", "relative/x.json"},
      {"", "config/config.json"},  // empty counts as unset
  }));
  CHECK(jetmon::config::config_path_from_env(environment_from({{"JETMON_CONFIG", value}})) ==
        expected);
}

TEST_CASE("config env: defaults when nothing is set") {
  const auto env = environment_from({});
  CHECK(jetmon::config::config_path_from_env(env) == "config/config.json");
  CHECK(jetmon::config::pid_file_path_from_env(env) == "/run/jetmon2/jetmon2.pid");
  CHECK(jetmon::config::db_settings_from_env(env) ==
        DbSettings{"localhost", 3306, "root", "", "jetmon_db"});
  // An empty Environment function behaves like an empty environment.
  CHECK(jetmon::config::db_settings_from_env(jetmon::config::Environment{}) == DbSettings{});
  CHECK(jetmon::config::config_path_from_env(jetmon::config::Environment{}) ==
        "config/config.json");
}

TEST_CASE("config env: JETMON_PID_FILE overrides the PID file path") {
  CHECK(jetmon::config::pid_file_path_from_env(
            environment_from({{"JETMON_PID_FILE", "/tmp/j.pid"}})) == "/tmp/j.pid");
}

TEST_CASE("config env: DB_* variables override the defaults one by one") {
  struct Row {
    const char* name;
    const char* value;
    DbSettings expected;
  };
  const auto row = GENERATE(values<Row>({
      {"DB_HOST", "db.internal", DbSettings{"db.internal", 3306, "root", "", "jetmon_db"}},
      {"DB_PORT", "3307", DbSettings{"localhost", 3307, "root", "", "jetmon_db"}},
      {"DB_PORT", " 3307 ", DbSettings{"localhost", 3307, "root", "", "jetmon_db"}},
      {"DB_PORT", "1", DbSettings{"localhost", 1, "root", "", "jetmon_db"}},
      {"DB_PORT", "65535", DbSettings{"localhost", 65535, "root", "", "jetmon_db"}},
      {"DB_USER", "jetmon", DbSettings{"localhost", 3306, "jetmon", "", "jetmon_db"}},
      {"DB_PASSWORD", "s3cret", DbSettings{"localhost", 3306, "root", "s3cret", "jetmon_db"}},
      {"DB_NAME", "jetmon_test", DbSettings{"localhost", 3306, "root", "", "jetmon_test"}},
      // empty values count as unset
      {"DB_HOST", "", DbSettings{}},
      {"DB_PORT", "", DbSettings{}},
      {"DB_USER", "", DbSettings{}},
      {"DB_PASSWORD", "", DbSettings{}},
      {"DB_NAME", "", DbSettings{}},
  }));
  CAPTURE(row.name, row.value);
  CHECK(jetmon::config::db_settings_from_env(environment_from({{row.name, row.value}})) ==
        row.expected);
}

TEST_CASE("config env: all DB_* variables together") {
  const auto env = environment_from({{"DB_HOST", "h"},
                                     {"DB_PORT", "13306"},
                                     {"DB_USER", "u"},
                                     {"DB_PASSWORD", "p"},
                                     {"DB_NAME", "n"},
                                     {"UNRELATED", "x"}});
  CHECK(jetmon::config::db_settings_from_env(env) == DbSettings{"h", 13306, "u", "p", "n"});
}

TEST_CASE("config env: a bad DB_PORT is an error naming DB_PORT") {
  const auto [value, shown] = GENERATE(table<std::string, std::string>({
      {"abc", "\"abc\""},
      {"0", "\"0\""},
      {"65536", "\"65536\""},
      {"-1", "\"-1\""},
      {"+3306", "\"+3306\""},
      {"3306x", "\"3306x\""},
      {"33 06", "\"33 06\""},
      {"99999999999999999999", "\"99999999999999999999\""},
      {"3306.0", "\"3306.0\""},
      {" ", "\" \""},
      {"\n", "\"\\n\""},
  }));
  CAPTURE(value);
  try {
    jetmon::config::db_settings_from_env(environment_from({{"DB_PORT", value}}));
    FAIL("no error for DB_PORT=" << value);
  } catch (const ConfigError& error) {
    CHECK(error.stage() == ConfigError::Stage::environment);
    CHECK(std::string(error.what()) ==
          "invalid environment: DB_PORT must be a port number between 1 and 65535, got " + shown);
  }
}

TEST_CASE("config env: process_environment reads the real environment, empty is unset") {
  const auto env = jetmon::config::process_environment();
  ::setenv("JETMON_CONFIG_TEST_SET", "value", 1);
  ::setenv("JETMON_CONFIG_TEST_EMPTY", "", 1);
  ::unsetenv("JETMON_CONFIG_TEST_UNSET");
  CHECK(env("JETMON_CONFIG_TEST_SET") == std::optional<std::string>("value"));
  CHECK(env("JETMON_CONFIG_TEST_EMPTY") == std::nullopt);
  CHECK(env("JETMON_CONFIG_TEST_UNSET") == std::nullopt);
  ::unsetenv("JETMON_CONFIG_TEST_SET");
  ::unsetenv("JETMON_CONFIG_TEST_EMPTY");
}

TEST_CASE("config env: a custom Environment returning an empty string counts as unset") {
  const jetmon::config::Environment env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "DB_NAME") return std::string();
    if (name == "DB_HOST") return std::string("custom");
    return std::nullopt;
  };
  CHECK(jetmon::config::db_settings_from_env(env) ==
        DbSettings{"custom", 3306, "root", "", "jetmon_db"});
}

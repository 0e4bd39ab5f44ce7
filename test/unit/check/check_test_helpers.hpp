#pragma once

#include <chrono>
#include <string>

#include "jetmon/check/engine.hpp"
#include "support/process.hpp"
#include "support/test_certs.hpp"

// Shared by the check engine tests: the test CA as a file for EngineOptions::ca_file.
namespace jetmon::test {

inline const std::string& test_ca_file() {
  static const TempDir dir;
  static const std::string path = dir.write_file("test-ca.pem", TestCerts::shared().ca_pem());
  return path;
}

inline check::EngineOptions test_engine_options(std::size_t max_in_flight = 60) {
  check::EngineOptions options;
  options.max_in_flight = max_in_flight;
  options.ca_file = test_ca_file();
  return options;
}

// Upper bounds on durations only prove "no hang": they get this much room for a loaded machine
// (sanitizer builds, parallel ctest), so they never turn into timed assertions.
inline constexpr std::chrono::milliseconds kSchedulingSlack{3000};

inline std::chrono::milliseconds elapsed_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

}  // namespace jetmon::test

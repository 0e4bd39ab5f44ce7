#pragma once

// For tests that run `jetmon2` with its dashboard: a free low port for DASHBOARD_PORT and a GET
// that gives the body of a 200 answer (empty otherwise, or when nothing answers).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include "unit/veriflier/veriflier_test_helpers.hpp"

namespace jetmon::test {

// A free loopback port below the ephemeral range (so no outgoing connection can take it first).
inline int free_low_port() {
  for (int offset = 0; offset < 4000; ++offset) {
    const int port = 24000 + (static_cast<int>(::getpid()) * 7 + offset) % 4000;
    Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr = loopback(port);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return port;
  }
  throw std::runtime_error("no free port in 24000-27999");
}

inline std::string dashboard_get(int port, const std::string& path) {
  try {
    const auto r =
        raw_http(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    return r.status == 200 ? r.body : std::string();
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace jetmon::test

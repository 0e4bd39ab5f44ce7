#include "jetmon/dashboard/http_get.hpp"

#include <httplib.h>

#include <fmt/format.h>

namespace jetmon::dashboard {

GetResult http_get(const std::string& host, int port, const std::string& path, const GetTimeouts& timeouts,
                   std::size_t max_body) {
  GetResult out;
  httplib::Client client(fmt::format("http://{}:{}", host, port));
  client.set_connection_timeout(timeouts.connect);
  client.set_read_timeout(timeouts.read);
  client.set_write_timeout(timeouts.write);
  const httplib::Result result = client.Get(path, [&](const char* data, std::size_t length) {
    if (out.body.size() + length > max_body) {
      out.too_large = true;
      return false;
    }
    out.body.append(data, length);
    return true;
  });
  if (out.too_large) return out;
  if (!result) {
    out.error = httplib::to_string(result.error());
    return out;
  }
  out.status = result->status;
  return out;
}

}  // namespace jetmon::dashboard

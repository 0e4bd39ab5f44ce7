#include "jetmon/metrics/statsd.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "jetmon/common/log.hpp"
#include "jetmon/common/text.hpp"

namespace jetmon::metrics {

// ---- Sink -----------------------------------------------------------------------------------------

void Sink::timing_since(std::string_view name, std::chrono::system_clock::time_point start,
                        std::chrono::system_clock::time_point now) {
  if (start == std::chrono::system_clock::time_point{}) return;  // zero start: skipped
  if (now < start) return;                                      // negative duration: skipped
  timing(name, std::chrono::duration_cast<std::chrono::milliseconds>(now - start));
}

Sink& null_sink() {
  static NullSink sink;
  return sink;
}

void RecordingSink::count(std::string_view name, std::int64_t value) {
  add(fmt::format("{}:{}|c", name, value));
}
void RecordingSink::gauge(std::string_view name, std::int64_t value) {
  add(fmt::format("{}:{}|g", name, value));
}
void RecordingSink::timing(std::string_view name, std::chrono::milliseconds duration) {
  if (duration.count() < 0) return;
  add(fmt::format("{}:{}|ms", name, duration.count()));
}

void RecordingSink::add(std::string line) {
  std::lock_guard lock(mutex_);
  lines_.push_back(std::move(line));
}

std::vector<std::string> RecordingSink::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

std::int64_t RecordingSink::counter(std::string_view name) const {
  std::lock_guard lock(mutex_);
  std::int64_t total = 0;
  for (const auto& line : lines_) {
    if (line.size() <= name.size() + 3 || line.compare(0, name.size(), name) != 0 ||
        line[name.size()] != ':' || line.compare(line.size() - 2, 2, "|c") != 0)
      continue;
    const std::string value = line.substr(name.size() + 1, line.size() - name.size() - 3);
    try {
      total += std::stoll(value);
    } catch (...) {
    }
  }
  return total;
}

void RecordingSink::clear() {
  std::lock_guard lock(mutex_);
  lines_.clear();
}

// ---- names ----------------------------------------------------------------------------------------

std::string statsd_prefix(std::string_view hostname) {
  std::string host(hostname.empty() ? std::string_view("unknown") : hostname);
  for (char& c : host)
    if (c == '.' || c == '-') c = '_';
  return "com.jetpack.jetmon." + host;
}

std::string veriflier_segment(std::string_view host_port) {
  std::string out;
  bool in_run = false;
  for (char raw : host_port) {
    char c = raw;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(c);
      in_run = false;
    } else if (!in_run) {
      out.push_back('_');
      in_run = true;
    }
  }
  const auto first = out.find_first_not_of('_');
  if (first == std::string::npos) return "unknown";
  const auto last = out.find_last_not_of('_');
  return out.substr(first, last - first + 1);
}

std::string_view class_segment(check::FailureClass failure_class) {
  return check::failure_class_name(failure_class);
}

std::string_view status_segment(int status_id) {
  switch (status_id) {
    case 0: return "down";
    case 1: return "running";
    case 2: return "confirmed_down";
    default: return "unknown";
  }
}

std::string with_placeholder(std::string_view pattern, std::string_view placeholder,
                             std::string_view value) {
  std::string out;
  if (placeholder.empty()) return std::string(pattern);
  std::size_t pos = 0;
  while (true) {
    const auto hit = pattern.find(placeholder, pos);
    if (hit == std::string_view::npos) break;
    out.append(pattern.substr(pos, hit - pos));
    out.append(value);
    pos = hit + placeholder.size();
  }
  out.append(pattern.substr(pos));
  return out;
}

std::string format_datagram(std::string_view prefix, std::string_view name, std::int64_t value,
                            std::string_view type) {
  std::string out;
  out.reserve(prefix.size() + name.size() + type.size() + 24);
  out.append(prefix);
  out.push_back('.');
  for (char c : name) {
    if (c == ':' || c == '|' || c == '\n' || c == '\r' || c == '\0') c = '_';
    out.push_back(c);
  }
  out.push_back(':');
  out.append(fmt::format("{}", value));
  out.push_back('|');
  out.append(type);
  out.push_back('\n');
  return out;
}

// ---- client ---------------------------------------------------------------------------------------

namespace {

// Splits "host:port" / "[v6]:port". Returns false for a malformed address.
bool split_host_port(std::string_view address, std::string& host, std::string& port,
                     std::string& error) {
  if (!address.empty() && address.front() == '[') {
    const auto close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() || address[close + 1] != ':') {
      error = "missing port in address";
      return false;
    }
    host = std::string(address.substr(1, close - 1));
    port = std::string(address.substr(close + 2));
  } else {
    const auto colon = address.rfind(':');
    if (colon == std::string_view::npos) {
      error = "missing port in address";
      return false;
    }
    if (address.substr(0, colon).find(':') != std::string_view::npos) {
      error = "too many colons in address";
      return false;
    }
    host = std::string(address.substr(0, colon));
    port = std::string(address.substr(colon + 1));
  }
  if (port.empty()) {
    error = "missing port in address";
    return false;
  }
  return true;
}

struct AddrInfoDeleter {
  void operator()(addrinfo* ai) const { freeaddrinfo(ai); }
};

}  // namespace

StatsdClient::StatsdClient(std::string_view address, std::string_view hostname)
    : address_(trim(address).empty() ? std::string("statsd:8125") : std::string(trim(address))),
      prefix_(statsd_prefix(hostname)) {
  std::string host, port;
  if (!split_host_port(address_, host, port, error_)) {
    log::warn("statsd: client not created for {}: {}; no metrics and no stats files", address_, error_);
    return;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_protocol = IPPROTO_UDP;
  addrinfo* raw = nullptr;
  const int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &raw);
  std::unique_ptr<addrinfo, AddrInfoDeleter> list(raw);
  if (rc != 0) {
    error_ = fmt::format("resolve {}: {}", host.empty() ? std::string("localhost") : host,
                         rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc));
    log::warn("statsd: client not created for {}: {}; no metrics and no stats files", address_, error_);
    return;
  }
  for (addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      error_ = fmt::format("socket: {}", std::strerror(errno));
      continue;
    }
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      error_ = fmt::format("connect: {}", std::strerror(errno));
      ::close(fd);
      continue;
    }
    fd_ = fd;
    error_.clear();
    return;
  }
  if (error_.empty()) error_ = "no usable address";
  log::warn("statsd: client not created for {}: {}; no metrics and no stats files", address_, error_);
}

StatsdClient::~StatsdClient() {
  if (fd_ >= 0) ::close(fd_);
}

void StatsdClient::count(std::string_view name, std::int64_t value) { send(name, value, "c"); }
void StatsdClient::gauge(std::string_view name, std::int64_t value) { send(name, value, "g"); }
void StatsdClient::timing(std::string_view name, std::chrono::milliseconds duration) {
  if (duration.count() < 0) return;
  send(name, duration.count(), "ms");
}

void StatsdClient::send(std::string_view name, std::int64_t value, std::string_view type) {
  if (fd_ < 0) return;
  try {
    const std::string datagram = format_datagram(prefix_, name, value, type);
    // One datagram per metric; a full buffer (EAGAIN), an ICMP refusal from an earlier send
    // (ECONNREFUSED) or anything else drops this metric only.
    const ssize_t n = ::send(fd_, datagram.data(), datagram.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(datagram.size())) {
      sent_.fetch_add(1, std::memory_order_relaxed);
    } else {
      dropped_.fetch_add(1, std::memory_order_relaxed);
    }
  } catch (...) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
  }
}

ProbeResult probe_statsd(const StatsdClient* client) {
  if (client == nullptr || !client->available()) return {"amber", "statsd client is not initialized"};
  return {"green", ""};
}

// ---- stats files ----------------------------------------------------------------------------------

namespace {

struct FdCloser {
  int fd = -1;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::optional<std::string> write_integer_file(const std::filesystem::path& path, std::int64_t value) {
  const std::string content = fmt::format("{}\n", value);
  std::filesystem::path tmp = path;
  tmp += fmt::format(".tmp.{}", static_cast<long>(::getpid()));
  FdCloser file{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  if (file.fd < 0) return fmt::format("open {}: {}", tmp.string(), std::strerror(errno));
  auto fail = [&](std::string what) {
    const int saved = errno;
    ::close(file.fd);
    file.fd = -1;
    ::unlink(tmp.c_str());
    return fmt::format("{} {}: {}", what, path.string(), std::strerror(saved));
  };
  // The mode is 0644 whatever the umask says.
  if (::fchmod(file.fd, 0644) != 0) return fail("chmod");
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(file.fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(file.fd) != 0) {
    file.fd = -1;
    const int saved = errno;
    ::unlink(tmp.c_str());
    return fmt::format("close {}: {}", path.string(), std::strerror(saved));
  }
  file.fd = -1;
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    return fmt::format("rename {}: {}", path.string(), std::strerror(saved));
  }
  return std::nullopt;
}

std::optional<std::string> write_stats_files(const StatsFileValues& values,
                                             const std::filesystem::path& dir) {
  std::optional<std::string> first_error;
  const std::pair<const char*, std::int64_t> files[] = {
      {"sitespersec", values.sites_per_sec}, {"sitesqueue", values.sites_queue}, {"totals", values.totals}};
  for (const auto& [name, value] : files) {
    auto err = write_integer_file(dir / name, value);
    if (err && !first_error) first_error = std::move(err);
  }
  return first_error;
}

bool write_stats_files_if_statsd_up(const StatsdClient* client, const StatsFileValues& values,
                                    const std::filesystem::path& dir) {
  if (client == nullptr || !client->available()) return false;
  try {
    if (auto err = write_stats_files(values, dir)) {
      log::warn("stats files: {}", *err);
      return false;
    }
    return true;
  } catch (const std::exception& e) {
    log::warn("stats files: {}", e.what());
    return false;
  }
}

}  // namespace jetmon::metrics

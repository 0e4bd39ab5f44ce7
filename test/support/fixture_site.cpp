#include "support/fixture_site.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "support/test_certs.hpp"

namespace jetmon::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kMaxRequestHead = 64 * 1024;
constexpr std::size_t kMaxRecordedHeads = 256;
constexpr std::uint64_t kEndlessByteCap = 256ull * 1024 * 1024;
constexpr auto kEndlessTimeCap = std::chrono::seconds(30);

struct SslCtxFree {
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
};
struct SslFree {
  void operator()(SSL* p) const { SSL_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

// Closes a descriptor it owns unless released.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

void raise_max(std::atomic<std::size_t>& max, std::size_t value) {
  std::size_t seen = max.load();
  while (value > seen && !max.compare_exchange_weak(seen, value)) {
  }
}

CertKind cert_kind_of(SiteTls mode) {
  switch (mode) {
    case SiteTls::expired: return CertKind::expired;
    case SiteTls::not_yet_valid: return CertKind::not_yet_valid;
    case SiteTls::wrong_host: return CertKind::wrong_host;
    case SiteTls::self_signed: return CertKind::self_signed;
    default: return CertKind::valid;
  }
}

// Filler that contains none of the words the tests look for.
const std::string& filler() {
  static const std::string text = [] {
    std::string s;
    while (s.size() < 16 * 1024) s += "lorem ipsum dolor sit amet ";
    s.resize(16 * 1024);
    return s;
  }();
  return text;
}

}  // namespace

std::string gzip_compress(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const auto written = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
  out.resize(written);
  return out;
}

struct FixtureSite::TlsContext {
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx;
};

struct FixtureSite::Connection {
  int fd = -1;  // guarded by FixtureSite::mutex_; -1 once closed
  std::unique_ptr<SSL, SslFree> ssl;
  bool waiting = true;  // accepted and not answered yet (counted in waiting_)
  std::thread thread;
  std::atomic<bool> done{false};

  // Both return false on error or end of stream.
  long read_some(char* buf, std::size_t n) {
    if (ssl) return SSL_read(ssl.get(), buf, static_cast<int>(n));
    ssize_t got;
    do {
      got = ::recv(fd, buf, n, 0);
    } while (got < 0 && errno == EINTR);
    return static_cast<long>(got);
  }
  bool write_all(std::string_view data) {
    while (!data.empty()) {
      if (ssl) {
        const int n = SSL_write(ssl.get(), data.data(), static_cast<int>(data.size()));
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
      } else {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
      }
    }
    return true;
  }
};

FixtureSite::FixtureSite(SiteBehaviour default_behaviour, SiteTls tls)
    : tls_mode_(tls), default_behaviour_(std::move(default_behaviour)) {
  if (tls != SiteTls::none) {
    const CertPem& pem = TestCerts::shared().leaf(cert_kind_of(tls));
    tls_ = std::make_unique<TlsContext>();
    tls_->ctx.reset(SSL_CTX_new(TLS_server_method()));
    if (!tls_->ctx) throw std::runtime_error("fixture: SSL_CTX_new failed");
    std::unique_ptr<BIO, BioFree> cert_bio(BIO_new_mem_buf(pem.cert.data(), static_cast<int>(pem.cert.size())));
    std::unique_ptr<BIO, BioFree> key_bio(BIO_new_mem_buf(pem.key.data(), static_cast<int>(pem.key.size())));
    std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
    std::unique_ptr<EVP_PKEY, PkeyFree> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
    SSL_CTX* ctx = tls_->ctx.get();
    if (tls == SiteTls::tls11_only) {
      // OpenSSL 3 refuses TLS 1.1 above security level 0.
      SSL_CTX_set_security_level(ctx, 0);
      SSL_CTX_set_min_proto_version(ctx, TLS1_1_VERSION);
      SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
    }
    if (!cert || !key || SSL_CTX_use_certificate(ctx, cert.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) {
      throw std::runtime_error("fixture: cannot load the test certificate");
    }
  }

  Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (listener.get() < 0) throw std::runtime_error("fixture: socket failed");
  const int one = 1;
  setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener.get(), 512) != 0) {
    throw std::runtime_error(std::string("fixture: bind/listen failed: ") + std::strerror(errno));
  }
  socklen_t len = sizeof addr;
  if (::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("fixture: getsockname failed");
  }
  port_ = ntohs(addr.sin_port);
  Fd wake(::eventfd(0, EFD_CLOEXEC));
  if (wake.get() < 0) throw std::runtime_error("fixture: eventfd failed");

  // Writing to a peer that went away raises SIGPIPE in the writing thread (OpenSSL's socket
  // BIO uses write()). The server threads inherit a mask that blocks it; a pending SIGPIPE dies
  // with its thread.
  sigset_t block, previous;
  sigemptyset(&block);
  sigaddset(&block, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &block, &previous);
  listen_fd_ = listener.release();
  wake_fd_ = wake.release();
  try {
    acceptor_ = std::thread([this] { accept_loop(); });
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    ::close(listen_fd_);
    ::close(wake_fd_);
    throw;
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

FixtureSite::~FixtureSite() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  acceptor_.join();
  {
    // Unblocks every read, write and TLS handshake in progress.
    std::lock_guard lock(mutex_);
    for (auto& c : connections_) {
      if (c->fd >= 0) ::shutdown(c->fd, SHUT_RDWR);
    }
  }
  for (auto& c : connections_) c->thread.join();
  ::close(listen_fd_);
  ::close(wake_fd_);
}

void FixtureSite::route(std::string path, SiteBehaviour behaviour) {
  std::lock_guard lock(mutex_);
  routes_[std::move(path)] = std::move(behaviour);
}

std::string FixtureSite::url(std::string_view path) const {
  return std::string(tls_mode_ == SiteTls::none ? "http" : "https") + "://127.0.0.1:" +
         std::to_string(port_) + std::string(path);
}

std::vector<std::string> FixtureSite::request_heads() const {
  std::lock_guard lock(mutex_);
  return {heads_.begin(), heads_.end()};
}

std::vector<std::string> FixtureSite::request_paths() const {
  std::vector<std::string> paths;
  for (const std::string& head : request_heads()) {
    const auto from = head.find(' ') + 1;
    paths.push_back(head.substr(from, head.find(' ', from) - from));
  }
  return paths;
}

bool FixtureSite::pause(milliseconds duration) {
  std::unique_lock lock(mutex_);
  return !stop_cv_.wait_for(lock, duration, [this] { return stopping_; });
}

bool FixtureSite::hold(Connection& conn, milliseconds duration) {
  // Waits on the socket so a client that gives up is noticed at once; the destructor's
  // shutdown() of the socket ends the wait too.
  const auto until = Clock::now() + duration;
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now()).count();
    if (left <= 0) return true;
    pollfd p{conn.fd, POLLRDHUP, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 100)));
    if (n > 0) return false;  // peer closed (POLLRDHUP/POLLHUP/POLLERR)
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
  }
}

void FixtureSite::reap_finished() {
  std::list<std::unique_ptr<Connection>> finished;
  {
    std::lock_guard lock(mutex_);
    for (auto it = connections_.begin(); it != connections_.end();) {
      if ((*it)->done.load()) {
        finished.splice(finished.end(), connections_, it++);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : finished) c->thread.join();
}

void FixtureSite::accept_loop() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) pause(milliseconds(10));
      continue;
    }
    accepted_.fetch_add(1);
    open_.fetch_add(1);
    raise_max(max_waiting_, waiting_.fetch_add(1) + 1);
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    auto conn = std::make_unique<Connection>();
    Connection* c = conn.get();
    {
      std::lock_guard lock(mutex_);
      if (stopping_) {
        ::close(fd);
        waiting_.fetch_sub(1);
        open_.fetch_sub(1);
        return;
      }
      c->fd = fd;
      connections_.push_back(std::move(conn));
    }
    c->thread = std::thread([this, c] {
      serve(*c);
      int fd_to_close;
      {
        std::lock_guard lock(mutex_);
        fd_to_close = std::exchange(c->fd, -1);
      }
      if (c->ssl) {
        SSL_shutdown(c->ssl.get());
        c->ssl.reset();
      }
      if (fd_to_close >= 0) ::close(fd_to_close);
      if (c->waiting) waiting_.fetch_sub(1);
      open_.fetch_sub(1);
      c->done.store(true);
    });
    reap_finished();
  }
}

void FixtureSite::serve(Connection& conn) {
  SiteBehaviour behaviour;
  {
    std::lock_guard lock(mutex_);
    behaviour = default_behaviour_;
  }
  if (behaviour.action == SiteAction::reset_after_accept) {
    // A zero linger time makes close() send RST instead of FIN.
    const linger hard{1, 0};
    setsockopt(conn.fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    return;
  }
  if (tls_) {
    conn.ssl.reset(SSL_new(tls_->ctx.get()));
    if (!conn.ssl || SSL_set_fd(conn.ssl.get(), conn.fd) != 1 || SSL_accept(conn.ssl.get()) != 1) {
      conn.ssl.reset();  // handshake refused by the client: nothing to shut down
      return;
    }
  }

  // The request head, bounded.
  std::string head;
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < kMaxRequestHead) {
    const long n = conn.read_some(buf, sizeof buf);
    if (n <= 0) return;
    head.append(buf, static_cast<std::size_t>(n));
  }
  if (const auto end = head.find("\r\n\r\n"); end != std::string::npos) head.resize(end + 4);

  // "GET /path?query HTTP/1.1"
  std::string path = "/";
  if (const auto sp1 = head.find(' '); sp1 != std::string::npos) {
    const auto sp2 = head.find(' ', sp1 + 1);
    if (sp2 != std::string::npos) path = head.substr(sp1 + 1, sp2 - sp1 - 1);
  }
  if (const auto q = path.find('?'); q != std::string::npos) path.resize(q);
  {
    std::lock_guard lock(mutex_);
    heads_.push_back(head);
    if (heads_.size() > kMaxRecordedHeads) heads_.pop_front();
    if (auto it = routes_.find(path); it != routes_.end()) behaviour = it->second;
  }

  switch (behaviour.action) {
    case SiteAction::reset_after_accept:
    case SiteAction::close_without_response: return;
    case SiteAction::garbage:
      conn.waiting = false;
      waiting_.fetch_sub(1);
      static constexpr char kGarbage[] = "\x00\xff\xfe garbage, not HTTP at all \x01\x02\r\n\r\n";
      conn.write_all(std::string_view(kGarbage, sizeof kGarbage - 1));
      return;
    case SiteAction::respond: break;
  }
  respond(conn, path, head, behaviour);
}

void FixtureSite::respond(Connection& conn, const std::string& path, std::string_view head,
                          const SiteBehaviour& b) {
  if (b.header_delay.count() > 0 && !hold(conn, b.header_delay)) return;
  conn.waiting = false;
  waiting_.fetch_sub(1);

  int status = b.status;
  std::string location;
  if (b.redirect_loop) {
    location = path;
  } else if (!b.location.empty()) {
    location = b.location;
  } else if (b.redirect_hops > 0) {
    int hop = 0;
    if (path.starts_with("/hop/")) {
      std::from_chars(path.data() + 5, path.data() + path.size(), hop);
    }
    if (hop < b.redirect_hops) location = "/hop/" + std::to_string(hop + 1);
  }
  std::string body;
  if (!location.empty()) {
    status = b.redirect_status;
    body = "moved to " + location;
  } else {
    body = b.echo_request ? std::string(head) : b.body;
    if (b.gzip) body = gzip_compress(body);
  }

  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason_phrase(status)) + "\r\n";
  out += "Content-Type: text/html; charset=UTF-8\r\nConnection: close\r\n";
  if (b.chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else if (!b.endless) {
    const std::size_t length = b.declared_length > 0 ? b.declared_length : body.size();
    out += "Content-Length: " + std::to_string(length) + "\r\n";
  }
  if (b.gzip && location.empty()) out += "Content-Encoding: gzip\r\n";
  if (!location.empty()) out += "Location: " + location + "\r\n";
  for (const auto& [name, value] : b.headers) out += name + ": " + value + "\r\n";
  for (std::size_t padded = 0, i = 0; padded < b.header_padding; ++i) {
    std::string line = "X-Pad-" + std::to_string(i) + ": " + std::string(1000, 'p') + "\r\n";
    padded += line.size();
    out += line;
  }
  out += "\r\n";
  if (!conn.write_all(out)) return;
  // One write of body bytes, framed as a chunk when chunked.
  const auto send_piece = [&](std::string_view piece) {
    if (!b.chunked) return conn.write_all(piece);
    char size_line[32];
    const int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
    std::string framed(size_line, static_cast<std::size_t>(n));
    framed.append(piece);
    framed += "\r\n";
    return conn.write_all(framed);
  };

  // The body, in the pieces asked for.
  std::vector<std::size_t> cuts;
  if (b.drip_bytes > 0) {
    for (std::size_t at = b.drip_bytes; at < body.size(); at += b.drip_bytes) cuts.push_back(at);
  } else {
    for (std::size_t at : b.split_at) {
      if (at > 0 && at < body.size()) cuts.push_back(at);
    }
    std::sort(cuts.begin(), cuts.end());
  }
  const milliseconds gap = b.drip_bytes > 0 ? b.drip_interval : b.split_pause;
  std::size_t from = 0;
  cuts.push_back(body.size());
  for (std::size_t to : cuts) {
    if (to <= from) continue;
    if (from > 0 && gap.count() > 0 && !hold(conn, gap)) return;
    if (!send_piece(std::string_view(body).substr(from, to - from))) return;
    body_bytes_.fetch_add(to - from);
    from = to;
  }

  if (b.endless) {
    const auto until = Clock::now() + kEndlessTimeCap;
    const std::string_view chunk =
        b.drip_bytes > 0 ? std::string_view(filler()).substr(0, b.drip_bytes) : std::string_view(filler());
    for (std::uint64_t sent = 0; sent < kEndlessByteCap && Clock::now() < until; sent += chunk.size()) {
      if (b.drip_bytes > 0 && b.drip_interval.count() > 0 && !hold(conn, b.drip_interval)) return;
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
      }
      if (!send_piece(chunk)) return;
      body_bytes_.fetch_add(chunk.size());
    }
    return;
  }
  if (b.chunked) conn.write_all("0\r\n\r\n");
}

}  // namespace jetmon::test

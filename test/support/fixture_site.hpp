#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

// A hostile-on-demand web site on loopback for the check engine tests. What the site does is
// data (SiteBehaviour); the server is plain sockets + OpenSSL, one thread per connection, and
// shuts down cleanly in its destructor (every connection is shut down and every thread joined).
namespace jetmon::test {

enum class SiteTls {
  none,           // plain HTTP
  valid,          // certificates from TestCerts::shared(): CertKind::valid
  expired,        // CertKind::expired
  not_yet_valid,  // CertKind::not_yet_valid
  wrong_host,     // CertKind::wrong_host
  self_signed,    // CertKind::self_signed
  tls11_only,     // CertKind::valid, but the server speaks TLS 1.1 only (security level 0)
};

enum class SiteAction {
  respond,                 // an HTTP response as described by the other fields
  reset_after_accept,      // SO_LINGER 0 then close right after accept: the client sees a reset
  close_without_response,  // read the request, then close
  garbage,                 // read the request, answer with bytes that are not HTTP, then close
};

struct SiteBehaviour {
  SiteAction action = SiteAction::respond;
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
  std::string body;
  bool gzip = false;  // gzip the body and send Content-Encoding: gzip
  // >0: this Content-Length is announced whatever the body is (a longer value makes a
  // truncated response: the connection closes before the announced length).
  std::size_t declared_length = 0;
  // Transfer-Encoding: chunked, one chunk per write (see split_at / drip_bytes / endless).
  bool chunked = false;
  // Pause before anything is written (after the request was read); interrupted on shutdown.
  std::chrono::milliseconds header_delay{0};
  // The (possibly gzipped) body goes out in separate writes cut at these offsets, with
  // split_pause between them.
  std::vector<std::size_t> split_at;
  std::chrono::milliseconds split_pause{100};
  // >0: the body goes out drip_bytes at a time, drip_interval apart.
  std::size_t drip_bytes = 0;
  std::chrono::milliseconds drip_interval{0};
  // After the body, filler ("lorem ipsum …", never a keyword the tests use) until the client
  // goes away, for at most 30 s or 256 MiB. No Content-Length: the body ends at close.
  bool endless = false;
  std::size_t header_padding = 0;  // this many extra header bytes, as X-Pad-N lines of ~1 KiB
  bool echo_request = false;       // the body is the request head exactly as received
  // Redirects. redirect_hops N: "/" and "/hop/k" (k < N) redirect to "/hop/k+1", and "/hop/N"
  // gets the response described here. redirect_loop: Location is the requested path.
  // location: every request redirects there (a path on this site or an absolute URL).
  int redirect_hops = 0;
  bool redirect_loop = false;
  std::string location;
  int redirect_status = 302;
};

class FixtureSite {
 public:
  // Binds 127.0.0.1 port 0 and starts serving. Throws std::runtime_error when it cannot.
  explicit FixtureSite(SiteBehaviour default_behaviour = {}, SiteTls tls = SiteTls::none);
  ~FixtureSite();
  FixtureSite(const FixtureSite&) = delete;
  FixtureSite& operator=(const FixtureSite&) = delete;

  // A different behaviour for one exact path (query string ignored).
  void route(std::string path, SiteBehaviour behaviour);

  int port() const { return port_; }
  // "http://127.0.0.1:<port><path>" (https for TLS sites).
  std::string url(std::string_view path = "/") const;

  std::size_t connections() const { return accepted_.load(); }  // accepted so far
  std::size_t open_connections() const { return open_.load(); }  // accepted, not yet closed
  // The most connections that were, at once, accepted and not yet answered (a response is
  // "answered" just before its first byte is written). The client holds at least that many
  // transfers in flight, so this is a lower bound of its concurrency.
  std::size_t max_concurrent() const { return max_waiting_.load(); }
  std::uint64_t body_bytes_sent() const { return body_bytes_.load(); }  // all connections
  // Request heads as received (request line + headers), oldest first, the last 256 at most.
  std::vector<std::string> request_heads() const;
  // The paths of those requests (the request line's target), in the same order.
  std::vector<std::string> request_paths() const;

 private:
  struct Connection;
  struct TlsContext;

  void accept_loop();
  void serve(Connection& conn);
  void respond(Connection& conn, const std::string& path, std::string_view head,
               const SiteBehaviour& b);
  bool pause(std::chrono::milliseconds duration);  // false when shutting down
  // false when shutting down or when the client closed the connection meanwhile.
  bool hold(Connection& conn, std::chrono::milliseconds duration);
  void reap_finished();

  SiteTls tls_mode_;
  std::unique_ptr<TlsContext> tls_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: tells the accept loop to stop
  int port_ = 0;
  std::thread acceptor_;

  mutable std::mutex mutex_;  // guards everything below, and each Connection's fd
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  SiteBehaviour default_behaviour_;
  std::map<std::string, SiteBehaviour, std::less<>> routes_;
  std::list<std::unique_ptr<Connection>> connections_;
  std::deque<std::string> heads_;

  std::atomic<std::size_t> accepted_{0};
  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> waiting_{0};
  std::atomic<std::size_t> max_waiting_{0};
  std::atomic<std::uint64_t> body_bytes_{0};
};

// gzip (RFC 1952) of `data` with zlib. Throws std::runtime_error on failure.
std::string gzip_compress(std::string_view data);

}  // namespace jetmon::test

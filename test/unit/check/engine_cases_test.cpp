// The check engine against the fixture site: one row per hostile (or friendly) site behaviour
// and the exact result it must give (monitor.md §4).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "unit/check/check_test_helpers.hpp"
#include "jetmon/check/engine.hpp"
#include "support/fixture_site.hpp"
#include "support/test_certs.hpp"

using namespace jetmon::check;
using namespace jetmon::test;
using std::chrono::milliseconds;
using std::chrono::system_clock;

namespace {

using E = ErrorCode;
using F = FailureClass;
using V = TlsVersion;

constexpr std::size_t kMiB = 1024 * 1024;

// One row: what the site does, what the check asks, what must come out.
struct Case {
  std::string name;
  // Site.
  SiteBehaviour site;
  SiteTls tls = SiteTls::none;
  std::vector<std::pair<std::string, SiteBehaviour>> routes;
  bool nothing_listening = false;  // connection refused
  // Request.
  std::string path = "/";
  std::string keyword;
  RedirectPolicy policy = RedirectPolicy::follow;
  int timeout_seconds = 2;
  std::vector<std::pair<std::string, std::string>> headers;
  // Expected result.
  E code = E::none;
  int http_code = 200;
  bool success = true;
  F failure_class = F::success;
  int redirects = 0;
  std::string final_path;           // empty: the requested path
  std::optional<CertKind> cert;     // the reported expiry is exactly this certificate's notAfter
  V tls_version = V::none;
  std::string error_contains;       // empty: the error text must be empty; "*": any text
  milliseconds min_elapsed{0};
  milliseconds max_elapsed{1500};
  milliseconds min_rtt{0};
  milliseconds min_ttfb{0};
  milliseconds max_ttfb{60000};
  bool https_url = false;  // ask for https:// from a plain-HTTP site
  std::vector<std::string> head_contains;  // the site saw a request head with these
  std::vector<std::string> head_lacks;     // … and without these
  std::uint64_t max_body_sent = 0;         // >0: the site could not push more body than this

  Case(std::string n, SiteBehaviour s) : name(std::move(n)), site(std::move(s)) {}

  Case& expect(E c, int http, bool ok, F cls) {
    code = c;
    http_code = http;
    success = ok;
    failure_class = cls;
    return *this;
  }
  Case& error(std::string text) { error_contains = std::move(text); return *this; }
  Case& at(std::string p) { path = std::move(p); return *this; }
  Case& keyword_is(std::string k) { keyword = std::move(k); return *this; }
  Case& policy_is(RedirectPolicy p) { policy = p; return *this; }
  Case& timeout(int seconds) { timeout_seconds = seconds; return *this; }
  Case& header(std::string n, std::string v) { headers.emplace_back(std::move(n), std::move(v)); return *this; }
  Case& over(SiteTls mode, std::optional<CertKind> expiry, V version) {
    tls = mode;
    cert = expiry;
    tls_version = version;
    return *this;
  }
  Case& redirected(int hops, std::string final) { redirects = hops; final_path = std::move(final); return *this; }
  Case& route(std::string p, SiteBehaviour b) { routes.emplace_back(std::move(p), std::move(b)); return *this; }
  Case& elapsed(milliseconds at_least, milliseconds at_most) { min_elapsed = at_least; max_elapsed = at_most; return *this; }
  Case& rtt_at_least(milliseconds ms) { min_rtt = ms; return *this; }
  Case& ttfb_between(milliseconds lo, milliseconds hi) { min_ttfb = lo; max_ttfb = hi; return *this; }
  Case& with_https_url() { https_url = true; return *this; }
  Case& site_saw(std::string text) { head_contains.push_back(std::move(text)); return *this; }
  Case& site_did_not_see(std::string text) { head_lacks.push_back(std::move(text)); return *this; }
  Case& body_sent_at_most(std::uint64_t bytes) { max_body_sent = bytes; return *this; }
  Case& refused() { nothing_listening = true; return *this; }
};

SiteBehaviour page(int status, std::string body) {
  SiteBehaviour b;
  b.status = status;
  b.body = std::move(body);
  return b;
}

template <typename Edit>
SiteBehaviour with(SiteBehaviour b, Edit edit) {
  edit(b);
  return b;
}

SiteBehaviour action(SiteAction a) {
  SiteBehaviour b;
  b.action = a;
  return b;
}

std::string filler(std::size_t size) {
  std::string s;
  s.reserve(size);
  while (s.size() < size) s += "lorem ipsum dolor sit amet ";
  s.resize(size);
  return s;
}

const std::string kWithKeyword = "<html><body>all good: needle in the hay</body></html>";
const std::string kWithoutKeyword = "<html><body>only hay here</body></html>";
const std::string kUserAgent = "User-Agent: jetmon/2.0 (Jetpack Site Uptime Monitor by WordPress.com)\r\n";

std::vector<Case> cases() {
  using P = RedirectPolicy;
  const auto ms = [](int n) { return milliseconds(n); };
  const auto redirect_chain = [](int hops, int status) {
    return with(page(200, kWithKeyword), [=](SiteBehaviour& b) {
      b.redirect_hops = hops;
      b.redirect_status = status;
    });
  };
  const auto redirect_to = [](std::string location, int status) {
    return with(page(200, ""), [&](SiteBehaviour& b) {
      b.location = std::move(location);
      b.redirect_status = status;
    });
  };
  const auto echo = with(page(200, ""), [](SiteBehaviour& b) { b.echo_request = true; });

  return {
      // ---- plain responses and the keyword -------------------------------------------------
      Case("200 without a keyword check", page(200, kWithoutKeyword)),
      Case("200 with the keyword", page(200, kWithKeyword)).keyword_is("needle"),
      Case("200 without the keyword", page(200, kWithoutKeyword))
          .keyword_is("needle")
          .expect(E::keyword, 200, false, F::intermittent)
          .error("keyword not found in the first 1048576 bytes"),
      Case("keyword match is case-sensitive", page(200, "a NEEDLE, not a needle-less page"))
          .keyword_is("Needle")
          .expect(E::keyword, 200, false, F::intermittent)
          .error("keyword not found"),
      Case("keyword ending exactly at 1 MiB", page(200, filler(kMiB - 6) + "needle" + filler(100)))
          .keyword_is("needle"),
      Case("keyword straddling the 1 MiB limit", page(200, filler(kMiB - 3) + "needle"))
          .keyword_is("needle")
          .expect(E::keyword, 200, false, F::intermittent)
          .error("keyword not found"),
      Case("keyword past 1 MiB", page(200, filler(kMiB + 4096) + "needle"))
          .keyword_is("needle")
          .expect(E::keyword, 200, false, F::intermittent)
          .error("keyword not found"),
      Case("keyword split across two writes",
           with(page(200, filler(5000) + "needle" + filler(5000)),
                [](SiteBehaviour& b) { b.split_at = {5003}; }))
          .keyword_is("needle")
          .elapsed(ms(90), ms(1500)),
      Case("keyword split across many one-byte writes",
           with(page(200, "xxneedlexx"), [](SiteBehaviour& b) {
             b.drip_bytes = 1;
             b.drip_interval = milliseconds(10);
           }))
          .keyword_is("needle"),
      Case("gzip body with the keyword", with(page(200, filler(20000) + kWithKeyword), [](SiteBehaviour& b) {
             b.gzip = true;
           }))
          .keyword_is("needle"),
      Case("gzip body without the keyword", with(page(200, filler(20000)), [](SiteBehaviour& b) { b.gzip = true; }))
          .keyword_is("needle")
          .expect(E::keyword, 200, false, F::intermittent)
          .error("keyword not found"),
      Case("gzip: the 1 MiB limit counts decoded bytes",
           with(page(200, filler(2 * kMiB) + "needle"), [](SiteBehaviour& b) { b.gzip = true; }))
          .keyword_is("needle")
          .expect(E::keyword, 200, false, F::intermittent)
          .error("keyword not found"),
      Case("chunked body with the keyword split across chunks",
           with(page(200, filler(3000) + "needle" + filler(3000)), [](SiteBehaviour& b) {
             b.chunked = true;
             b.split_at = {1000, 3002, 3004, 5000};
             b.split_pause = milliseconds(20);
           }))
          .keyword_is("needle"),
      Case("chunked gzip body with the keyword", with(page(200, filler(40000) + kWithKeyword), [](SiteBehaviour& b) {
             b.chunked = true;
             b.gzip = true;
             b.drip_bytes = 500;
           }))
          .keyword_is("needle"),
      Case("endless chunked body without the keyword", with(page(200, ""), [](SiteBehaviour& b) {
             b.chunked = true;
             b.endless = true;
           }))
          .keyword_is("needle")
          .expect(E::keyword, 200, false, F::intermittent)
          .error("keyword not found")
          .body_sent_at_most(16 * kMiB),
      Case("corrupt gzip: the partial body is scanned", with(page(200, kWithoutKeyword), [](SiteBehaviour& b) {
             b.headers = {{"Content-Encoding", "gzip"}};
           }))
          .keyword_is("needle")
          .expect(E::keyword, 200, false, F::intermittent)
          .error("keyword not found"),
      Case("corrupt gzip without a keyword check", with(page(200, kWithoutKeyword), [](SiteBehaviour& b) {
             b.headers = {{"Content-Encoding", "gzip"}};
           })),
      Case("truncated body is still scanned",
           with(page(200, kWithKeyword), [](SiteBehaviour& b) { b.declared_length = 100000; }))
          .keyword_is("needle"),
      Case("truncated body without the keyword",
           with(page(200, kWithoutKeyword), [](SiteBehaviour& b) { b.declared_length = 100000; }))
          .keyword_is("needle")
          .expect(E::keyword, 200, false, F::intermittent)
          .error("keyword not found"),
      Case("empty 204", page(204, "")).expect(E::none, 204, true, F::success),

      // ---- HTTP status classes ---------------------------------------------------------------
      Case("403 is blocked", page(403, "go away")).expect(E::none, 403, false, F::blocked).error("HTTP status 403"),
      Case("404 is client", page(404, "nope")).expect(E::none, 404, false, F::client).error("HTTP status 404"),
      Case("500 is server", page(500, "oops")).expect(E::none, 500, false, F::server).error("HTTP status 500"),
      Case("503 is server", page(503, "later")).expect(E::none, 503, false, F::server).error("HTTP status 503"),
      Case("404 with a keyword check is a keyword failure", page(404, kWithoutKeyword))
          .keyword_is("needle")
          .expect(E::keyword, 404, false, F::client)
          .error("keyword not found"),

      // ---- redirects ---------------------------------------------------------------------------
      Case("302 chain of 3 under follow", redirect_chain(3, 302)).keyword_is("needle").redirected(3, "/hop/3"),
      Case("301 chain of 2 under alert", redirect_chain(2, 301))
          .policy_is(P::alert)
          .keyword_is("needle")
          .redirected(2, "/hop/2"),
      Case("307 followed", redirect_chain(1, 307)).redirected(1, "/hop/1"),
      Case("308 followed", redirect_chain(1, 308)).redirected(1, "/hop/1"),
      Case("303 followed", redirect_chain(1, 303)).redirected(1, "/hop/1"),
      Case("301 under fail", redirect_chain(1, 301))
          .policy_is(P::fail)
          .expect(E::redirect, 0, false, F::redirect)
          .error("redirect"),
      Case("302 under fail", redirect_chain(3, 302))
          .policy_is(P::fail)
          .expect(E::redirect, 0, false, F::redirect)
          .error("refused by redirect policy fail"),
      Case("redirect to another path", redirect_to("/landing", 301))
          .route("/landing", page(200, kWithKeyword))
          .keyword_is("needle")
          .redirected(1, "/landing"),
      Case("redirect to another path that is a 404", redirect_to("/gone", 302))
          .route("/gone", page(404, "gone"))
          .redirected(1, "/gone")
          .expect(E::none, 404, false, F::client)
          .error("HTTP status 404"),
      Case("redirect loop", with(page(200, ""), [](SiteBehaviour& b) { b.redirect_loop = true; }))
          .at("/loop")
          .expect(E::redirect, 0, false, F::redirect)
          .redirected(10, "/loop")
          .error("stopped after 10 redirects"),
      Case("10 hops are fine", redirect_chain(10, 302)).keyword_is("needle").redirected(10, "/hop/10"),
      Case("11 hops are a redirect error", redirect_chain(11, 302))
          .expect(E::redirect, 0, false, F::redirect)
          .redirected(10, "/hop/10")
          .error("stopped after 10 redirects"),
      Case("redirect without Location is the response", page(302, "no location"))
          .expect(E::none, 302, true, F::success),
      Case("relative Location with a space is resolved and encoded", redirect_to("next page?q=a b", 302))
          .at("/dir/start")
          .route("/dir/next%20page", page(200, kWithKeyword))
          .keyword_is("needle")
          .redirected(1, "/dir/next%20page?q=a+b"),
      Case("absolute Location to another site", redirect_to("{other}/elsewhere", 301))
          .keyword_is("needle")
          .redirected(1, "{other}/elsewhere"),
      Case("one deadline covers every hop", with(page(200, kWithKeyword), [](SiteBehaviour& b) {
             b.redirect_hops = 3;
             b.header_delay = milliseconds(400);
           }))
          .timeout(1)
          .expect(E::timeout, 0, false, F::intermittent)
          .redirected(2, "/hop/2")
          .error("Timeout was reached")
          .elapsed(ms(950), ms(1600)),
      Case("https redirect to plain http: the last hop has no certificate", redirect_to("{other}/elsewhere", 302))
          .over(SiteTls::valid, std::nullopt, V::none)
          .keyword_is("needle")
          .redirected(1, "{other}/elsewhere"),
      Case("redirect to an ftp URL", redirect_to("ftp://127.0.0.1/file", 302))
          .expect(E::connect, 0, false, F::intermittent)
          .error("redirect to an unsupported URL: ftp://127.0.0.1/file"),

      // ---- time ----------------------------------------------------------------------------------
      Case("headers later than the timeout", with(page(200, kWithKeyword), [](SiteBehaviour& b) {
             b.header_delay = std::chrono::seconds(5);
           }))
          .timeout(1)
          .expect(E::timeout, 0, false, F::intermittent)
          .error("Timeout was reached")
          .elapsed(ms(950), ms(1600)),
      Case("headers late but within the timeout", with(page(200, kWithKeyword), [](SiteBehaviour& b) {
             b.header_delay = milliseconds(300);
           }))
          .keyword_is("needle")
          .rtt_at_least(ms(290))
          .ttfb_between(ms(290), ms(1000))
          .elapsed(ms(290), ms(1500)),
      Case("rtt covers every hop, ttfb only the last", with(page(200, kWithKeyword), [](SiteBehaviour& b) {
             b.redirect_hops = 3;
             b.header_delay = milliseconds(100);
           }))
          .keyword_is("needle")
          .redirected(3, "/hop/3")
          .rtt_at_least(ms(390))
          .ttfb_between(ms(95), ms(300))
          .elapsed(ms(390), ms(1500)),
      Case("slow drip, keyword arrives late", with(page(200, filler(90) + "needle"), [](SiteBehaviour& b) {
             b.drip_bytes = 10;
             b.drip_interval = milliseconds(100);
           }))
          .keyword_is("needle")
          .elapsed(ms(850), ms(1900)),
      Case("slow drip, keyword never arrives", with(page(200, ""), [](SiteBehaviour& b) {
             b.endless = true;
             b.drip_bytes = 10;
             b.drip_interval = milliseconds(100);
           }))
          .keyword_is("needle")
          .timeout(1)
          .expect(E::keyword, 200, false, F::intermittent)
          .error("keyword not found")
          .elapsed(ms(950), ms(1600)),
      Case("endless body without a keyword check", with(page(200, ""), [](SiteBehaviour& b) { b.endless = true; }))
          .elapsed(ms(0), ms(1000)),
      Case("endless body with the keyword up front", with(page(200, kWithKeyword), [](SiteBehaviour& b) {
             b.endless = true;
           }))
          .keyword_is("needle")
          .elapsed(ms(0), ms(1000)),
      Case("endless body without the keyword", with(page(200, ""), [](SiteBehaviour& b) { b.endless = true; }))
          .keyword_is("needle")
          .expect(E::keyword, 200, false, F::intermittent)
          .error("keyword not found")
          .elapsed(ms(0), ms(1500))
          .body_sent_at_most(16 * kMiB),

      // ---- broken transports ---------------------------------------------------------------------
      Case("connection refused", page(200, "")).refused().expect(E::connect, 0, false, F::intermittent).error("connect"),
      Case("reset after accept", action(SiteAction::reset_after_accept))
          .expect(E::connect, 0, false, F::intermittent)
          .error("*"),  // "Recv failure: Connection reset by peer" or a failed send, by timing
      Case("close without a response", action(SiteAction::close_without_response))
          .expect(E::connect, 0, false, F::intermittent)
          .error("Empty reply from server"),
      Case("garbage instead of HTTP", action(SiteAction::garbage))
          .expect(E::connect, 0, false, F::intermittent)
          .error("HTTP/0.9"),
      Case("https to a site that never answers the handshake", page(200, ""))
          .with_https_url()
          .timeout(1)
          .expect(E::timeout, 0, false, F::intermittent)
          .error("Timeout was reached")
          .elapsed(ms(950), ms(1600)),
      Case("64 KiB of headers", with(page(200, kWithKeyword), [](SiteBehaviour& b) { b.header_padding = 64 * 1024; }))
          .keyword_is("needle"),
      Case("headers over the 256 KiB ceiling",
           with(page(200, kWithKeyword), [](SiteBehaviour& b) { b.header_padding = 280 * 1024; }))
          .expect(E::connect, 0, false, F::intermittent)
          .error("response headers exceed 262144 bytes"),

      // ---- TLS ------------------------------------------------------------------------------------
      Case("https, valid certificate", page(200, kWithKeyword))
          .over(SiteTls::valid, CertKind::valid, V::tls1_3)
          .keyword_is("needle"),
      Case("https, expired certificate", page(200, kWithKeyword))
          .over(SiteTls::expired, CertKind::expired, V::tls1_3)
          .expect(E::ssl, 0, false, F::https)
          .error("certificate has expired"),
      Case("https, certificate not yet valid", page(200, kWithKeyword))
          .over(SiteTls::not_yet_valid, CertKind::not_yet_valid, V::tls1_3)
          .expect(E::ssl, 0, false, F::https)
          .error("certificate is not yet valid"),
      Case("https, self-signed certificate", page(200, kWithKeyword))
          .over(SiteTls::self_signed, CertKind::self_signed, V::tls1_3)
          .expect(E::ssl, 0, false, F::https)
          .error("self-signed certificate"),
      Case("https, certificate for another host", page(200, kWithKeyword))
          .over(SiteTls::wrong_host, CertKind::wrong_host, V::tls1_3)
          .expect(E::ssl, 0, false, F::https)
          .error("no alternative certificate subject name matches target host name '127.0.0.1'"),
      Case("https, TLS 1.1 only", page(200, kWithKeyword))
          .over(SiteTls::tls11_only, CertKind::valid, V::tls1_1)
          .keyword_is("needle")
          .expect(E::tls_deprecated, 200, true, F::success)
          .error("deprecated TLS version TLSv1.1"),
      Case("https, TLS 1.1 only and the keyword missing", page(200, kWithoutKeyword))
          .over(SiteTls::tls11_only, CertKind::valid, V::tls1_1)
          .keyword_is("needle")
          .expect(E::keyword, 200, false, F::intermittent)
          .error("keyword not found"),
      Case("https redirect chain", redirect_chain(2, 301))
          .over(SiteTls::valid, CertKind::valid, V::tls1_3)
          .keyword_is("needle")
          .redirected(2, "/hop/2"),

      // ---- what the site sees ---------------------------------------------------------------------
      Case("default User-Agent", echo).keyword_is(kUserAgent).site_saw(kUserAgent),
      Case("request line is HTTP/1.1 GET", echo).at("/some/page?x=1").keyword_is("GET /some/page?x=1 HTTP/1.1\r\n"),
      Case("gzip is offered and no Accept is sent", echo)
          .keyword_is("Accept-Encoding: gzip\r\n")
          .site_did_not_see("\r\nAccept:"),
      Case("custom headers reach the site", echo)
          .header("X-Jetmon-Test", "hello world")
          .header("Cache-Control", "no-cache")
          .keyword_is("X-Jetmon-Test: hello world\r\n")
          .site_saw("Cache-Control: no-cache\r\n")
          .site_saw(kUserAgent),
      Case("custom User-Agent replaces the default", echo)
          .header("User-Agent", "custom-agent/1.0")
          .keyword_is("User-Agent: custom-agent/1.0\r\n")
          .site_did_not_see("jetmon/2.0"),
      Case("custom user-agent in lower case replaces the default", echo)
          .header("user-agent", "lower/1.0")
          .keyword_is("user-agent: lower/1.0\r\n")
          .site_did_not_see("jetmon/2.0"),
      Case("custom Accept is sent once", echo)
          .header("Accept", "text/html")
          .keyword_is("Accept: text/html\r\n")
          .site_did_not_see("Accept: */*"),
  };
}

}  // namespace

TEST_CASE("check engine against the fixture site: one row per behaviour", "[check][engine]") {
  const std::vector<Case> table = cases();
  for (const Case& row : table) {
    DYNAMIC_SECTION(row.name) {
      std::unique_ptr<FixtureSite> site;
      std::unique_ptr<FixtureSite> other;
      int refused_fd = -1;
      std::string base;
      if (row.nothing_listening) {
        // A bound socket that never listens: connecting to its port is refused.
        refused_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(refused_fd >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        REQUIRE(::bind(refused_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::getsockname(refused_fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        base = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
      } else {
        // "{other}" in a Location: a second site (plain HTTP) serving kWithKeyword.
        SiteBehaviour behaviour = row.site;
        if (behaviour.location.starts_with("{other}")) {
          other = std::make_unique<FixtureSite>(page(200, kWithKeyword));
          behaviour.location.replace(0, 7, other->url(""));
        }
        site = std::make_unique<FixtureSite>(behaviour, row.tls);
        for (const auto& [p, b] : row.routes) site->route(p, b);
        base = site->url("");
        if (row.https_url) base.replace(0, 4, "https");
      }

      CheckRequest request;
      request.blog_id = 42;
      request.url = base + row.path;
      request.keyword = row.keyword;
      request.redirect_policy = row.policy;
      request.timeout_seconds = row.timeout_seconds;
      request.headers = row.headers;

      const auto started = std::chrono::steady_clock::now();
      const CheckResult r = run_check(request, test_engine_options());
      const milliseconds took = elapsed_since(started);
      if (refused_fd >= 0) ::close(refused_fd);

      INFO("error text: " << r.error);
      CHECK(r.blog_id == 42);
      CHECK(r.url == request.url);
      CHECK_FALSE(r.cancelled);
      CHECK(static_cast<int>(r.error_code) == static_cast<int>(row.code));
      CHECK(r.http_code == row.http_code);
      CHECK(r.success == row.success);
      CHECK(failure_class_name(r.failure_class) == failure_class_name(row.failure_class));
      CHECK(r.is_failure() == is_failure(row.success, row.code));
      CHECK(r.redirects == row.redirects);
      std::string final_url = base + (row.final_path.empty() ? row.path : row.final_path);
      if (row.final_path.starts_with("{other}")) final_url = other->url(row.final_path.substr(7));
      CHECK(r.final_url == final_url);
      CHECK(tls_version_name(r.tls_version) == tls_version_name(row.tls_version));
      if (row.cert) {
        REQUIRE(r.cert_not_after.has_value());
        CHECK(*r.cert_not_after == TestCerts::shared().leaf(*row.cert).not_after);
      } else {
        CHECK_FALSE(r.cert_not_after.has_value());
      }
      if (row.error_contains.empty()) {
        CHECK(r.error.empty());
      } else if (row.error_contains == "*") {
        CHECK_FALSE(r.error.empty());
      } else {
        CHECK_THAT(r.error, Catch::Contains(row.error_contains));
      }
      CHECK(took >= row.min_elapsed);
      CHECK(took <= row.max_elapsed + kSchedulingSlack);
      // Timings: never negative; rtt only on a completed response, and it covers the header wait.
      CHECK(r.dns_ms >= 0);
      CHECK(r.tcp_ms >= 0);
      CHECK(r.tls_ms >= 0);
      CHECK(r.ttfb_ms >= 0);
      CHECK(r.rtt_ms >= row.min_rtt.count());
      CHECK(r.rtt_ms <= took.count());
      if (r.http_code == 0) CHECK(r.rtt_ms == 0);
      CHECK(r.ttfb_ms >= row.min_ttfb.count());
      CHECK(r.ttfb_ms <= (row.max_ttfb + kSchedulingSlack).count());
      if (row.tls == SiteTls::none) CHECK(r.tls_ms == 0);
      CHECK(r.dns_ms == 0);  // an IP literal is not resolved

      if (site) {
        const auto heads = site->request_heads();
        for (const auto& text : row.head_contains) {
          REQUIRE_FALSE(heads.empty());
          CHECK_THAT(heads.back(), Catch::Contains(text));
        }
        for (const auto& text : row.head_lacks) {
          REQUIRE_FALSE(heads.empty());
          CHECK_THAT(heads.back(), !Catch::Contains(text));
        }
        if (row.max_body_sent > 0) CHECK(site->body_bytes_sent() <= row.max_body_sent);
      }
    }
  }
}

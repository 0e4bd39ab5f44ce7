#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "jetmon/config/config.hpp"
#include "jetmon/veriflier/wire.hpp"

// Monitor side of the Veriflier protocol (monitor.md §5.2, §7, §11): one escalation asks every
// configured Veriflier in parallel, and the dashboard probe reads GET /status.
//
// Calls block the calling thread until they finish or the deadline passes (never later); they
// start no threads: every transfer of one call runs on one libcurl multi handle polled by the
// caller. Do not call them from the check engine's loop thread. Safe to call from several
// threads at once. Each call uses fresh connections (no keep-alive between calls).
namespace jetmon::veriflier {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{5000};  // TCP connect, DNS included
  // false: never use a proxy (the default; Verifliers are reached directly). true: libcurl's
  // proxy environment (http_proxy — lower case only —, ALL_PROXY, NO_PROXY), close to Go's
  // http.ProxyFromEnvironment.
  bool use_environment_proxy = false;
  // When set and it turns true, requests still running end within about a second with the
  // error "cancelled" (the monitor is stopping).
  const std::atomic<bool>* cancel = nullptr;
};

// What one Veriflier said about one escalation.
struct VerifierVote {
  std::string name;        // display name: "name", or "verifier #<index>" when unnamed
  std::string address;     // "host:port" as configured (port, else grpc_port)
  std::string request_id;  // the RequestID that was sent
  // true: a 200 reply with at least one result; `reply` holds results[0] (its BlogID is not
  // checked, as in Go). false: `error` says why and the vote counts as no reply at all.
  bool ok = false;
  std::string error;
  SiteCheckResult reply;
  int http_status = 0;  // HTTP status of the reply, 0 when there was none
  std::chrono::milliseconds duration{0};  // from the start of the call to this outcome

  // A healthy reply that says the site is down (a confirmation in the quorum).
  bool confirms_down() const { return ok && !reply.success; }
};

// Per-call deadline of an escalation: the site's timeout (<=0 means 10 s) plus 5 s.
std::chrono::milliseconds escalation_timeout(std::int32_t site_timeout_seconds);

// POST http://host:port/check to every Veriflier at once, one site per request, with
// `Authorization: Bearer <that Veriflier's auth_token>`, all sharing `site.request_id` (a new
// one is made when it is empty). Returns one vote per Veriflier, in the order given, by
// `deadline` at the latest; a Veriflier that has not answered by then gets a timeout error.
// Error texts: "host or port is not configured", "veriflier request failed: <reason>" (no
// connection, timeout, a reply body over 10 MiB, …), "veriflier returned <code>",
// "decode veriflier response: <reason>", "veriflier returned no results".
std::vector<VerifierVote> ask_all(const std::vector<config::Verifier>& verifiers,
                                  const SiteCheckRequest& site,
                                  std::chrono::steady_clock::time_point deadline,
                                  const ClientOptions& options = {});

// One Veriflier (ask_all with a single entry).
VerifierVote ask_one(const config::Verifier& verifier, const SiteCheckRequest& site,
                     std::chrono::steady_clock::time_point deadline,
                     const ClientOptions& options = {});

// The `veriflier:<name>` dependency probe: GET http://host:port/status without auth.
struct StatusProbe {
  bool ok = false;      // green: HTTP 200 (whatever the body)
  int http_status = 0;  // 0 when there was no reply
  std::string version;  // "version" from the JSON body, "" when absent
  std::string error;    // when !ok: "host or port is not configured",
                        // "veriflier status returned <code>", or the transport error
  std::chrono::milliseconds latency{0};
};
StatusProbe probe_status(const config::Verifier& verifier,
                         std::chrono::milliseconds timeout = std::chrono::seconds(2),
                         const ClientOptions& options = {});

}  // namespace jetmon::veriflier

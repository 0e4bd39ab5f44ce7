#include "jetmon/veriflier/client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "check/curl_handles.hpp"
#include "jetmon/common/build_info.hpp"
#include "jetmon/common/text.hpp"

namespace jetmon::veriflier {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// One HTTP exchange of a parallel call.
struct HttpCall {
  std::string url;
  bool post = false;
  std::string body;                  // POST body
  std::vector<std::string> headers;  // "Name: value" lines
  std::size_t max_response_bytes = kMaxBodyBytes;
};

struct HttpOutcome {
  bool completed = false;  // an HTTP response was received in full
  int status = 0;
  std::string body;
  std::string error;  // transport error when !completed
  milliseconds duration{0};
};

// The state of one transfer; owns its easy handle and header list.
struct Transfer {
  const HttpCall* call = nullptr;
  check::CurlEasy easy;
  check::CurlSlist headers;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  std::string body;
  bool too_large = false;
  bool done = false;
  HttpOutcome outcome;

  static size_t on_data(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * count;
    if (t->body.size() + n > t->call->max_response_bytes) {
      t->too_large = true;
      return 0;  // CURLE_WRITE_ERROR ends the transfer
    }
    t->body.append(data, n);
    return n;
  }
};

// A multi handle with its transfers; every easy handle is detached before it is freed.
class Batch {
 public:
  Batch() : multi_(curl_multi_init()) {}
  ~Batch() {
    for (auto& t : transfers_) {
      if (t->easy && multi_) curl_multi_remove_handle(multi_.get(), t->easy.get());
    }
  }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  CURLM* multi() const { return multi_.get(); }
  std::vector<std::unique_ptr<Transfer>>& transfers() { return transfers_; }

 private:
  check::CurlMulti multi_;
  std::vector<std::unique_ptr<Transfer>> transfers_;  // destroyed after the detach above
};

std::string curl_reason(const Transfer& t, CURLcode code) {
  if (t.error_buffer[0] != '\0') return std::string(t.error_buffer.data());
  return curl_easy_strerror(code);
}

bool setup(Transfer& t, SteadyClock::time_point deadline, const ClientOptions& options,
           std::string& why) {
  t.easy.reset(curl_easy_init());
  if (!t.easy) {
    why = "out of memory creating a transfer";
    return false;
  }
  curl_slist* list = nullptr;
  for (const std::string& line : t.call->headers) {
    curl_slist* next = curl_slist_append(list, line.c_str());
    if (next == nullptr) {
      curl_slist_free_all(list);
      why = "out of memory building headers";
      return false;
    }
    list = next;
  }
  t.headers.reset(list);

  const auto remaining = duration_cast<milliseconds>(deadline - SteadyClock::now()).count();
  const long timeout_ms = static_cast<long>(std::max<std::int64_t>(1, remaining));
  const long connect_ms =
      std::min(timeout_ms, static_cast<long>(std::max<std::int64_t>(1, options.connect_timeout.count())));

  CURL* e = t.easy.get();
  bool ok = true;
  auto set = [&ok](CURLcode rc) { ok = ok && rc == CURLE_OK; };
  set(curl_easy_setopt(e, CURLOPT_URL, t.call->url.c_str()));
  set(curl_easy_setopt(e, CURLOPT_PRIVATE, &t));
  set(curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http"));
  set(curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1)));
  set(curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms));
  set(curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms));
  set(curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L));
  set(curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error_buffer.data()));
  set(curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::on_data));
  set(curl_easy_setopt(e, CURLOPT_WRITEDATA, &t));
  set(curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers.get()));
  set(curl_easy_setopt(e, CURLOPT_USERAGENT,
                       fmt::format("jetmon2/{}", build_info().version).c_str()));
  if (!options.use_environment_proxy) {
    set(curl_easy_setopt(e, CURLOPT_PROXY, ""));
    set(curl_easy_setopt(e, CURLOPT_NOPROXY, "*"));
  }
  if (t.call->post) {
    set(curl_easy_setopt(e, CURLOPT_POST, 1L));
    set(curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(t.call->body.size())));
    set(curl_easy_setopt(e, CURLOPT_POSTFIELDS, t.call->body.data()));
  } else {
    set(curl_easy_setopt(e, CURLOPT_HTTPGET, 1L));
  }
  if (!ok) why = "could not set up the request";
  return ok;
}

void finish(Transfer& t, CURLcode code, SteadyClock::time_point started) {
  t.done = true;
  t.outcome.duration = duration_cast<milliseconds>(SteadyClock::now() - started);
  if (t.too_large) {
    t.outcome.error = fmt::format("response larger than {} bytes", t.call->max_response_bytes);
    return;
  }
  if (code != CURLE_OK) {
    t.outcome.error = curl_reason(t, code);
    return;
  }
  long status = 0;
  curl_easy_getinfo(t.easy.get(), CURLINFO_RESPONSE_CODE, &status);
  t.outcome.completed = true;
  t.outcome.status = static_cast<int>(status);
  t.outcome.body = std::move(t.body);
}

// Runs every call at once on one multi handle, polling on this thread, and returns when all
// are done or at `deadline`, whichever comes first. Never throws.
std::vector<HttpOutcome> perform_all(const std::vector<HttpCall>& calls,
                                     SteadyClock::time_point deadline,
                                     const ClientOptions& options) {
  std::vector<HttpOutcome> outcomes(calls.size());
  if (calls.empty()) return outcomes;
  const auto started = SteadyClock::now();
  try {
    check::ensure_curl_global_init();
    Batch batch;
    if (batch.multi() == nullptr) {
      for (auto& o : outcomes) o.error = "out of memory creating the request";
      return outcomes;
    }
    std::size_t running = 0;
    for (const HttpCall& call : calls) {
      auto t = std::make_unique<Transfer>();
      t->call = &call;
      std::string why;
      if (!setup(*t, deadline, options, why)) {
        t->done = true;
        t->outcome.error = why;
        t->easy.reset();
      } else if (curl_multi_add_handle(batch.multi(), t->easy.get()) != CURLM_OK) {
        t->done = true;
        t->outcome.error = "could not start the request";
        t->easy.reset();
      } else {
        ++running;
      }
      batch.transfers().push_back(std::move(t));
    }

    int still_running = static_cast<int>(running);
    bool cancelled = false;
    while (running > 0) {
      if (curl_multi_perform(batch.multi(), &still_running) != CURLM_OK) break;
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(batch.multi(), &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        Transfer* t = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
        const CURLcode code = msg->data.result;
        if (t != nullptr && !t->done) {
          finish(*t, code, started);
          --running;
        }
      }
      if (running == 0) break;
      cancelled = options.cancel != nullptr && options.cancel->load();
      if (cancelled) break;
      const auto left = duration_cast<milliseconds>(deadline - SteadyClock::now()).count();
      if (left <= 0) break;
      const int wait_ms = static_cast<int>(std::min<std::int64_t>(left, 1000));
      if (curl_multi_poll(batch.multi(), nullptr, 0, wait_ms, nullptr) != CURLM_OK) break;
    }
    for (auto& t : batch.transfers()) {
      if (!t->done) {
        t->outcome.error = cancelled ? std::string("cancelled")
                                     : fmt::format("no reply within {} ms",
                                                   std::max<std::int64_t>(
                                                       0, duration_cast<milliseconds>(deadline - started).count()));
        t->outcome.duration = duration_cast<milliseconds>(SteadyClock::now() - started);
      }
    }
    for (std::size_t i = 0; i < calls.size(); ++i) {
      outcomes[i] = std::move(batch.transfers()[i]->outcome);
    }
  } catch (const std::exception& e) {
    for (auto& o : outcomes) {
      if (o.error.empty() && !o.completed) o.error = e.what();
    }
  }
  return outcomes;
}

bool has_address(const config::Verifier& v) {
  return !trim(v.host).empty() && !trim(v.effective_port()).empty();
}

// host:port for a URL, with brackets around a bare IPv6 literal.
std::string url_authority(const config::Verifier& v) {
  std::string host(trim(v.host));
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  return host + ":" + std::string(trim(v.effective_port()));
}

bool header_safe(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace

std::chrono::milliseconds escalation_timeout(std::int32_t site_timeout_seconds) {
  const std::int64_t seconds = site_timeout_seconds > 0 ? site_timeout_seconds : 10;
  return std::chrono::seconds(seconds + 5);
}

std::vector<VerifierVote> ask_all(const std::vector<config::Verifier>& verifiers,
                                  const SiteCheckRequest& site,
                                  std::chrono::steady_clock::time_point deadline,
                                  const ClientOptions& options) {
  const auto started = SteadyClock::now();
  SiteCheckRequest one = site;
  if (one.request_id.empty()) one.request_id = new_request_id();
  const std::string body = encode_request(CheckBatchRequest{{one}});

  std::vector<VerifierVote> votes(verifiers.size());
  std::vector<HttpCall> calls;
  std::vector<std::size_t> call_of_vote(verifiers.size(), SIZE_MAX);
  for (std::size_t i = 0; i < verifiers.size(); ++i) {
    const config::Verifier& v = verifiers[i];
    VerifierVote& vote = votes[i];
    vote.name = v.display_name(i);
    vote.address = v.address();
    vote.request_id = one.request_id;
    if (!has_address(v)) {
      vote.error = "host or port is not configured";
      continue;
    }
    if (!header_safe(v.auth_token)) {
      vote.error = "auth_token holds characters that cannot go in a header";
      continue;
    }
    HttpCall call;
    call.url = fmt::format("http://{}/check", url_authority(v));
    call.post = true;
    call.body = body;
    call.headers = {"Content-Type: application/json", "Authorization: Bearer " + v.auth_token,
                    "Expect:"};
    call_of_vote[i] = calls.size();
    calls.push_back(std::move(call));
  }

  const std::vector<HttpOutcome> outcomes = perform_all(calls, deadline, options);
  for (std::size_t i = 0; i < votes.size(); ++i) {
    VerifierVote& vote = votes[i];
    if (call_of_vote[i] == SIZE_MAX) {
      vote.duration = duration_cast<milliseconds>(SteadyClock::now() - started);
      continue;
    }
    const HttpOutcome& o = outcomes[call_of_vote[i]];
    vote.duration = o.duration;
    if (!o.completed) {
      vote.error = "veriflier request failed: " + o.error;
      continue;
    }
    vote.http_status = o.status;
    if (o.status != 200) {
      vote.error = fmt::format("veriflier returned {}", o.status);
      continue;
    }
    Decoded<CheckBatchResponse> decoded = decode_response(o.body);
    if (!decoded.ok()) {
      vote.error = "decode veriflier response: " + decoded.error;
      continue;
    }
    if (decoded.value.results.empty()) {
      vote.error = "veriflier returned no results";
      continue;
    }
    vote.reply = std::move(decoded.value.results.front());
    vote.ok = true;
  }
  return votes;
}

VerifierVote ask_one(const config::Verifier& verifier, const SiteCheckRequest& site,
                     std::chrono::steady_clock::time_point deadline,
                     const ClientOptions& options) {
  return ask_all({verifier}, site, deadline, options).front();
}

StatusProbe probe_status(const config::Verifier& verifier, std::chrono::milliseconds timeout,
                         const ClientOptions& options) {
  StatusProbe probe;
  if (!has_address(verifier)) {
    probe.error = "host or port is not configured";
    return probe;
  }
  HttpCall call;
  call.url = fmt::format("http://{}/status", url_authority(verifier));
  call.max_response_bytes = 64 * 1024;
  const auto deadline = SteadyClock::now() + timeout;
  const std::vector<HttpOutcome> outcomes = perform_all({call}, deadline, options);
  const HttpOutcome& o = outcomes.front();
  probe.latency = o.duration;
  if (!o.completed) {
    probe.error = o.error;
    return probe;
  }
  probe.http_status = o.status;
  if (o.status != 200) {
    probe.error = fmt::format("veriflier status returned {}", o.status);
    return probe;
  }
  probe.ok = true;
  probe.version = decode_status_version(o.body);
  return probe;
}

}  // namespace jetmon::veriflier

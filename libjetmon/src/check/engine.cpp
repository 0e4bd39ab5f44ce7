#include "jetmon/check/engine.hpp"

#include <curl/curl.h>
#include <uv.h>

#include <locale.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <deque>
#include <utility>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "check/curl_handles.hpp"
#include "check/socket_set.hpp"
#include "check/tls_capture.hpp"
#include "check/url.hpp"
#include "jetmon/common/log.hpp"
#include "jetmon/common/open_files.hpp"
#include "jetmon/common/text.hpp"
#include "jetmon/common/thread_name.hpp"

namespace jetmon::check {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

// Durations kept for the adaptive linger threshold: the last checks to end (about 50 ms of a
// busy round, a few seconds of a quiet one).
constexpr std::size_t kRecentDurations = 256;
// How often running checks are looked at for lingering. A silent site holds its slot for about
// the threshold plus half of this.
constexpr std::uint64_t kLingerTickMs = 100;

constexpr std::size_t kMaxHeaderBytes = 256 * 1024;  // all header lines of one hop
constexpr std::size_t kMaxErrorText = 300;
constexpr long kReceiveBufferBytes = 16 * 1024;

bool is_followable_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

TransportOutcome outcome_of(CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return TransportOutcome::timeout;
    case CURLE_TOO_MANY_REDIRECTS: return TransportOutcome::redirect_error;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED: return TransportOutcome::tls_error;
    default: return TransportOutcome::connect_error;
  }
}

std::int64_t micros_to_ms(curl_off_t micros) { return micros > 0 ? micros / 1000 : 0; }

std::int64_t phase_ms(curl_off_t end, curl_off_t start) {
  return end > start && start >= 0 ? (end - start) / 1000 : 0;
}

std::string clip(std::string text) {
  if (text.size() > kMaxErrorText) text.resize(kMaxErrorText);
  return text;
}

}  // namespace

// A private connection cache for a slice of the transfers in flight. libcurl 7.88 finds the
// bundle of a closing connection by walking its whole cache, so with every site on its own host
// one shared cache costs O(in flight) per check (measured: 7 % of the monitor's CPU at 1,000 in
// flight, and the main reason CPU per check grew with concurrency). Loop thread only.
struct ConnectionShard {
  CurlShare share;
  std::size_t active = 0;
};
inline constexpr std::size_t kTransfersPerShard = 64;

// A multi handle for a slice of the transfers in flight, with its own timer. libcurl 7.88 keeps
// a multi handle's sockets in a hash of 911 slots: with ~10,000 sockets open (10 % of 100,000
// sites silent) its lookups were the one hot spot that grew, and the check loop's thread, which
// bounds a round's pass, spent more per check. Loop thread only; never moved once created.
struct Lane {
  Engine::Impl* engine = nullptr;
  CurlMulti multi;
  uv_timer_t timer{};
  std::size_t active = 0;
};

// Holds a transfer's place in a shard or a lane; gives it back when the transfer ends, however
// it ends.
template <typename Place>
class PlaceLease {
 public:
  PlaceLease() = default;
  explicit PlaceLease(Place* place) : place_(place) {
    if (place_ != nullptr) ++place_->active;
  }
  ~PlaceLease() { if (place_ != nullptr) --place_->active; }
  PlaceLease(const PlaceLease&) = delete;
  PlaceLease& operator=(const PlaceLease&) = delete;
  PlaceLease& operator=(PlaceLease&& other) noexcept {
    std::swap(place_, other.place_);
    return *this;
  }
  Place* get() const { return place_; }

 private:
  Place* place_ = nullptr;
};

// The first place of `places` with room after the last one given (round-robin), or null.
template <typename Place>
Place* place_with_room(std::deque<Place>& places, std::size_t& next, std::size_t per_place) {
  for (std::size_t i = 0; i < places.size(); ++i) {
    Place& candidate = places[(next + i) % places.size()];
    if (candidate.active < per_place) {
      next = (next + i + 1) % places.size();
      return &candidate;
    }
  }
  return nullptr;
}

// One check: one or more hops (manual redirects) on a single easy handle.
struct Transfer {
  Engine::Impl* engine = nullptr;
  CheckRequest request;
  Engine::Completion on_done;
  CheckResult result;
  CurlEasy easy;
  CurlSlist header_list;
  SteadyClock::time_point started;
  SteadyClock::time_point deadline;
  std::string hop_url;
  char error_buffer[CURL_ERROR_SIZE] = {};

  // Current hop.
  long hop_status = 0;
  std::string hop_location;  // first Location header of a 3xx response, as sent
  bool final_headers_seen = false;  // a non-1xx response's header block ended
  SteadyClock::time_point headers_at;
  std::size_t header_bytes = 0;
  bool headers_too_large = false;
  bool stopped_reading = false;  // we ended the body on purpose

  // Keyword scan over the decoded body, streamed: only an overlap tail is kept.
  std::size_t body_scanned = 0;
  std::string scan_tail;
  bool keyword_found = false;

  TlsCapture tls;
  PlaceLease<ConnectionShard> shard;
  PlaceLease<Lane> lane;
  bool lingering = false;  // running past the linger threshold: outside the in-flight ceiling
  bool slow = false;       // submitted expect_slow: outside the ceiling from the start
  std::uint64_t serial = 0;  // tells this transfer from a later one at the same address
};

struct PendingCheck {
  CheckRequest request;
  Engine::Completion on_done;
};

struct Engine::Impl {
  EngineOptions options;
  std::atomic<std::size_t> max_in_flight;

  uv_loop_t loop{};
  uv_async_t wake{};
  uv_timer_t grace_timer{};
  uv_timer_t linger_timer{};
  SocketSet sockets;
  uv_poll_t sockets_poll{};  // readable when a socket in `sockets` is ready
  std::thread thread;
  bool loop_ready = false;
  bool clean_close = false;

  std::mutex mutex;  // guards incoming, accepting, stop_requested, grace
  std::deque<PendingCheck> incoming;
  bool accepting = true;
  bool stop_requested = false;
  milliseconds grace{0};

  // Loop thread only.
  // Queues in submission order, so a check for the ceiling never waits behind an expect_slow one
  // held back by the slow capacity (nor the other way round), and an urgent one (a timed retry)
  // never waits behind a round's slow checks.
  std::deque<PendingCheck> pending;       // checks for the in-flight ceiling
  std::deque<PendingCheck> pending_slow;  // expect_slow checks
  std::deque<PendingCheck> pending_urgent;  // expect_slow and urgent: first when a slow slot frees
  std::unordered_set<Transfer*> running;  // only through track() / untrack()
  std::size_t lingering = 0;              // transfers in `running` marked lingering
  std::size_t slow_running = 0;           // transfers in `running` marked slow
  // Checks for the ceiling in start order, so the linger tick looks only at the ones old enough
  // to turn lingering. An entry whose transfer has ended is dropped when it reaches the front.
  std::deque<std::pair<std::uint64_t, Transfer*>> by_start;
  // Durations of the last checks for the ceiling to end (a ring), and the threshold they give.
  std::vector<milliseconds> recent_durations;
  std::vector<milliseconds> durations_scratch;  // reordered by adaptive_linger_after
  std::size_t next_duration = 0;
  milliseconds current_linger_after{0};
  std::uint64_t last_serial = 0;
  std::vector<CurlEasy> idle_easy;
  std::deque<ConnectionShard> shards;  // deque: leases point into it
  std::size_t next_shard = 0;
  std::deque<Lane> lanes;  // deque: leases, libcurl and the lanes' timers point into it
  std::size_t next_lane = 0;
  std::vector<Lane*> lane_of_socket;  // by descriptor: the lane whose multi handle watches it
  bool stopping = false;
  bool handles_closing = false;

  std::atomic<std::size_t> stat_in_flight{0};
  std::atomic<std::size_t> stat_lingering{0};
  std::atomic<std::size_t> stat_slow{0};
  std::atomic<std::size_t> stat_pending{0};
  std::atomic<std::uint64_t> stat_completed{0};

  explicit Impl(EngineOptions opts)
      : options(std::move(opts)), max_in_flight(options.max_in_flight), current_linger_after(options.linger_after) {}

  // ---- loop thread -------------------------------------------------------------------------

  void run() {
    // libcurl converts IDN host names with libidn2's idn2_lookup_ul, which reads the host in the
    // locale's charset: under the C locale every non-ASCII host fails as a malformed URL. A
    // UTF-8 LC_CTYPE for this thread only (the process locale is left alone) lets them resolve.
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    if (utf8 != static_cast<locale_t>(nullptr)) uselocale(utf8);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (utf8 != static_cast<locale_t>(nullptr)) {
      uselocale(LC_GLOBAL_LOCALE);
      freelocale(utf8);
    }
    clean_close = uv_loop_close(&loop) == 0;
    if (!clean_close) log::error("check engine: uv_loop_close failed: handles still open");
  }

  void on_wake() {
    bool stop_now = false;
    milliseconds grace_now{0};
    {
      std::lock_guard lock(mutex);
      while (!incoming.empty()) {
        const CheckRequest& r = incoming.front().request;
        auto& queue = !r.expect_slow ? pending : (r.urgent ? pending_urgent : pending_slow);
        queue.push_back(std::move(incoming.front()));
        incoming.pop_front();
      }
      stop_now = stop_requested && !stopping;
      grace_now = grace;
    }
    if (stop_now) begin_stop(grace_now);
    fill_slots();
  }

  void track(Transfer* t) {
    if (!running.insert(t).second) return;
    if (t->lingering) ++lingering;
    if (t->slow) ++slow_running;
  }
  void untrack(Transfer* t) {
    if (running.erase(t) == 0) return;
    if (t->lingering) --lingering;
    if (t->slow) --slow_running;
  }

  std::size_t ceiling() const { return std::max<std::size_t>(1, max_in_flight.load()); }
  std::size_t hard_cap() const {
    return running_cap(ceiling(), options.max_lingering_factor, options.max_open_sockets);
  }

  bool may_start_normal() const {
    return running.size() < hard_cap() && running.size() - lingering - slow_running < ceiling();
  }
  bool may_start_slow() const {
    return running.size() < hard_cap() &&
           slow_running < slow_check_capacity(ceiling(), hard_cap());
  }

  // Every tick: checks past the current threshold leave the ceiling, and their slots are refilled.
  void on_linger_tick() {
    const auto now = SteadyClock::now();
    if (!recent_durations.empty()) {
      durations_scratch.assign(recent_durations.begin(), recent_durations.end());
      current_linger_after = adaptive_linger_after(durations_scratch, options.linger_floor, options.linger_factor,
                                                   options.linger_after);
    }
    bool freed = false;
    while (!by_start.empty()) {
      const auto [serial, t] = by_start.front();
      // Only a transfer still running is dereferenced; its serial shows it is the same one.
      if (running.count(t) > 0 && t->serial == serial) {
        if (now - t->started < current_linger_after) break;
        if (!t->lingering) {
          t->lingering = true;
          ++lingering;
          freed = true;
        }
      }
      by_start.pop_front();
    }
    if (freed) fill_slots();
  }

  void fill_slots() {
    if (stopping) {
      cancel_all(pending);
      cancel_all(pending_slow);
      cancel_all(pending_urgent);
    }
    start_from(pending_urgent, [this] { return may_start_slow(); });
    start_from(pending, [this] { return may_start_normal(); });
    start_from(pending_slow, [this] { return may_start_slow(); });
    stat_pending.store(pending.size() + pending_slow.size() + pending_urgent.size());
    stat_in_flight.store(running.size());
    stat_lingering.store(lingering);
    stat_slow.store(slow_running);
    maybe_finish_stop();
  }

  template <typename MayStart>
  void start_from(std::deque<PendingCheck>& queue, MayStart may_start) {
    while (!stopping && !queue.empty() && may_start()) {
      PendingCheck p = std::move(queue.front());
      queue.pop_front();
      start(std::move(p));
    }
  }

  void cancel_all(std::deque<PendingCheck>& queue) {
    while (!queue.empty()) {
      PendingCheck p = std::move(queue.front());
      queue.pop_front();
      CheckResult r;
      r.blog_id = p.request.blog_id;
      r.url = p.request.url;
      r.cancelled = true;
      r.error = "check engine stopped";
      deliver(std::move(p.on_done), std::move(r));
    }
  }

  void deliver(Engine::Completion on_done, CheckResult&& result) {
    stat_completed.fetch_add(1);
    if (!on_done) return;
    try {
      on_done(std::move(result));
    } catch (const std::exception& e) {
      log::error("check engine: completion callback threw: {}", e.what());
    } catch (...) {
      log::error("check engine: completion callback threw");
    }
  }

  void start(PendingCheck p) {
    auto transfer = std::make_unique<Transfer>();
    Transfer* t = transfer.get();
    t->engine = this;
    t->request = std::move(p.request);
    t->on_done = std::move(p.on_done);
    t->result.blog_id = t->request.blog_id;
    t->result.url = t->request.url;
    t->result.started_at = std::chrono::system_clock::now();
    t->started = SteadyClock::now();
    const int timeout = t->request.timeout_seconds > 0 ? t->request.timeout_seconds : 10;
    t->deadline = t->started + std::chrono::seconds(timeout);
    t->hop_url = t->request.url;
    t->slow = t->request.expect_slow;

    if (auto problem = url_problem(t->request.url)) {
      finish(std::move(transfer), TransportOutcome::build_error, *problem);
      return;
    }
    if (!idle_easy.empty()) {
      t->easy = std::move(idle_easy.back());
      idle_easy.pop_back();
    } else {
      t->easy.reset(curl_easy_init());
    }
    if (!t->easy) {
      finish(std::move(transfer), TransportOutcome::build_error, "out of memory creating a transfer");
      return;
    }
    t->shard = PlaceLease<ConnectionShard>(shard_with_room());
    if (t->shard.get() == nullptr) {
      finish(std::move(transfer), TransportOutcome::build_error, "out of memory creating a connection cache");
      return;
    }
    t->lane = PlaceLease<Lane>(lane_with_room());
    if (t->lane.get() == nullptr) {
      finish(std::move(transfer), TransportOutcome::build_error, "out of memory creating a multi handle");
      return;
    }
    if (!build_header_list(*t)) {
      finish(std::move(transfer), TransportOutcome::build_error, "out of memory building headers");
      return;
    }
    t->serial = ++last_serial;
    if (!t->slow) by_start.emplace_back(t->serial, t);
    track(transfer.release());
    if (!start_hop(*t)) {
      untrack(t);
      finish(std::unique_ptr<Transfer>(t), TransportOutcome::build_error,
             "could not start the request");
    }
  }

  // Round-robin over the shards; a new one when every shard is full. Null when libcurl cannot
  // allocate one.
  ConnectionShard* shard_with_room() {
    if (ConnectionShard* shard = place_with_room(shards, next_shard, kTransfersPerShard)) return shard;
    CurlShare share(curl_share_init());
    if (!share || curl_share_setopt(share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK) {
      return nullptr;
    }
    shards.push_back(ConnectionShard{std::move(share), 0});
    return &shards.back();
  }

  // The same for lanes. A lane's timer is closed only when the engine stops, so lanes stay.
  Lane* lane_with_room() {
    if (Lane* lane = place_with_room(lanes, next_lane, std::max<std::size_t>(1, options.transfers_per_lane))) {
      return lane;
    }
    CurlMulti multi(curl_multi_init());
    if (!multi) return nullptr;
    Lane& lane = lanes.emplace_back();
    lane.engine = this;
    lane.multi = std::move(multi);
    uv_timer_init(&loop, &lane.timer);
    lane.timer.data = &lane;
    CURLM* m = lane.multi.get();
    curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, &Impl::on_curl_socket);
    curl_multi_setopt(m, CURLMOPT_SOCKETDATA, &lane);
    curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, &Impl::on_curl_timer);
    curl_multi_setopt(m, CURLMOPT_TIMERDATA, &lane);
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, 1L);
    return &lane;
  }

  static bool build_header_list(Transfer& t) {
    curl_slist* list = nullptr;
    auto append = [&list](const std::string& line) {
      curl_slist* next = curl_slist_append(list, line.c_str());
      if (next == nullptr) return false;
      list = next;
      return true;
    };
    bool ok = append("Accept:");  // like the Go client: no Accept header unless configured
    for (const auto& [name, value] : t.request.headers) {
      if (!is_valid_header_name(name) || !is_valid_header_value(value)) continue;
      ok = ok && append(value.empty() ? name + ";" : name + ": " + value);
    }
    t.header_list.reset(list);
    return ok;
  }

  bool start_hop(Transfer& t) {
    CURL* e = t.easy.get();
    curl_easy_reset(e);
    t.hop_status = 0;
    t.hop_location.clear();
    t.final_headers_seen = false;
    t.header_bytes = 0;
    t.headers_too_large = false;
    t.stopped_reading = false;
    t.error_buffer[0] = '\0';

    const auto remaining = duration_cast<milliseconds>(t.deadline - SteadyClock::now()).count();
    const long timeout_ms = static_cast<long>(std::max<std::int64_t>(1, remaining));

    bool ok = true;
    auto set = [&ok](CURLcode rc) { ok = ok && rc == CURLE_OK; };
    set(curl_easy_setopt(e, CURLOPT_URL, t.hop_url.c_str()));
    set(curl_easy_setopt(e, CURLOPT_PRIVATE, &t));
    set(curl_easy_setopt(e, CURLOPT_SHARE, t.shard.get()->share.get()));
    set(curl_easy_setopt(e, CURLOPT_HTTPGET, 1L));
    set(curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1)));
    set(curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https"));
    set(curl_easy_setopt(e, CURLOPT_USERAGENT, std::string(kUserAgent).c_str()));
    set(curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip"));
    set(curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.header_list.get()));
    set(curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L));
    set(curl_easy_setopt(e, CURLOPT_PROXY, ""));
    set(curl_easy_setopt(e, CURLOPT_NOPROXY, "*"));
    set(curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L));
    set(curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L));
    set(curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L));
    set(curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms));
    set(curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms));
    set(curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L));
    set(curl_easy_setopt(e, CURLOPT_BUFFERSIZE, kReceiveBufferBytes));
    set(curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error_buffer));
    set(curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Impl::on_header));
    set(curl_easy_setopt(e, CURLOPT_HEADERDATA, &t));
    set(curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::on_body));
    set(curl_easy_setopt(e, CURLOPT_WRITEDATA, &t));
    set(curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, &Impl::on_socket_options));
    set(curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, &Impl::on_prereq));
    set(curl_easy_setopt(e, CURLOPT_PREREQDATA, &t));
    // TLS: verify against the system store. Debian's libcurl also scans CAPATH per handshake
    // unless it is cleared, which makes HTTPS checks many times slower.
    set(curl_easy_setopt(e, CURLOPT_CAPATH, nullptr));
    if (!options.ca_file.empty()) set(curl_easy_setopt(e, CURLOPT_CAINFO, options.ca_file.c_str()));
    set(curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L));
    set(curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L));
    set(curl_easy_setopt(e, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_0)));
    set(curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L));
    set(curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, &Impl::on_ssl_ctx));
    set(curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, &t));
    if (!ok) return false;
    return curl_multi_add_handle(t.lane.get()->multi.get(), e) == CURLM_OK;
  }

  static CURLcode on_ssl_ctx(CURL*, void* ssl_ctx, void* userdata) {
    auto* t = static_cast<Transfer*>(userdata);
    return static_cast<CURLcode>(prepare_ssl_ctx(ssl_ctx, &t->tls));
  }

  // Every check connection is used once (FORBID_REUSE) and closed by us, so a normal close
  // would leave one TIME_WAIT socket per check on the monitor host, and a check that timed out
  // would leave the site's server holding its end until it answers. An abortive close (RST),
  // as load-balancer health checks do, frees both ends at once.
  static int on_socket_options(void*, curl_socket_t fd, curlsocktype purpose) {
    if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKOPT_OK;
    const linger abortive{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof(abortive));
    return CURL_SOCKOPT_OK;
  }

  static int on_prereq(void* userdata, char*, char*, int, int) {
    auto* t = static_cast<Transfer*>(userdata);
    curl_tlssessioninfo* info = nullptr;
    if (curl_easy_getinfo(t->easy.get(), CURLINFO_TLS_SSL_PTR, &info) == CURLE_OK && info != nullptr &&
        info->backend == CURLSSLBACKEND_OPENSSL) {
      capture_from_ssl(info->internals, t->tls);
    }
    return CURL_PREREQFUNC_OK;
  }

  static size_t on_header(char* data, size_t size, size_t count, void* userdata) {
    auto* t = static_cast<Transfer*>(userdata);
    const size_t n = size * count;
    t->header_bytes += n;
    if (t->header_bytes > kMaxHeaderBytes) {
      t->headers_too_large = true;
      return 0;
    }
    std::string_view line(data, n);
    if (line.starts_with("HTTP/")) {
      const auto space = line.find(' ');
      t->hop_status = 0;
      t->hop_location.clear();
      if (space != std::string_view::npos) {
        for (size_t i = space + 1; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) {
          t->hop_status = t->hop_status * 10 + (line[i] - '0');
          if (t->hop_status > 999) break;
        }
      }
    } else if (t->hop_status >= 300 && t->hop_status < 400 && t->hop_location.empty() &&
               line.size() > 9 && to_lower_ascii(line.substr(0, 9)) == "location:") {
      t->hop_location = std::string(trim(line.substr(9)));
    } else if (trim(line).empty() && t->hop_status >= 200) {
      t->final_headers_seen = true;
      t->headers_at = SteadyClock::now();
    }
    return n;
  }

  static size_t on_body(char* data, size_t size, size_t count, void* userdata) {
    auto* t = static_cast<Transfer*>(userdata);
    const size_t n = size * count;
    const std::string& keyword = t->request.keyword;
    if (keyword.empty() || is_followable_redirect(t->hop_status) ||
        t->body_scanned >= kKeywordScanLimit) {
      t->stopped_reading = true;
      return 0;  // the body is not needed: end the transfer now
    }
    const size_t take = std::min(n, kKeywordScanLimit - t->body_scanned);
    t->body_scanned += take;
    std::string window = std::move(t->scan_tail);
    window.append(data, take);
    if (window.find(keyword) != std::string::npos) {
      t->keyword_found = true;
      t->stopped_reading = true;
      return 0;
    }
    const size_t keep = std::min(window.size(), keyword.size() - 1);
    t->scan_tail.assign(window, window.size() - keep, keep);
    if (t->body_scanned >= kKeywordScanLimit) {
      t->stopped_reading = true;
      return 0;
    }
    return n;
  }

  void on_transfer_done(Transfer* t, CURLcode rc) {
    curl_multi_remove_handle(t->lane.get()->multi.get(), t->easy.get());
    std::unique_ptr<Transfer> owned(t);
    untrack(t);

    CURL* e = t->easy.get();
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    record_timings(*t);

    if (!t->final_headers_seen) {
      if (t->headers_too_large) {
        finish(std::move(owned), TransportOutcome::connect_error,
               fmt::format("response headers exceed {} bytes", kMaxHeaderBytes));
      } else if (rc == CURLE_OK) {
        finish(std::move(owned), TransportOutcome::connect_error, "no response headers received");
      } else {
        std::string text = curl_easy_strerror(rc);
        if (t->error_buffer[0] != '\0') text = fmt::format("{}: {}", text, t->error_buffer);
        finish(std::move(owned), outcome_of(rc), std::move(text));
      }
      return;
    }

    t->result.http_code = static_cast<int>(status > 0 ? status : t->hop_status);
    t->result.rtt_ms = duration_cast<milliseconds>(t->headers_at - t->started).count();
    // The Location header is captured in on_header: libcurl only works out CURLINFO_REDIRECT_URL
    // for a transfer that ended without error, and a redirect's body is cut short on purpose.
    if (is_followable_redirect(t->result.http_code) && !t->hop_location.empty()) {
      const std::optional<std::string> resolved = resolve_location(t->hop_url, t->hop_location);
      const std::string location = resolved.value_or(t->hop_location);
      if (t->request.redirect_policy == RedirectPolicy::fail) {
        finish(std::move(owned), TransportOutcome::redirect_error,
               fmt::format("redirect to {} refused by redirect policy fail", location));
        return;
      }
      if (t->result.redirects >= kMaxRedirects) {
        finish(std::move(owned), TransportOutcome::redirect_error,
               fmt::format("stopped after {} redirects", kMaxRedirects));
        return;
      }
      if (!resolved || !is_http_url(location)) {
        finish(std::move(owned), TransportOutcome::connect_error,
               fmt::format("redirect to an unsupported URL: {}", clip(location)));
        return;
      }
      if (SteadyClock::now() >= t->deadline) {
        finish(std::move(owned), TransportOutcome::timeout, "deadline passed while following redirects");
        return;
      }
      t->result.redirects += 1;
      t->hop_url = location;
      t->tls = {};
      t->scan_tail.clear();
      t->body_scanned = 0;
      track(owned.release());
      if (!start_hop(*t)) {
        untrack(t);
        finish(std::unique_ptr<Transfer>(t), TransportOutcome::connect_error, "could not start the redirect");
      }
      return;
    }
    finish(std::move(owned), TransportOutcome::completed, "");
  }

  static void record_timings(Transfer& t) {
    CURL* e = t.easy.get();
    curl_off_t name = 0, connect = 0, appconnect = 0, pretransfer = 0, starttransfer = 0;
    curl_easy_getinfo(e, CURLINFO_NAMELOOKUP_TIME_T, &name);
    curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &connect);
    curl_easy_getinfo(e, CURLINFO_APPCONNECT_TIME_T, &appconnect);
    curl_easy_getinfo(e, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
    curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &starttransfer);
    // An IP literal is never resolved; libcurl still reports set-up time as "name lookup".
    t.result.dns_ms = has_ip_literal_host(t.hop_url) ? 0 : micros_to_ms(name);
    t.result.tcp_ms = connect > 0 ? phase_ms(connect, name) : 0;
    t.result.tls_ms = appconnect > 0 ? phase_ms(appconnect, connect) : 0;
    t.result.ttfb_ms = starttransfer > 0 && pretransfer > 0 ? phase_ms(starttransfer, pretransfer) : 0;
  }

  void note_duration(const Transfer& t) {
    if (t.slow) return;
    const auto took = duration_cast<milliseconds>(SteadyClock::now() - t.started);
    if (recent_durations.size() < kRecentDurations) {
      recent_durations.push_back(took);
    } else {
      recent_durations[next_duration] = took;
      next_duration = (next_duration + 1) % kRecentDurations;
    }
  }

  void finish(std::unique_ptr<Transfer> t, TransportOutcome outcome, std::string error_text) {
    if (outcome != TransportOutcome::build_error) note_duration(*t);
    CheckResult r = std::move(t->result);
    r.final_url = t->hop_url;
    r.cert_not_after = t->tls.cert_not_after;
    r.tls_version = t->tls.version;
    if (outcome != TransportOutcome::completed) {
      r.http_code = 0;
      r.rtt_ms = 0;
    }
    Observation o;
    o.transport = outcome;
    o.http_code = r.http_code;
    o.cert_not_after = r.cert_not_after;
    o.tls_version = r.tls_version;
    o.keyword_required = !t->request.keyword.empty();
    o.keyword_found = t->keyword_found;
    o.now = std::chrono::system_clock::now();
    const Classification c = classify(o);
    r.error_code = c.error_code;
    r.success = c.success;
    r.failure_class = c.failure_class;
    if (outcome != TransportOutcome::completed) {
      r.error = clip(std::move(error_text));
    } else if (c.error_code == ErrorCode::tls_expired) {
      r.error = "certificate has expired";
    } else if (c.error_code == ErrorCode::keyword) {
      r.error = fmt::format("keyword not found in the first {} bytes", kKeywordScanLimit);
    } else if (c.error_code == ErrorCode::tls_deprecated) {
      r.error = fmt::format("deprecated TLS version {}", tls_version_name(r.tls_version));
    } else if (!c.success) {
      r.error = fmt::format("HTTP status {}", r.http_code);
    }
    if (t->easy && idle_easy.size() < max_in_flight.load()) {
      curl_easy_setopt(t->easy.get(), CURLOPT_SHARE, nullptr);
      curl_easy_reset(t->easy.get());
      idle_easy.push_back(std::move(t->easy));
    }
    Engine::Completion done = std::move(t->on_done);
    t.reset();
    deliver(std::move(done), std::move(r));
  }

  void process_curl_messages() {
    // By index: a completion may start a check, and a new lane would invalidate iterators.
    for (std::size_t i = 0; i < lanes.size(); ++i) {
      Lane& lane = lanes[i];
      if (!lane.multi) continue;
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(lane.multi.get(), &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        Transfer* t = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
        const CURLcode rc = msg->data.result;
        if (t != nullptr) on_transfer_done(t, rc);
      }
    }
    fill_slots();
  }

  Lane* lane_of(int fd) const {
    return fd >= 0 && static_cast<std::size_t>(fd) < lane_of_socket.size() ? lane_of_socket[fd] : nullptr;
  }

  // ---- libcurl <-> libuv glue ---------------------------------------------------------------

  // libcurl's socket callback. The interest mask lives in libcurl's socketp (0 = not watched),
  // so watching a socket allocates nothing.
  static int on_curl_socket(CURL*, curl_socket_t fd, int what, void* userp, void* socketp) {
    auto* lane = static_cast<Lane*>(userp);
    Impl* self = lane->engine;
    const auto previous = static_cast<unsigned>(reinterpret_cast<std::uintptr_t>(socketp));
    if (what == CURL_POLL_REMOVE) {
      if (previous != 0) {
        self->sockets.forget(fd);
        if (self->lane_of(fd) == lane) self->lane_of_socket[static_cast<std::size_t>(fd)] = nullptr;
        curl_multi_assign(lane->multi.get(), fd, nullptr);
      }
      return 0;
    }
    if (fd < 0) return -1;
    unsigned interest = 0;
    if (what & CURL_POLL_IN) interest |= kWantRead;
    if (what & CURL_POLL_OUT) interest |= kWantWrite;
    if (!self->sockets.watch(fd, interest, previous)) return -1;
    const auto slot = static_cast<std::size_t>(fd);
    if (slot >= self->lane_of_socket.size()) self->lane_of_socket.resize(slot + 1, nullptr);
    self->lane_of_socket[slot] = lane;
    if (interest != previous) {
      curl_multi_assign(lane->multi.get(), fd, reinterpret_cast<void*>(static_cast<std::uintptr_t>(interest)));
    }
    return 0;
  }

  static void on_sockets_ready(uv_poll_t* handle, int, int) {
    auto* self = static_cast<Impl*>(handle->data);
    if (self->handles_closing) return;
    constexpr int kBatch = 128;
    SocketReady ready[kBatch];
    const int n = self->sockets.ready(ready, kBatch);
    int still_running = 0;
    for (int i = 0; i < n; ++i) {
      int flags = 0;
      if (ready[i].readable) flags |= CURL_CSELECT_IN;
      if (ready[i].writable) flags |= CURL_CSELECT_OUT;
      if (ready[i].error) flags |= CURL_CSELECT_ERR;
      // A socket closed earlier in this batch has no lane now (or is unknown to its multi).
      Lane* lane = self->lane_of(ready[i].fd);
      if (lane != nullptr) curl_multi_socket_action(lane->multi.get(), ready[i].fd, flags, &still_running);
    }
    self->process_curl_messages();
  }

  static int on_curl_timer(CURLM*, long timeout_ms, void* userp) {
    auto* lane = static_cast<Lane*>(userp);
    if (lane->engine->handles_closing) return 0;
    if (timeout_ms < 0) {
      uv_timer_stop(&lane->timer);
    } else {
      uv_timer_start(&lane->timer, &Impl::on_timer, static_cast<uint64_t>(timeout_ms), 0);
    }
    return 0;
  }

  static void on_timer(uv_timer_t* handle) {
    auto* lane = static_cast<Lane*>(handle->data);
    int still_running = 0;
    curl_multi_socket_action(lane->multi.get(), CURL_SOCKET_TIMEOUT, 0, &still_running);
    lane->engine->process_curl_messages();
  }

  // ---- shutdown ----------------------------------------------------------------------------

  void begin_stop(milliseconds grace_period) {
    stopping = true;
    if (!running.empty()) {
      uv_timer_start(&grace_timer, [](uv_timer_t* h) { static_cast<Impl*>(h->data)->cancel_running(); },
                     static_cast<uint64_t>(std::max<std::int64_t>(0, grace_period.count())), 0);
    }
  }

  void cancel_running() {
    std::vector<Transfer*> victims(running.begin(), running.end());
    for (Transfer* t : victims) {
      curl_multi_remove_handle(t->lane.get()->multi.get(), t->easy.get());
      untrack(t);
      CheckResult r = std::move(t->result);
      r.cancelled = true;
      r.error = "check engine stopped before the check finished";
      Engine::Completion done = std::move(t->on_done);
      delete t;
      deliver(std::move(done), std::move(r));
    }
    stat_in_flight.store(0);
    stat_lingering.store(0);
    stat_slow.store(0);
    maybe_finish_stop();
  }

  void maybe_finish_stop() {
    if (!stopping || handles_closing || !running.empty() || !pending.empty() ||
        !pending_slow.empty() || !pending_urgent.empty()) {
      return;
    }
    handles_closing = true;
    by_start.clear();
    idle_easy.clear();
    shards.clear();  // no transfer holds one any more
    // Cleaning up the multi handles may still report sockets to close; do it while the loop runs
    // so their close callbacks happen before uv_loop_close. The lanes themselves stay until the
    // engine is destroyed: their timers' memory must outlive the loop.
    for (Lane& lane : lanes) {
      lane.multi.reset();
      uv_timer_stop(&lane.timer);
      uv_close(reinterpret_cast<uv_handle_t*>(&lane.timer), nullptr);
    }
    lane_of_socket.clear();
    uv_close(reinterpret_cast<uv_handle_t*>(&sockets_poll), nullptr);
    uv_timer_stop(&grace_timer);
    uv_timer_stop(&linger_timer);
    uv_close(reinterpret_cast<uv_handle_t*>(&linger_timer), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&grace_timer), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&wake), nullptr);
  }
};

namespace {

void warn_if_sockets_bind(std::size_t max_in_flight, const EngineOptions& options) {
  const std::size_t cap = running_cap(max_in_flight, options.max_lingering_factor, options.max_open_sockets);
  const std::size_t by_factor = running_cap(max_in_flight, options.max_lingering_factor, SIZE_MAX);
  if (cap < by_factor) {
    log::warn("check engine: {} checks in flight would allow {} running with slow and silent sites, but the "
              "open-file limit leaves sockets for {}; raise LimitNOFILE to let them all run",
              max_in_flight, by_factor, cap);
  }
}

}  // namespace

Engine::Engine(EngineOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  ensure_curl_global_init();
  Impl& s = *impl_;
  if (s.options.max_open_sockets == 0) {
    const std::uint64_t limit = open_file_limit();
    s.options.max_open_sockets = limit == 0 ? SIZE_MAX : socket_budget(limit);  // 0: unreadable
  }
  warn_if_sockets_bind(s.ceiling(), s.options);
  if (uv_loop_init(&s.loop) != 0) throw std::runtime_error("check engine: uv_loop_init failed");
  uv_async_init(&s.loop, &s.wake, [](uv_async_t* h) { static_cast<Impl*>(h->data)->on_wake(); });
  s.wake.data = &s;
  uv_timer_init(&s.loop, &s.grace_timer);
  s.grace_timer.data = &s;
  uv_timer_init(&s.loop, &s.linger_timer);
  s.linger_timer.data = &s;
  uv_timer_start(&s.linger_timer, [](uv_timer_t* h) { static_cast<Impl*>(h->data)->on_linger_tick(); },
                 kLingerTickMs, kLingerTickMs);
  uv_poll_init(&s.loop, &s.sockets_poll, s.sockets.descriptor());
  s.sockets_poll.data = &s;
  uv_poll_start(&s.sockets_poll, UV_READABLE, &Impl::on_sockets_ready);
  s.loop_ready = true;
  s.thread = start_named_thread("jm-checks", [&s] { s.run(); });
}

Engine::~Engine() { stop(milliseconds(0)); }

bool Engine::submit(CheckRequest request, Completion on_done) {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mutex);
    if (!s.accepting || s.incoming.size() + s.stat_pending.load() >= s.options.max_pending) {
      return false;
    }
    s.incoming.push_back({std::move(request), std::move(on_done)});
    // Under the lock: once stop() has been requested the loop may close `wake` at any time.
    uv_async_send(&s.wake);
  }
  return true;
}

std::size_t Engine::max_in_flight() const { return impl_->max_in_flight.load(); }

std::size_t Engine::slow_capacity() const {
  return slow_check_capacity(impl_->ceiling(), impl_->hard_cap());
}

std::size_t socket_budget(std::uint64_t open_file_limit) {
  const std::uint64_t reserve = std::max<std::uint64_t>(128, open_file_limit / 8);
  if (open_file_limit <= reserve) return 1;
  const std::uint64_t budget = open_file_limit - reserve;
  return budget > SIZE_MAX ? SIZE_MAX : static_cast<std::size_t>(budget);
}

milliseconds adaptive_linger_after(std::vector<milliseconds>& recent, milliseconds linger_floor,
                                   std::size_t linger_factor, milliseconds linger_after) {
  if (recent.empty() || linger_factor == 0) return linger_after;
  const auto middle = recent.begin() + static_cast<std::ptrdiff_t>(recent.size() / 2);
  std::nth_element(recent.begin(), middle, recent.end());
  const auto factor = static_cast<std::int64_t>(std::min<std::size_t>(linger_factor, INT64_MAX));
  if (middle->count() > linger_after.count() / factor) return linger_after;  // also no overflow below
  return std::clamp(*middle * factor, std::min(linger_floor, linger_after), linger_after);
}

std::size_t running_cap(std::size_t max_in_flight, std::size_t max_lingering_factor, std::size_t max_open_sockets) {
  const std::size_t ceiling = std::max<std::size_t>(1, max_in_flight);
  const std::size_t factor = std::max<std::size_t>(1, max_lingering_factor);
  const std::size_t by_factor = ceiling > SIZE_MAX / factor ? SIZE_MAX : ceiling * factor;
  return std::min(by_factor, std::max<std::size_t>(1, max_open_sockets));
}

std::size_t slow_check_capacity(std::size_t max_in_flight, std::size_t running_cap) {
  const std::size_t ceiling = std::max<std::size_t>(1, max_in_flight);
  // Keep the ceiling itself and as much again (for checks that turn lingering) free of them.
  return running_cap > 2 * ceiling ? running_cap - 2 * ceiling : 1;
}

void Engine::set_max_in_flight(std::size_t max_in_flight) {
  if (max_in_flight != impl_->max_in_flight.load()) warn_if_sockets_bind(max_in_flight, impl_->options);
  impl_->max_in_flight.store(std::max<std::size_t>(1, max_in_flight));
  std::lock_guard lock(impl_->mutex);
  if (impl_->accepting) uv_async_send(&impl_->wake);
}

EngineStats Engine::stats() const {
  EngineStats st;
  st.in_flight = impl_->stat_in_flight.load();
  st.lingering = impl_->stat_lingering.load();
  st.slow = impl_->stat_slow.load();
  st.pending = impl_->stat_pending.load();
  st.completed = impl_->stat_completed.load();
  return st;
}

bool Engine::stop(milliseconds grace) {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mutex);
    if (s.accepting) {
      s.accepting = false;
      s.stop_requested = true;
      s.grace = grace;
      uv_async_send(&s.wake);
    }
  }
  // From a completion callback (the loop thread itself) the stop is only requested: joining
  // here would wait for ourselves.
  if (s.thread.joinable() && s.thread.get_id() != std::this_thread::get_id()) s.thread.join();
  return s.clean_close;
}

CheckResult run_check(const CheckRequest& request, const EngineOptions& options) {
  EngineOptions one = options;
  one.max_in_flight = 1;
  Engine engine(one);
  std::promise<CheckResult> promise;
  auto future = promise.get_future();
  if (!engine.submit(request, [&promise](CheckResult&& r) { promise.set_value(std::move(r)); })) {
    CheckResult r;
    r.blog_id = request.blog_id;
    r.url = request.url;
    r.error_code = ErrorCode::connect;
    r.error = "check engine refused the check";
    return r;
  }
  CheckResult result = future.get();
  engine.stop(milliseconds(0));
  return result;
}

}  // namespace jetmon::check

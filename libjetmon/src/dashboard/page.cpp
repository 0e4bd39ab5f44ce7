#include "jetmon/dashboard/server.hpp"

namespace jetmon::dashboard {
namespace {

// dashboard-fleet.md §4 (the seed's "After" layout). Self-contained: no external URL, no
// external asset; every value is written with textContent. The summary rules in summarize()
// mirror host_summary() (summary.cpp); the server's summary replaces them on every poll.
constexpr std::string_view kPage = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Jetmon 2 - Host Dashboard</title>
<style>
  :root { --green: #1f8a3b; --amber: #b7791f; --red: #c53030; --ink: #1a202c; --muted: #5a6472; }
  * { box-sizing: border-box; }
  body { margin: 0; padding: 24px; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif;
         color: var(--ink); background: #f4f6f8; }
  header { display: flex; align-items: center; justify-content: space-between; margin-bottom: 16px; }
  h1 { margin: 0; font-size: 24px; }
  .subtitle { color: var(--muted); }
  .pill { padding: 4px 14px; border-radius: 999px; font-weight: 700; text-transform: uppercase;
          color: #fff; background: var(--muted); }
  .pill.green { background: var(--green); } .pill.amber { background: var(--amber); }
  .pill.red { background: var(--red); }
  .summary { background: #fff; border-left: 6px solid var(--muted); padding: 14px 18px;
             margin-bottom: 20px; border-radius: 6px; }
  .summary.green { border-color: var(--green); } .summary.amber { border-color: var(--amber); }
  .summary.red { border-color: var(--red); }
  .summary h2 { margin: 0 0 4px; font-size: 18px; }
  .summary ul { margin: 8px 0; padding-left: 20px; }
  .meta { display: flex; justify-content: space-between; color: var(--muted); margin-top: 6px; }
  section { margin-bottom: 20px; }
  section h3 { margin: 0 0 8px; font-size: 13px; letter-spacing: .08em; color: var(--muted); }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px; }
  .card { background: #fff; border-radius: 6px; padding: 10px 12px; }
  .card .label { font-size: 12px; color: var(--muted); }
  .card .value { font-size: 20px; font-weight: 600; overflow-wrap: anywhere; }
  .commands .card { display: grid; grid-template-columns: 130px 1fr; align-items: baseline; }
  .commands .value { font: 13px/1.4 ui-monospace, Menlo, Consolas, monospace; font-weight: 400; }
  .commands { display: grid; gap: 6px; }
  .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 8px; }
  .tile { padding: 8px 12px; border-radius: 6px; color: #fff; overflow-wrap: anywhere; }
  .tile.green { background: var(--green); } .tile.amber { background: var(--amber); }
  .tile.red { background: var(--red); }
</style>
</head>
<body>
<header>
  <div><h1>Jetmon 2</h1><div class="subtitle">Host dashboard</div></div>
  <span id="status-pill" class="pill">waiting</span>
</header>

<div id="summary" class="summary">
  <h2 id="summary-title">Waiting for host state</h2>
  <div id="summary-detail">dependencies green=0 amber=0 red=0</div>
  <ul id="summary-issues"></ul>
  <div class="meta"><span id="summary-host">host: -</span><span id="summary-updated">updated: never</span></div>
</div>

<section>
  <h3>CHECK POOL</h3>
  <div class="grid">
    <div class="card"><div class="label">Workers</div><div class="value" id="workers">-</div></div>
    <div class="card"><div class="label">Active Checks</div><div class="value" id="active-checks">-</div></div>
    <div class="card"><div class="label">Queue Depth</div><div class="value" id="queue-depth">-</div></div>
    <div class="card"><div class="label">Retry Queue</div><div class="value" id="retry-queue">-</div></div>
  </div>
</section>

<section>
  <h3>THROUGHPUT</h3>
  <div class="grid">
    <div class="card"><div class="label">Sites/Sec</div><div class="value" id="sites-per-sec">-</div></div>
    <div class="card"><div class="label">Round Time</div><div class="value" id="round-time">-</div></div>
    <div class="card"><div class="label">Buckets</div><div class="value" id="buckets">-</div></div>
    <div class="card"><div class="label">RSS Memory</div><div class="value" id="rss-mem">-</div></div>
    <div class="card"><div class="label">Allocator Memory</div><div class="value" id="go-sys">-</div></div>
  </div>
</section>

<section>
  <h3>ROLLOUT STATE</h3>
  <div class="grid">
    <div class="card"><div class="label">Ownership</div><div class="value" id="ownership">-</div></div>
    <div class="card"><div class="label">Legacy Projection</div><div class="value" id="legacy-projection">-</div></div>
    <div class="card"><div class="label">Delivery Runtime</div><div class="value" id="delivery-runtime">-</div></div>
    <div class="card"><div class="label">Config Eligibility</div><div class="value" id="delivery-eligible">-</div></div>
    <div class="card"><div class="label">Delivery Owner</div><div class="value" id="delivery-owner">-</div></div>
    <div class="card"><div class="label">WPCOM Circuit</div><div class="value" id="wpcom-circuit">-</div></div>
    <div class="card"><div class="label">WPCOM Queue</div><div class="value" id="wpcom-queue">-</div></div>
  </div>
</section>

<section>
  <h3>OPERATOR COMMANDS</h3>
  <div class="commands">
    <div class="card"><div class="label">State Report</div><div class="value" id="state-report">-</div></div>
    <div class="card"><div class="label">Preflight</div><div class="value" id="preflight">-</div></div>
    <div class="card"><div class="label">Cutover</div><div class="value" id="cutover">-</div></div>
    <div class="card"><div class="label">Activity</div><div class="value" id="activity">-</div></div>
    <div class="card"><div class="label">Rollback</div><div class="value" id="rollback">-</div></div>
    <div class="card"><div class="label">Drift Report</div><div class="value" id="drift">-</div></div>
  </div>
</section>

<section>
  <h3>EXTERNAL DEPENDENCIES</h3>
  <div class="tiles" id="health"></div>
</section>

<script>
"use strict";
var lastState = null;
var lastHealth = null;
var NEVER = "0001-01-01T00:00:00Z";

function show(id, value) {
  var text = (value === undefined || value === null || value === "") ? "-" : String(value);
  document.getElementById(id).textContent = text;
}
function mb(n) { return (typeof n === "number" && n > 0) ? n + "MB" : "n/a"; }
function isNever(t) { return !t || t === NEVER || t.indexOf("0001-01-01") === 0; }

function renderState(s) {
  show("workers", s.worker_count);
  show("active-checks", s.active_checks);
  show("queue-depth", s.queue_depth);
  show("retry-queue", s.retry_queue_size);
  show("sites-per-sec", s.sites_per_sec);
  show("round-time", (s.round_duration_ms / 1000).toFixed(1) + "s");
  show("buckets", s.bucket_min + "-" + s.bucket_max);
  show("rss-mem", mb(s.rss_mem_mb));
  show("go-sys", mb(s.go_sys_mem_mb));
  show("ownership", s.bucket_ownership);
  show("legacy-projection", s.legacy_status_projection_enabled ? "enabled" : "disabled");
  show("delivery-runtime", s.delivery_workers_enabled ? "enabled" : "disabled");
  show("delivery-eligible", s.delivery_config_eligible ? "eligible" : "not eligible");
  show("delivery-owner", s.delivery_owner_host ? s.delivery_owner_host : "unset");
  show("wpcom-circuit", s.wpcom_circuit_open ? "OPEN" : "closed");
  show("wpcom-queue", s.wpcom_queue_depth);
  show("state-report", s.rollout_state_report_command);
  show("preflight", s.rollout_preflight_command);
  show("cutover", s.rollout_cutover_command);
  show("activity", s.rollout_activity_command);
  show("rollback", s.rollout_rollback_command);
  show("drift", s.projection_drift_command);
}

function renderHealth(list) {
  var box = document.getElementById("health");
  while (box.firstChild) box.removeChild(box.firstChild);
  (list || []).forEach(function (e) {
    var text = e.name + ": " + e.status;
    if (e.latency_ms) text += " " + e.latency_ms + "ms";
    if (e.last_error) text += " - " + e.last_error;
    var tile = document.createElement("div");
    var known = e.status === "green" || e.status === "amber" || e.status === "red";
    tile.className = "tile " + (known ? e.status : "amber");
    tile.textContent = text;
    box.appendChild(tile);
  });
}

// The host summary rules (dashboard-fleet.md §2), as host_summary() applies them.
function summarize(state, health) {
  var red = [], amber = [], r = 0, a = 0, g = 0, waiting = false;
  if (!state) { a++; amber.push("host state has not been published yet"); }
  else if (isNever(state.updated_at)) { waiting = true; amber.push("host state has not been published yet"); }
  if (!health || health.length === 0) { a++; amber.push("dependency health has not been published yet"); }
  var wpcomRed = false;
  (health || []).forEach(function (e) {
    var detail = e.last_error ? e.last_error : "no detail reported";
    if (e.status === "red") { r++; red.push(e.name + " red: " + detail); if (e.name === "wpcom") wpcomRed = true; }
    else if (e.status === "amber") { a++; amber.push(e.name + " amber: " + detail); }
    else if (e.status === "green") { g++; }
  });
  if (state) {
    if (state.wpcom_circuit_open && !wpcomRed) { r++; red.push("wpcom red: circuit open"); }
    if (state.delivery_workers_enabled && state.delivery_owner_host === "") {
      a++; amber.push("delivery amber: runtime workers are enabled without DELIVERY_OWNER_HOST");
    }
    if (state.delivery_workers_enabled !== state.delivery_config_eligible) {
      a++; amber.push("delivery amber: runtime worker state differs from current config; restart to apply ownership changes");
    }
  }
  var s = { red_count: r, amber_count: a, green_count: g, issues: red.concat(amber) };
  if (r > 0) { s.status = "red"; s.message = "rollout-blocking dependency or circuit issue"; }
  else if (a > 0) { s.status = "amber"; s.message = "operator attention needed before rollout"; }
  else if (waiting) { s.status = "amber"; s.message = "waiting for host state"; }
  else { s.status = "green"; s.message = "host checks are green"; s.issues = []; }
  return s;
}

function renderSummary(sum, state) {
  var pill = document.getElementById("status-pill");
  pill.textContent = sum.status;
  pill.className = "pill " + sum.status;
  document.getElementById("summary").className = "summary " + sum.status;
  show("summary-title", sum.message);
  show("summary-detail", "dependencies green=" + sum.green_count + " amber=" + sum.amber_count +
       " red=" + sum.red_count);
  var ul = document.getElementById("summary-issues");
  while (ul.firstChild) ul.removeChild(ul.firstChild);
  (sum.issues || []).slice(0, 5).forEach(function (text) {
    var li = document.createElement("li");
    li.textContent = text;
    ul.appendChild(li);
  });
  if (state) {
    show("summary-host", "host: " + (state.hostname || "-"));
    show("summary-updated", "updated: " +
         (isNever(state.updated_at) ? "never" : new Date(state.updated_at).toLocaleTimeString()));
  }
}

function fetchHost() {
  fetch("/api/host", { cache: "no-store" })
    .then(function (res) {
      if (!res.ok) throw new Error("HTTP " + res.status);
      return res.json();
    })
    .then(function (host) {
      lastState = host.state;
      lastHealth = host.health;
      renderState(host.state);
      renderHealth(host.health);
      renderSummary(host.summary, host.state);
    })
    .catch(function (err) {
      var msg = (err && err.message) ? err.message : String(err);
      renderHealth([{ name: "dashboard health", status: "red", last_error: msg }]);
      renderSummary({ status: "red", message: "dashboard health endpoint failed", issues: [msg],
                      red_count: 1, amber_count: 0, green_count: 0 }, lastState);
    });
}

var events = new EventSource("/events");
events.onmessage = function (ev) {
  var state;
  try { state = JSON.parse(ev.data); } catch (e) { return; }
  lastState = state;
  renderState(state);
  renderSummary(summarize(state, lastHealth), state);
};

fetchHost();
setInterval(fetchHost, 10000);
</script>
</body>
</html>
)HTML";

}  // namespace

std::string_view host_page_html() { return kPage; }

}  // namespace jetmon::dashboard

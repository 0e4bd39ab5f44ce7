#pragma once

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "jetmon/rollout/queries.hpp"

// An in-memory Queries for the rollout unit tests: each answer is a public member the test
// sets; `fail_with` makes every query throw (a lost database). Counts are per range, keyed by
// "min-max"; an unset range answers 0.
namespace jetmon::rollout::testing {

inline std::string range_key(BucketRange range) {
  return std::to_string(range.min) + "-" + std::to_string(range.max);
}

class FakeQueries : public Queries {
 public:
  std::map<std::string, std::int64_t> active;           // range_key → Q-active
  std::map<std::string, std::int64_t> checked;          // range_key → Q-fresh
  std::vector<std::string> host_rows;                   // host ids with a jetmon_hosts row
  std::vector<HostLease> hosts;                         // the whole jetmon_hosts table
  std::map<std::string, std::int64_t> drift;            // range_key → drift count
  std::vector<DriftRow> rows;                           // every drifting row (any range)
  std::vector<DriftGroup> groups;                       // every summary group (any range)
  std::vector<ProcessHealthRecord> processes;           // jetmon_process_health
  std::string fail_with;                                // non-empty: every query throws this
  std::vector<TimePoint> cutoffs_seen;                  // cutoffs passed to Q-fresh

  std::int64_t active_sites(BucketRange range) override { return lookup(active, range); }
  std::int64_t active_sites_checked_since(BucketRange range, TimePoint cutoff) override {
    cutoffs_seen.push_back(cutoff);
    return lookup(checked, range);
  }
  bool host_row_exists(const std::string& host_id) override {
    maybe_fail();
    return std::find(host_rows.begin(), host_rows.end(), host_id) != host_rows.end();
  }
  std::vector<HostLease> overlapping_hosts(BucketRange range) override {
    maybe_fail();
    std::vector<HostLease> out;
    for (const HostLease& h : sorted_hosts()) {
      if (h.bucket_min <= range.max && h.bucket_max >= range.min) out.push_back(h);
    }
    return out;
  }
  std::vector<HostLease> all_hosts() override {
    maybe_fail();
    return sorted_hosts();
  }
  std::int64_t drift_count(BucketRange range) override { return lookup(drift, range); }
  std::vector<DriftRow> drift_rows(BucketRange range, std::int64_t limit) override {
    maybe_fail();
    std::vector<DriftRow> out;
    for (const DriftRow& r : rows) {
      if (range.contains(r.bucket_no) && static_cast<std::int64_t>(out.size()) < limit) out.push_back(r);
    }
    return out;
  }
  std::vector<DriftGroup> drift_summary(BucketRange range, std::int64_t limit) override {
    maybe_fail();
    std::vector<DriftGroup> out;
    for (const DriftGroup& g : groups) {
      if (range.contains(g.bucket_no) && static_cast<std::int64_t>(out.size()) < limit) out.push_back(g);
    }
    return out;
  }
  std::vector<ProcessHealthRecord> process_health(const std::string& host_id) override {
    maybe_fail();
    std::vector<ProcessHealthRecord> out;
    for (const ProcessHealthRecord& p : processes) {
      if (p.host_id == host_id) out.push_back(p);
    }
    return out;
  }

 private:
  void maybe_fail() const {
    if (!fail_with.empty()) throw std::runtime_error(fail_with);
  }
  std::int64_t lookup(const std::map<std::string, std::int64_t>& table, BucketRange range) const {
    maybe_fail();
    const auto it = table.find(range_key(range));
    return it == table.end() ? 0 : it->second;
  }
  std::vector<HostLease> sorted_hosts() const {
    std::vector<HostLease> out = hosts;
    std::sort(out.begin(), out.end(), [](const HostLease& a, const HostLease& b) {
      return a.bucket_min != b.bucket_min ? a.bucket_min < b.bucket_min : a.host_id < b.host_id;
    });
    return out;
  }
};

}  // namespace jetmon::rollout::testing

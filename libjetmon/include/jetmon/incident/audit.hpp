#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "jetmon/incident/vocabulary.hpp"

namespace jetmon::db {
class Connection;
}

// The operational audit log, jetmon_audit_log (monitor.md §9.3).
namespace jetmon::incident {

inline constexpr std::size_t kAuditDetailMaxChars = 1024;  // detail is VARCHAR(1024)

struct AuditEntry {
  std::uint64_t blog_id = 0;   // 0: NULL
  std::uint64_t event_id = 0;  // 0: NULL
  std::string event_type;      // audit_events::…
  std::string source;          // empty: "local"
  std::string detail;          // empty: NULL; longer than 1024 characters: cut at 1024
  std::string metadata_json;   // empty: NULL; otherwise a JSON document
};

// Inserts one row: (blog_id, event_id, event_type, source, detail, metadata). Audit rows never
// stop the monitor: a failed insert is logged (warn) and reported as false, never thrown.
bool write_audit(db::Connection& connection, const AuditEntry& entry) noexcept;

// Several rows in one multi-row INSERT, same columns and rules. False (logged) when the insert
// failed, and then none of them was written.
bool write_audits(db::Connection& connection, std::span<const AuditEntry> entries) noexcept;

}  // namespace jetmon::incident

#include "jetmon/incident/audit.hpp"

#include <fmt/format.h>

#include <exception>
#include <iterator>

#include "common/utf8.hpp"
#include "jetmon/common/log.hpp"
#include "jetmon/db/connection.hpp"

namespace jetmon::incident {

namespace {

db::Value id_or_null(std::uint64_t id) { return id == 0 ? db::Value(db::null) : db::Value(id); }

db::Value text_or_null(std::string_view text) {
  return text.empty() ? db::Value(db::null) : db::Value(text);
}

// (blog_id, event_id, event_type, source, detail, metadata) of one row.
db::Params audit_values(const AuditEntry& entry) {
  const std::string_view source = entry.source.empty() ? kLocalSource : entry.source;
  return {id_or_null(entry.blog_id), id_or_null(entry.event_id), entry.event_type, source,
          text_or_null(utf8_prefix(entry.detail, kAuditDetailMaxChars)), text_or_null(entry.metadata_json)};
}

constexpr std::string_view kAuditInsert =
    "INSERT INTO jetmon_audit_log (blog_id, event_id, event_type, source, detail, metadata) VALUES ";

void log_lost(std::string_view event_type, std::uint64_t blog_id, std::size_t rows, const char* why) noexcept {
  try {
    if (rows == 1) {
      log::warn("audit: {} blog_id={} not written: {}", event_type, blog_id, why);
    } else {
      log::warn("audit: {} rows (first {} blog_id={}) not written: {}", rows, event_type, blog_id, why);
    }
  } catch (...) {  // logging must not turn a lost audit row into std::terminate
  }
}

}  // namespace

bool write_audit(db::Connection& connection, const AuditEntry& entry) noexcept {
  try {
    static const std::string single_row = fmt::format("{}(?, ?, ?, ?, ?, ?)", kAuditInsert);
    connection.exec(single_row, audit_values(entry));
    return true;
  } catch (const std::exception& e) {
    log_lost(entry.event_type, entry.blog_id, 1, e.what());
  } catch (...) {
    log_lost(entry.event_type, entry.blog_id, 1, "unknown error");
  }
  return false;
}

bool write_audits(db::Connection& connection, std::span<const AuditEntry> entries) noexcept {
  if (entries.empty()) return true;
  try {
    fmt::memory_buffer sql;
    auto out = std::back_inserter(sql);
    fmt::format_to(out, "{}", kAuditInsert);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      fmt::format_to(out, "{}{}", i > 0 ? "," : "", connection.literal_row(audit_values(entries[i])));
    }
    connection.execute(std::string_view(sql.data(), sql.size()));
    return true;
  } catch (const std::exception& e) {
    log_lost(entries.front().event_type, entries.front().blog_id, entries.size(), e.what());
  } catch (...) {
    log_lost(entries.front().event_type, entries.front().blog_id, entries.size(), "unknown error");
  }
  return false;
}

}  // namespace jetmon::incident

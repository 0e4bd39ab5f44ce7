#include "jetmon/incident/audit.hpp"

#include <exception>

#include "common/utf8.hpp"
#include "jetmon/common/log.hpp"
#include "jetmon/db/connection.hpp"

namespace jetmon::incident {

namespace {

db::Value id_or_null(std::uint64_t id) { return id == 0 ? db::Value(db::null) : db::Value(id); }

db::Value text_or_null(std::string_view text) {
  return text.empty() ? db::Value(db::null) : db::Value(text);
}

}  // namespace

bool write_audit(db::Connection& connection, const AuditEntry& entry) noexcept {
  try {
    const std::string_view source = entry.source.empty() ? kLocalSource : entry.source;
    connection.exec(
        "INSERT INTO jetmon_audit_log (blog_id, event_id, event_type, source, detail, metadata)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        {id_or_null(entry.blog_id), id_or_null(entry.event_id), entry.event_type, source,
         text_or_null(utf8_prefix(entry.detail, kAuditDetailMaxChars)),
         text_or_null(entry.metadata_json)});
    return true;
  } catch (const std::exception& e) {
    try {
      log::warn("audit: {} blog_id={} not written: {}", entry.event_type, entry.blog_id, e.what());
    } catch (...) {  // logging must not turn a lost audit row into std::terminate
    }
  } catch (...) {
  }
  return false;
}

}  // namespace jetmon::incident

#include "notify/outbox.hpp"

#include "common/utf8.hpp"
#include "jetmon/db/error.hpp"

namespace jetmon::notify::outbox {

InsertOutcome insert(db::Connection& c, const NewNotice& n) {
  constexpr unsigned kDuplicateKey = 1062;
  db::Transaction tx(c);
  const auto newest = c.query_one(
      "SELECT id, status_id, notice_key FROM jetmon_wpcom_outbox WHERE host_id = ? AND blog_id = ?"
      " AND state IN ('pending', 'queued') ORDER BY id DESC LIMIT 1 FOR UPDATE",
      {n.host_id, n.blog_id});
  if (newest && newest->get_int64(1) == n.status_id) {
    if (newest->get_string(2) == n.key) return InsertOutcome::already_stored;
    try {
      c.exec("UPDATE jetmon_wpcom_outbox SET notice_key = ?, status_type = ?, payload = ? WHERE id = ?",
             {n.key, std::string(utf8_prefix(n.status_type, 32)), n.payload, newest->get_uint64(0)});
    } catch (const db::DbError& e) {
      if (e.code() == kDuplicateKey) return InsertOutcome::already_stored;  // sent before
      throw;
    }
    tx.commit();
    return InsertOutcome::superseded;
  }
  const auto r = c.exec(
      "INSERT INTO jetmon_wpcom_outbox (host_id, notice_key, blog_id, status_id, status_type, payload, state)"
      " VALUES (?, ?, ?, ?, ?, ?, 'pending') ON DUPLICATE KEY UPDATE id = id",
      {n.host_id, n.key, n.blog_id, n.status_id, std::string(utf8_prefix(n.status_type, 32)), n.payload});
  tx.commit();
  return r.affected_rows == 1 ? InsertOutcome::inserted : InsertOutcome::already_stored;
}

namespace {

std::vector<Row> read_rows(const std::vector<db::Row>& rows) {
  std::vector<Row> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    Row row;
    row.id = r.get_uint64(0).value_or(0);
    row.blog_id = r.get_uint64(1).value_or(0);
    row.status_id = static_cast<int>(r.get_int64(2).value_or(0));
    row.status_type = r.get_string(3).value_or("");
    row.payload = r.get_string(4).value_or("");
    row.state = r.get_string(5).value_or("");
    row.attempts = static_cast<std::uint32_t>(r.get_uint64(6).value_or(0));
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

std::vector<Row> next_rows(db::Connection& c, std::string_view host_id, int limit) {
  return read_rows(c.query(
      "SELECT id, blog_id, status_id, status_type, payload, state, attempts FROM jetmon_wpcom_outbox"
      " WHERE host_id = ? AND state IN ('pending', 'queued') ORDER BY id LIMIT ?",
      {host_id, limit}));
}

std::vector<Row> pending_rows(db::Connection& c, std::string_view host_id, int limit) {
  return read_rows(c.query(
      "SELECT id, blog_id, status_id, status_type, payload, state, attempts FROM jetmon_wpcom_outbox"
      " WHERE host_id = ? AND state = 'pending' ORDER BY id LIMIT ?",
      {host_id, limit}));
}

std::int64_t count_queued(db::Connection& c, std::string_view host_id) {
  const auto v = c.query_scalar(
      "SELECT COUNT(*) FROM jetmon_wpcom_outbox WHERE host_id = ? AND state = 'queued'", {host_id});
  return v ? v->as_int64().value_or(0) : 0;
}

void mark_queued(db::Connection& c, std::uint64_t id) {
  c.exec("UPDATE jetmon_wpcom_outbox SET state = 'queued', queued_at = COALESCE(queued_at, NOW())"
         " WHERE id = ? AND state IN ('pending', 'queued')",
         {id});
}

void mark_attempt(db::Connection& c, std::uint64_t id, std::uint32_t attempts) {
  c.exec("UPDATE jetmon_wpcom_outbox SET attempts = ?, last_attempt_at = NOW() WHERE id = ?", {attempts, id});
}

void record_error(db::Connection& c, std::uint64_t id, std::string_view error) {
  c.exec("UPDATE jetmon_wpcom_outbox SET last_error = ? WHERE id = ?", {std::string(utf8_prefix(error, 1024)), id});
}

void mark_failed(db::Connection& c, std::uint64_t id, std::string_view error) {
  c.exec("UPDATE jetmon_wpcom_outbox SET state = 'failed', last_error = ? WHERE id = ?",
         {std::string(utf8_prefix(error, 1024)), id});
}

void mark_delivered(db::Connection& c, std::uint64_t id, std::uint64_t blog_id, const db::DateTime& now_utc) {
  db::Transaction tx(c);
  c.exec("UPDATE jetmon_wpcom_outbox SET state = 'delivered', delivered_at = NOW() WHERE id = ?", {id});
  c.exec("UPDATE jetpack_monitor_sites SET last_alert_sent_at = ? WHERE blog_id = ?", {now_utc, blog_id});
  tx.commit();
}

std::uint64_t prune(db::Connection& c, std::string_view host_id, long long age_hours, int limit) {
  const auto r = c.exec(
      "DELETE FROM jetmon_wpcom_outbox WHERE host_id = ? AND state IN ('delivered', 'failed')"
      " AND created_at < DATE_SUB(NOW(), INTERVAL ? HOUR) ORDER BY id LIMIT ?",
      {host_id, age_hours, limit});
  return r.affected_rows;
}

}  // namespace jetmon::notify::outbox

#include "jetmon/incident/event_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace jetmon::incident {

namespace {

constexpr std::string_view kEventColumnList =
    "id, blog_id, check_type, severity, state, started_at, ended_at, resolution_reason, metadata";

std::string event_query(std::string_view where) {
  return fmt::format("SELECT {} FROM jetmon_events {}", kEventColumnList, where);
}

// jetmon_events.dedup_key of an open event without endpoint or discriminator, as the schema
// generates it: CONCAT_WS(':', blog_id, COALESCE(endpoint_id, 0), check_type,
// COALESCE(discriminator, '')) (schema/010_create_jetmon_events.sql).
std::string open_dedup_key(std::uint64_t blog_id, std::string_view check_type) {
  return fmt::format("{}:0:{}:", blog_id, check_type);
}

void append_list(fmt::memory_buffer& sql, std::span<const std::string> literals) {
  for (std::size_t i = 0; i < literals.size(); ++i) {
    fmt::format_to(std::back_inserter(sql), "{}{}", i > 0 ? "," : "", literals[i]);
  }
}

std::string_view text_of(const fmt::memory_buffer& sql) { return {sql.data(), sql.size()}; }

TimePoint to_time_point(const db::DateTime& t) {
  return std::chrono::time_point_cast<TimePoint::duration>(t.time);
}

Event event_from(const db::Row& row) {
  Event e;
  e.id = row.get_uint64(0).value_or(0);
  e.blog_id = row.get_uint64(1).value_or(0);
  e.check_type = row.get_string(2).value_or("");
  e.severity = static_cast<int>(row.get_int64(3).value_or(0));
  e.state = row.get_string(4).value_or("");
  if (auto started = row.get_datetime(5)) e.started_at = to_time_point(*started);
  if (auto ended = row.get_datetime(6)) e.ended_at = to_time_point(*ended);
  e.resolution_reason = row.get_string(7);
  e.metadata = row.get_string(8);
  return e;
}

std::optional<Event> query_event(db::Connection& connection, std::string_view where,
                                 const db::Params& params) {
  auto row = connection.query_one(event_query(where), params);
  if (!row) return std::nullopt;
  return event_from(*row);
}

db::Value optional_int(std::optional<int> v) { return v ? db::Value(*v) : db::Value(db::null); }

db::Value optional_text(std::optional<std::string_view> v) {
  return v ? db::Value(*v) : db::Value(db::null);
}

bool projects_site_status(const Event& event) { return event.check_type == check_types::http; }

constexpr std::string_view kTransitionInsert =
    "INSERT INTO jetmon_event_transitions (event_id, blog_id, severity_before, severity_after,"
    " state_before, state_after, reason, source, metadata) VALUES ";

// The values of one jetmon_event_transitions row, in kTransitionInsert's column order.
db::Params transition_values(const Event& event, std::optional<int> severity_before,
                             std::optional<int> severity_after, std::optional<std::string_view> state_before,
                             std::optional<std::string_view> state_after, std::string_view reason,
                             std::string_view source, const std::optional<std::string>& metadata) {
  return {event.id, event.blog_id, optional_int(severity_before), optional_int(severity_after),
          optional_text(state_before), optional_text(state_after), reason, source, db::Value(metadata)};
}

// Several transition rows in one statement (an empty list writes nothing).
void insert_transitions(db::Connection& connection, std::span<const db::Params> rows) {
  if (rows.empty()) return;
  std::string sql(kTransitionInsert);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) sql += ',';
    sql += connection.literal_row(rows[i]);
  }
  connection.execute(sql);
}

}  // namespace

EventError::EventError(Kind kind, std::uint64_t event_id)
    : std::runtime_error(kind == Kind::not_found ? "event not found" : "event is closed"),
      kind_(kind),
      event_id_(event_id) {}

// ---- EventTransaction ---------------------------------------------------------------------------

EventTransaction::EventTransaction(const EventStore& store, db::Connection& connection)
    : store_(&store), connection_(&connection), transaction_(connection) {}

void EventTransaction::write_transition(const Event& event, std::optional<int> severity_before,
                                        std::optional<int> severity_after,
                                        std::optional<std::string_view> state_before,
                                        std::optional<std::string_view> state_after,
                                        std::string_view reason,
                                        const std::optional<std::string>& metadata) {
  static const std::string single_row = fmt::format("{}(?, ?, ?, ?, ?, ?, ?, ?, ?)", kTransitionInsert);
  connection_->exec(single_row, transition_values(event, severity_before, severity_after, state_before,
                                                  state_after, reason, store_->source(), metadata));
}

OpenResult EventTransaction::open(const OpenRequest& request) {
  const std::optional<std::string> metadata = metadata_json(request.metadata);
  const db::ExecResult inserted = connection_->exec(
      "INSERT INTO jetmon_events (blog_id, endpoint_id, check_type, discriminator, severity, state,"
      " metadata) VALUES (?, NULL, ?, NULL, ?, ?, ?) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)",
      {request.blog_id, request.check_type, request.severity, request.state, db::Value(metadata)});
  OpenResult result;
  // 1 = inserted; an existing open event matched the dedup key otherwise (0 rows changed).
  result.created = inserted.affected_rows == 1;
  auto event = query_event(*connection_, "WHERE id = ?", {inserted.last_insert_id});
  if (!event) throw EventError(EventError::Kind::not_found, inserted.last_insert_id);
  result.event = std::move(*event);
  if (result.created) {
    write_transition(result.event, std::nullopt, request.severity, std::nullopt, request.state,
                     reasons::opened, metadata);
  }
  return result;
}

std::vector<OpenResult> EventTransaction::open_all(std::span<const OpenRequest> requests) {
  std::vector<OpenResult> results(requests.size());
  if (requests.empty()) return results;
  db::Connection& c = *connection_;
  std::unordered_map<std::string, std::size_t> index_of_key;
  std::vector<std::string> key_literals;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    std::string key = open_dedup_key(requests[i].blog_id, requests[i].check_type);
    key_literals.push_back(c.literal(key));
    if (!index_of_key.emplace(std::move(key), i).second) {
      throw std::invalid_argument(fmt::format("open_all: blog {} {} requested twice", requests[i].blog_id,
                                              requests[i].check_type));
    }
  }
  const auto index_of = [&](const Event& event) {
    const auto it = index_of_key.find(open_dedup_key(event.blog_id, event.check_type));
    if (it == index_of_key.end()) throw EventError(EventError::Kind::not_found, event.id);
    return it->second;
  };

  fmt::memory_buffer sql;
  fmt::format_to(std::back_inserter(sql), "SELECT {} FROM jetmon_events WHERE dedup_key IN (", kEventColumnList);
  append_list(sql, key_literals);
  fmt::format_to(std::back_inserter(sql), ") FOR UPDATE");
  std::vector<bool> found(requests.size(), false);
  for (const db::Row& row : c.query_text(text_of(sql))) {
    Event event = event_from(row);
    const std::size_t i = index_of(event);
    results[i].event = std::move(event);
    found[i] = true;
  }

  std::vector<std::optional<std::string>> metadata(requests.size());
  sql.clear();
  fmt::format_to(std::back_inserter(sql),
                 "INSERT INTO jetmon_events (blog_id, endpoint_id, check_type, discriminator, severity,"
                 " state, metadata) VALUES ");
  std::size_t inserting = 0;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (found[i]) continue;
    const OpenRequest& r = requests[i];
    metadata[i] = metadata_json(r.metadata);
    fmt::format_to(std::back_inserter(sql), "{}({},NULL,{},NULL,{},{},{})", inserting > 0 ? "," : "",
                   r.blog_id, c.literal(r.check_type), r.severity, c.literal(r.state),
                   c.literal(db::Value(metadata[i])));
    ++inserting;
  }
  if (inserting == 0) return results;
  fmt::format_to(std::back_inserter(sql), " RETURNING {}", kEventColumnList);
  std::size_t inserted = 0;
  for (const db::Row& row : c.query_text(text_of(sql))) {
    Event event = event_from(row);
    const std::size_t i = index_of(event);
    results[i].event = std::move(event);
    results[i].created = true;
    ++inserted;
  }
  if (inserted != inserting) {
    throw db::DbError(fmt::format("open_all: {} events inserted, {} returned", inserting, inserted));
  }

  std::vector<db::Params> transitions;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (!results[i].created) continue;
    transitions.push_back(transition_values(results[i].event, std::nullopt, requests[i].severity, std::nullopt,
                                            requests[i].state, reasons::opened, store_->source(), metadata[i]));
  }
  insert_transitions(c, transitions);
  return results;
}

std::vector<ChangeResult> EventTransaction::close_all_recovered(std::span<const std::uint64_t> event_ids) {
  std::vector<ChangeResult> results(event_ids.size());
  if (event_ids.empty()) return results;
  db::Connection& c = *connection_;
  std::unordered_map<std::uint64_t, std::size_t> index_of_id;
  fmt::memory_buffer id_list;
  for (std::size_t i = 0; i < event_ids.size(); ++i) {
    if (!index_of_id.emplace(event_ids[i], i).second) {
      throw std::invalid_argument(fmt::format("close_all_recovered: event {} asked twice", event_ids[i]));
    }
    fmt::format_to(std::back_inserter(id_list), "{}{}", i > 0 ? "," : "", event_ids[i]);
  }
  const std::string select =
      fmt::format("SELECT {} FROM jetmon_events WHERE id IN ({})", kEventColumnList, text_of(id_list));

  std::vector<bool> locked(event_ids.size(), false);
  for (const db::Row& row : c.query_text(select + " FOR UPDATE")) {
    Event event = event_from(row);
    if (!event.is_open()) throw EventError(EventError::Kind::closed, event.id);
    const std::size_t i = index_of_id.at(event.id);
    results[i].severity_before = event.severity;
    results[i].state_before = event.state;
    results[i].event = std::move(event);
    locked[i] = true;
  }
  for (std::size_t i = 0; i < event_ids.size(); ++i) {
    if (!locked[i]) throw EventError(EventError::Kind::not_found, event_ids[i]);
  }

  fmt::memory_buffer sql;
  fmt::format_to(std::back_inserter(sql),
                 "UPDATE jetmon_events SET ended_at = CURRENT_TIMESTAMP(3), resolution_reason = CASE id");
  for (const ChangeResult& r : results) {
    fmt::format_to(std::back_inserter(sql), " WHEN {} THEN {}", r.event.id,
                   c.literal(recovery_reason(r.state_before)));
  }
  fmt::format_to(std::back_inserter(sql), " END WHERE id IN ({})", text_of(id_list));
  c.execute(text_of(sql));

  const std::optional<std::string> no_metadata = metadata_json(Metadata{});
  std::vector<db::Params> transitions;
  for (const ChangeResult& r : results) {
    transitions.push_back(transition_values(r.event, r.severity_before, std::nullopt,
                                            std::string_view(r.state_before), states::resolved,
                                            recovery_reason(r.state_before), store_->source(), no_metadata));
  }
  insert_transitions(c, transitions);

  // Read back ended_at as the server stamped it.
  for (const db::Row& row : c.query_text(select)) {
    Event event = event_from(row);
    const std::size_t i = index_of_id.at(event.id);
    results[i].event = std::move(event);
    results[i].changed = true;
  }
  return results;
}

Event EventTransaction::lock_open_event(std::uint64_t event_id) {
  auto event = query_event(*connection_, "WHERE id = ? FOR UPDATE", {event_id});
  if (!event) throw EventError(EventError::Kind::not_found, event_id);
  if (!event->is_open()) throw EventError(EventError::Kind::closed, event_id);
  return std::move(*event);
}

ChangeResult EventTransaction::promote(std::uint64_t event_id, int severity, std::string_view state,
                                       std::string_view reason, const Metadata& metadata) {
  ChangeResult result;
  result.event = lock_open_event(event_id);
  result.severity_before = result.event.severity;
  result.state_before = result.event.state;
  const bool severity_changed = severity != result.event.severity;
  const bool state_changed = state != result.event.state;
  if (!severity_changed && !state_changed) return result;

  if (severity_changed && state_changed) {
    connection_->exec("UPDATE jetmon_events SET severity = ?, state = ? WHERE id = ?",
                      {severity, state, event_id});
  } else if (severity_changed) {
    connection_->exec("UPDATE jetmon_events SET severity = ? WHERE id = ?", {severity, event_id});
  } else {
    connection_->exec("UPDATE jetmon_events SET state = ? WHERE id = ?", {state, event_id});
  }
  write_transition(result.event, result.severity_before, severity,
                   std::string_view(result.state_before), state, reason, metadata_json(metadata));
  result.event.severity = severity;
  result.event.state = std::string(state);
  result.changed = true;
  return result;
}

ChangeResult EventTransaction::close(std::uint64_t event_id, std::string_view reason,
                                     const Metadata& metadata) {
  ChangeResult result;
  result.event = lock_open_event(event_id);
  result.severity_before = result.event.severity;
  result.state_before = result.event.state;
  connection_->exec(
      "UPDATE jetmon_events SET ended_at = CURRENT_TIMESTAMP(3), resolution_reason = ? WHERE id = ?",
      {reason, event_id});
  write_transition(result.event, result.severity_before, std::nullopt,
                   std::string_view(result.state_before), states::resolved, reason,
                   metadata_json(metadata));
  // Read back ended_at as the server stamped it.
  if (auto closed = query_event(*connection_, "WHERE id = ?", {event_id})) result.event = std::move(*closed);
  result.changed = true;
  return result;
}

ChangeResult EventTransaction::close_recovered(std::uint64_t event_id) {
  const Event event = lock_open_event(event_id);
  return close(event_id, recovery_reason(event.state));
}

std::optional<Event> EventTransaction::find_active(std::uint64_t blog_id, std::string_view check_type) {
  return store_->find_active(*connection_, blog_id, check_type);
}

void EventTransaction::project(std::uint64_t blog_id, SiteStatus status, TimePoint at) {
  store_->project(*connection_, blog_id, status, at);
}

void EventTransaction::project_all(std::span<const std::uint64_t> blog_ids, SiteStatus status, TimePoint at) {
  if (blog_ids.empty()) return;
  // Ascending, as InnoDB meets them, so two such updates lock rows in the same order.
  std::vector<std::uint64_t> sorted(blog_ids.begin(), blog_ids.end());
  std::sort(sorted.begin(), sorted.end());
  const auto seconds = std::chrono::floor<std::chrono::seconds>(at);
  fmt::memory_buffer sql;
  fmt::format_to(std::back_inserter(sql),
                 "UPDATE jetpack_monitor_sites SET site_status = {}, last_status_change = {} WHERE blog_id IN (",
                 static_cast<int>(status), connection_->literal(db::DateTime::from(seconds)));
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    fmt::format_to(std::back_inserter(sql), "{}{}", i > 0 ? "," : "", sorted[i]);
  }
  fmt::format_to(std::back_inserter(sql), ")");
  connection_->execute(text_of(sql));
}

void EventTransaction::commit() { transaction_.commit(); }

// ---- EventStore -----------------------------------------------------------------------------

EventStore::EventStore(std::string source)
    : source_(source.empty() ? std::string(kLocalSource) : std::move(source)) {}

OpenResult EventStore::open(db::Connection& connection, const OpenRequest& request,
                            Projection projection) const {
  EventTransaction tx(*this, connection);
  OpenResult result = tx.open(request);
  if (result.created && projection == Projection::write && projects_site_status(result.event)) {
    if (auto status = projected_site_status(result.event.state))
      tx.project(request.blog_id, *status, std::chrono::system_clock::now());
  }
  tx.commit();
  return result;
}

ChangeResult EventStore::promote(db::Connection& connection, std::uint64_t event_id, int severity,
                                 std::string_view state, std::string_view reason,
                                 const Metadata& metadata, Projection projection) const {
  EventTransaction tx(*this, connection);
  ChangeResult result = tx.promote(event_id, severity, state, reason, metadata);
  if (projection == Projection::write && projects_site_status(result.event)) {
    if (auto status = projected_site_status(result.event.state))
      tx.project(result.event.blog_id, *status, std::chrono::system_clock::now());
  }
  tx.commit();
  return result;
}

ChangeResult EventStore::close(db::Connection& connection, std::uint64_t event_id,
                               std::string_view reason, const Metadata& metadata,
                               Projection projection) const {
  EventTransaction tx(*this, connection);
  ChangeResult result = tx.close(event_id, reason, metadata);
  if (projection == Projection::write && projects_site_status(result.event))
    tx.project(result.event.blog_id, SiteStatus::running, std::chrono::system_clock::now());
  tx.commit();
  return result;
}

std::optional<Event> EventStore::find_active(db::Connection& connection, std::uint64_t blog_id,
                                             std::string_view check_type) const {
  return query_event(connection,
                     "WHERE blog_id = ? AND check_type = ? AND ended_at IS NULL"
                     " ORDER BY started_at LIMIT 1",
                     {blog_id, check_type});
}

std::optional<Event> EventStore::find(db::Connection& connection, std::uint64_t event_id) const {
  return query_event(connection, "WHERE id = ?", {event_id});
}

void EventStore::project(db::Connection& connection, std::uint64_t blog_id, SiteStatus status,
                         TimePoint at) const {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(at);
  connection.exec(
      "UPDATE jetpack_monitor_sites SET site_status = ?, last_status_change = ? WHERE blog_id = ?",
      {static_cast<int>(status), db::DateTime::from(seconds), blog_id});
}

}  // namespace jetmon::incident

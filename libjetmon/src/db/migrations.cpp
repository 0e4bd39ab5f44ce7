#include "jetmon/db/migrations.hpp"

#include <fmt/format.h>

#include <cctype>

#include "jetmon/common/log.hpp"
#include "jetmon/db/connection.hpp"

namespace jetmon::db {

// ---- statement splitter -------------------------------------------------------------------------

namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::vector<std::string> split_sql_statements(std::string_view sql) {
  std::vector<std::string> out;
  std::size_t start = 0;
  bool has_code = false;  // the current piece holds something besides whitespace and comments
  auto flush = [&](std::size_t end) {
    if (has_code) out.emplace_back(trim(sql.substr(start, end - start)));
    has_code = false;
  };
  const std::size_t n = sql.size();
  std::size_t i = 0;
  while (i < n) {
    const char c = sql[i];
    if (c == '\'' || c == '"' || c == '`') {
      has_code = true;
      const char q = c;
      ++i;
      while (i < n) {
        if (sql[i] == '\\' && q != '`' && i + 1 < n) {
          i += 2;
        } else if (sql[i] == q) {
          if (i + 1 < n && sql[i + 1] == q) {
            i += 2;  // doubled quote
          } else {
            ++i;
            break;
          }
        } else {
          ++i;
        }
      }
    } else if (c == '#' ||
               (c == '-' && i + 1 < n && sql[i + 1] == '-' && (i + 2 >= n || is_space(sql[i + 2])))) {
      while (i < n && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      // /*! … */ and /*M! … */ are executable comments: they count as code.
      if (i + 2 < n && (sql[i + 2] == '!' || (sql[i + 2] == 'M' && i + 3 < n && sql[i + 3] == '!')))
        has_code = true;
      const std::size_t close = sql.find("*/", i + 2);
      i = close == std::string_view::npos ? n : close + 2;
    } else if (c == ';') {
      flush(i);
      start = ++i;
    } else {
      if (!is_space(c)) has_code = true;
      ++i;
    }
  }
  flush(n);
  return out;
}

// ---- runner -------------------------------------------------------------------------------------

MigrationError::MigrationError(int id, const std::string& error, unsigned int db_code)
    : std::runtime_error(fmt::format("migration {}: {}", id, error)), id_(id), db_code_(db_code) {}

namespace {

constexpr std::string_view kRecordSql = "INSERT IGNORE INTO jetmon_schema_migrations (id) VALUES (?)";
constexpr std::string_view kCheckSql = "SELECT COUNT(*) FROM jetmon_schema_migrations WHERE id = ?";

// The one statement of each migration, checked before anything runs.
std::vector<std::string> validated_statements(const std::vector<Migration>& migrations) {
  if (migrations.empty()) throw MigrationError(1, "no migrations to apply");
  if (migrations.front().id != 1)
    throw MigrationError(migrations.front().id,
                         "the first migration must be id 1 (it creates jetmon_schema_migrations)");
  std::vector<std::string> statements;
  statements.reserve(migrations.size());
  int previous = 0;
  for (const Migration& m : migrations) {
    if (m.id <= previous)
      throw MigrationError(m.id, fmt::format("ids must increase (after {})", previous));
    previous = m.id;
    auto parts = split_sql_statements(m.sql);
    if (parts.size() != 1)
      throw MigrationError(m.id, fmt::format("{} ({}) must hold exactly one SQL statement, found {}",
                                             m.name, m.id, parts.size()));
    statements.push_back(std::move(parts.front()));
  }
  return statements;
}

template <typename F>
auto guarded(int id, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const DbError& e) {
    throw MigrationError(id, e.what(), e.code());
  }
}

}  // namespace

MigrateReport run_migrations(Connection& connection, const std::vector<Migration>& migrations,
                             std::function<void(std::string_view)> log_line) {
  if (!log_line) log_line = [](std::string_view line) { log::info("{}", line); };
  const std::vector<std::string> statements = validated_statements(migrations);
  MigrateReport report;

  // Migration 1 creates the bookkeeping table itself; it always runs (IF NOT EXISTS).
  guarded(1, [&] {
    connection.execute(statements.front());
    if (connection.exec(kRecordSql, {1}).affected_rows > 0) report.applied.push_back(1);
  });

  for (std::size_t i = 1; i < migrations.size(); ++i) {
    const int id = migrations[i].id;
    guarded(id, [&] {
      const auto count = connection.query_scalar(kCheckSql, {id});
      if (count && count->as_int64().value_or(0) > 0) return;
      log_line(fmt::format("applying migration {}", id));
      connection.execute(statements[i]);
      connection.exec(kRecordSql, {id});
      report.applied.push_back(id);
    });
  }
  return report;
}

}  // namespace jetmon::db

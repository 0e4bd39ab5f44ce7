// Connection::query_text and Connection::literal: multi-row statements sent as one text.
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <memory>

#include "db/connection_impl.hpp"
#include "jetmon/db/connection.hpp"

namespace jetmon::db {

namespace {

template <typename Number>
Number parse_number(std::string_view text, std::string_view column) {
  Number n{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size())
    throw DbError(fmt::format("column {}: '{}' is not a number", column, text));
  return n;
}

Value text_field_value(const MYSQL_FIELD& field, std::string_view text, std::string_view column) {
  switch (detail::column_kind(field.type)) {
    case detail::ColumnKind::integer:
      if ((field.flags & UNSIGNED_FLAG) != 0) return parse_number<std::uint64_t>(text, column);
      return parse_number<std::int64_t>(text, column);
    case detail::ColumnKind::floating:
      return parse_number<double>(text, column);
    case detail::ColumnKind::datetime: {
      if (text.starts_with("0000-00-00")) return null;  // zero date, as the binary reader
      if (auto t = DateTime::parse(text)) return *t;
      throw DbError(fmt::format("column {}: '{}' is not a date-time", column, text));
    }
    case detail::ColumnKind::text:
      break;
  }
  if (text.size() > kDefaultMaxColumnBytes) {
    throw DbError(fmt::format("column {}: value of {} bytes exceeds the {}-byte fetch cap", column,
                              text.size(), kDefaultMaxColumnBytes));
  }
  return std::string(text);
}

}  // namespace

std::vector<Row> Connection::query_text(std::string_view sql) {
  Impl& c = impl();
  MYSQL* m = c.mysql.get();
  if (mysql_real_query(m, sql.data(), static_cast<unsigned long>(sql.size())) != 0) c.fail();
  std::vector<Row> rows;
  if (mysql_field_count(m) == 0) return rows;
  // Freeing an unbuffered result skips the rows not read, so a throw below leaves the
  // connection usable.
  detail::ResPtr res(mysql_use_result(m));
  if (!res) c.fail();
  const unsigned int n = mysql_num_fields(res.get());
  const MYSQL_FIELD* fields = mysql_fetch_fields(res.get());
  auto names = std::make_shared<std::vector<std::string>>();
  names->reserve(n);
  for (unsigned int i = 0; i < n; ++i) names->emplace_back(fields[i].name != nullptr ? fields[i].name : "");
  while (MYSQL_ROW row = mysql_fetch_row(res.get())) {
    const unsigned long* lengths = mysql_fetch_lengths(res.get());
    std::vector<Value> values;
    values.reserve(n);
    for (unsigned int i = 0; i < n; ++i) {
      if (row[i] == nullptr) {
        values.emplace_back(null);
      } else {
        values.push_back(text_field_value(fields[i], std::string_view(row[i], lengths[i]), (*names)[i]));
      }
    }
    rows.emplace_back(names, std::move(values));
  }
  if (mysql_errno(m) != 0) c.fail();
  return rows;
}

std::string Connection::literal(const Value& value) const {
  const Value::Storage& v = value.storage();
  if (std::holds_alternative<Null>(v)) return "NULL";
  if (const auto* s64 = std::get_if<std::int64_t>(&v)) return fmt::format("{}", *s64);
  if (const auto* u64 = std::get_if<std::uint64_t>(&v)) return fmt::format("{}", *u64);
  if (const auto* d = std::get_if<double>(&v)) {
    if (!std::isfinite(*d)) throw DbError(fmt::format("literal: {} has no SQL form", *d));
    return fmt::format("{}", *d);
  }
  if (const auto* t = std::get_if<DateTime>(&v)) {
    t->require_sql_range("literal");
    return fmt::format("'{}'", t->to_string());
  }
  const std::string& text = std::get<std::string>(v);
  std::string out(2 * text.size() + 3, '\0');
  out[0] = '\'';
  const unsigned long written = mysql_real_escape_string(impl().mysql.get(), out.data() + 1, text.data(),
                                                         static_cast<unsigned long>(text.size()));
  if (written == static_cast<unsigned long>(-1)) throw DbError("literal: the string cannot be escaped");
  out[written + 1] = '\'';
  out.resize(written + 2);
  return out;
}

std::string Connection::literal_row(const Params& values) const {
  std::string row = "(";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) row += ',';
    row += literal(values[i]);
  }
  row += ')';
  return row;
}

}  // namespace jetmon::db

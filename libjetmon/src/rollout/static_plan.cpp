#include "jetmon/rollout/static_plan.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "jetmon/common/text.hpp"
#include "jetmon/rollout/flags.hpp"

namespace jetmon::rollout {
namespace {

constexpr std::string_view kBareQuote = "bare \" in non-quoted-field";
constexpr std::string_view kBadQuote = "extraneous or missing \" in quoted-field";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Go's csv.ParseError text.
std::string csv_error(int start_line, int line, std::size_t column, std::string_view message) {
  if (start_line != line) {
    return fmt::format("record on line {}; parse error on line {}, column {}: {}", start_line, line, column, message);
  }
  return fmt::format("parse error on line {}, column {}: {}", line, column, message);
}

// Splits `text` into lines, each ending in exactly one '\n' ("\r\n" normalized, one added at EOF).
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}
  // The next line, or false at the end.
  bool next(std::string& line) {
    if (pos_ >= text_.size()) return false;
    std::size_t end = text_.find('\n', pos_);
    std::string_view raw = end == std::string_view::npos ? text_.substr(pos_) : text_.substr(pos_, end - pos_);
    pos_ = end == std::string_view::npos ? text_.size() : end + 1;
    if (!raw.empty() && raw.back() == '\r' && end != std::string_view::npos) raw.remove_suffix(1);
    line.assign(raw);
    line += '\n';
    ++number_;
    return true;
  }
  int number() const { return number_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  int number_ = 0;
};

bool row_is_blank(const std::vector<std::string>& record) {
  return std::all_of(record.begin(), record.end(), [](const std::string& f) { return trim(f).empty(); });
}

bool row_is_comment(const std::vector<std::string>& record) {
  return !record.empty() && trim(record[0]).starts_with('#');
}

std::string header_field(std::string_view field) {
  std::string normalized = to_lower_ascii(trim(field));
  if (normalized == "bucket_no_min" || normalized == "min") return "bucket_min";
  if (normalized == "bucket_no_max" || normalized == "max") return "bucket_max";
  return normalized;
}

bool row_is_header(const std::vector<std::string>& record) {
  return record.size() == 3 && header_field(record[0]) == "host" && header_field(record[1]) == "bucket_min" &&
         header_field(record[2]) == "bucket_max";
}

// strconv.Atoi: optional sign, decimal digits, within int.
std::optional<int> parse_decimal(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) digits.remove_prefix(1);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int value = 0;
  if (!parse_go_int(text, value)) return std::nullopt;
  return value;
}

// errno as Go prints system errors: "no such file or directory".
std::string errno_text() {
  std::string reason = std::strerror(errno);
  if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
  return reason;
}

}  // namespace

std::string parse_csv(std::string_view text, std::vector<std::vector<std::string>>& records) {
  LineReader reader(text);
  std::string line;
  while (reader.next(line)) {
    if (line == "\n") continue;  // empty lines are not records
    const int start_line = reader.number();
    std::vector<std::string> record;
    std::string_view rest = line;
    const char* line_begin = line.data();
    bool record_done = false;
    while (!record_done) {
      while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
      if (rest.empty() || rest.front() != '"') {
        const std::size_t comma = rest.find(',');
        std::string_view field = comma == std::string_view::npos ? rest.substr(0, rest.empty() ? 0 : rest.size() - (rest.back() == '\n')) : rest.substr(0, comma);
        if (const std::size_t quote = field.find('"'); quote != std::string_view::npos) {
          return csv_error(start_line, reader.number(), static_cast<std::size_t>(field.data() + quote - line_begin) + 1,
                           kBareQuote);
        }
        record.emplace_back(field);
        if (comma == std::string_view::npos) {
          record_done = true;
        } else {
          rest.remove_prefix(comma + 1);
        }
        continue;
      }
      // A quoted field, possibly spanning lines.
      std::string field;
      rest.remove_prefix(1);
      for (;;) {
        const std::size_t quote = rest.find('"');
        if (quote != std::string_view::npos) {
          field.append(rest.substr(0, quote));
          rest.remove_prefix(quote + 1);
          if (!rest.empty() && rest.front() == '"') {
            field += '"';
            rest.remove_prefix(1);
          } else if (!rest.empty() && rest.front() == ',') {
            rest.remove_prefix(1);
            break;
          } else if (rest.empty() || rest == "\n") {
            record_done = true;
            break;
          } else {
            return csv_error(start_line, reader.number(),
                             static_cast<std::size_t>(rest.data() - line_begin), kBadQuote);
          }
        } else {
          field.append(rest);
          if (!reader.next(line)) {
            return csv_error(start_line, reader.number(), rest.size() + 1, kBadQuote);
          }
          rest = line;
          line_begin = line.data();
        }
      }
      record.push_back(std::move(field));
    }
    records.push_back(std::move(record));
  }
  return {};
}

Checked<std::vector<OwnedRange>> parse_static_plan(std::string_view csv) {
  using Result = Checked<std::vector<OwnedRange>>;
  std::vector<std::vector<std::string>> records;
  if (std::string error = parse_csv(csv, records); !error.empty()) {
    return Result::fail("read static bucket plan CSV: " + error);
  }
  std::vector<OwnedRange> ranges;
  bool seen_data = false;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& record = records[i];
    const std::size_t row = i + 1;
    if (row_is_blank(record) || row_is_comment(record)) continue;
    if (!seen_data && row_is_header(record)) {
      seen_data = true;
      continue;
    }
    seen_data = true;
    if (record.size() != 3) return Result::fail(fmt::format("row {}: expected host,bucket_min,bucket_max", row));
    OwnedRange range;
    range.host = std::string(trim(record[0]));
    if (range.host.empty()) return Result::fail(fmt::format("row {}: host is required", row));
    const char* names[] = {"bucket_min", "bucket_max"};
    int* targets[] = {&range.min, &range.max};
    for (int k = 0; k < 2; ++k) {
      const std::string_view value = trim(record[static_cast<std::size_t>(k) + 1]);
      const auto parsed = parse_decimal(value);
      if (!parsed) return Result::fail(fmt::format("row {}: {} {} is not an integer", row, names[k], go_quote(value)));
      *targets[k] = *parsed;
    }
    ranges.push_back(std::move(range));
  }
  if (ranges.empty()) return Result::fail("static bucket plan has no host ranges");
  return {std::move(ranges), {}};
}

std::optional<std::string> invalid_range_error(const OwnedRange& range, int bucket_total) {
  if (range.min < 0 || range.max < range.min || range.max >= bucket_total) {
    return fmt::format("host {} has invalid bucket range {}-{} for BUCKET_TOTAL={}", go_quote(range.host), range.min,
                       range.max, bucket_total);
  }
  return std::nullopt;
}

std::optional<std::string> tiling_error(std::vector<OwnedRange> ranges, int bucket_total, std::string_view subject) {
  std::sort(ranges.begin(), ranges.end(), [](const OwnedRange& a, const OwnedRange& b) {
    return a.min != b.min ? a.min < b.min : a.host < b.host;
  });
  long long expected = 0;
  for (const OwnedRange& range : ranges) {
    if (range.min > expected) {
      return fmt::format("{} has gap {}-{} before host {}", subject, expected, range.min - 1, go_quote(range.host));
    }
    if (range.min < expected) {
      return fmt::format("{} overlaps before host {} at bucket {}", subject, go_quote(range.host), range.min);
    }
    expected = static_cast<long long>(range.max) + 1;
  }
  if (expected < bucket_total) return fmt::format("{} has trailing gap {}-{}", subject, expected, bucket_total - 1);
  return std::nullopt;
}

std::optional<std::string> validate_static_plan(const std::vector<OwnedRange>& ranges, int bucket_total) {
  if (bucket_total <= 0) return std::string("BUCKET_TOTAL must be > 0");
  if (ranges.empty()) return std::string("static bucket plan has no host ranges");
  std::set<std::string, std::less<>> seen;
  for (const OwnedRange& range : ranges) {
    if (!seen.insert(range.host).second) return fmt::format("host {} is listed more than once", go_quote(range.host));
    if (auto error = invalid_range_error(range, bucket_total)) return error;
  }
  return tiling_error(ranges, bucket_total, "static bucket plan");
}

Checked<PlanAssertion> plan_assertion_from_flags(std::string_view host, int bucket_min, int bucket_max) {
  using Result = Checked<PlanAssertion>;
  const std::string_view trimmed = trim(host);
  if (bucket_min < -1 || bucket_max < -1) return Result::fail("--bucket-min and --bucket-max must be >= 0");
  if (trimmed.empty()) {
    if (bucket_min >= 0 || bucket_max >= 0) {
      return Result::fail("--host is required when --bucket-min or --bucket-max is set");
    }
    return {PlanAssertion{}, {}};
  }
  if ((bucket_min >= 0) != (bucket_max >= 0)) return Result::fail("--bucket-min and --bucket-max must be set together");
  return {PlanAssertion{std::string(trimmed), bucket_min, bucket_max}, {}};
}

Checked<OwnedRange> check_plan_assertion(const std::vector<OwnedRange>& ranges, const PlanAssertion& assertion) {
  using Result = Checked<OwnedRange>;
  for (const OwnedRange& range : ranges) {
    if (range.host != assertion.host) continue;
    if (assertion.checks_range() && (range.min != assertion.bucket_min || range.max != assertion.bucket_max)) {
      return Result::fail(fmt::format("host {} has bucket range {}-{} in plan, want {}-{}", go_quote(assertion.host),
                                      range.min, range.max, assertion.bucket_min, assertion.bucket_max));
    }
    return {range, {}};
  }
  return Result::fail(fmt::format("host {} is not present in static bucket plan", go_quote(assertion.host)));
}

Checked<std::string> read_plan_file(std::string_view path, std::istream& stdin_stream) {
  using Result = Checked<std::string>;
  std::ifstream file;
  std::istream* in = &stdin_stream;
  if (path != "-") {
    file.open(std::string(path), std::ios::binary);
    if (!file) {
      return Result::fail(fmt::format("open static bucket plan: open {}: {}", path, errno_text()));
    }
    in = &file;
  }
  std::string text;
  char buffer[8192];
  errno = 0;
  while (in->read(buffer, sizeof buffer) || in->gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in->gcount()));
    if (text.size() > kMaxPlanBytes) {
      return Result::fail(fmt::format("read static bucket plan: {} is larger than {} bytes", path, kMaxPlanBytes));
    }
  }
  if (!in->eof()) {  // a directory opens but cannot be read
    return Result::fail(fmt::format("read static bucket plan: read {}: {}", path, errno_text()));
  }
  return {std::move(text), {}};
}

bool static_plan_check(Report& report, std::string_view file_label, std::string_view csv, int bucket_total,
                       const PlanAssertion& assertion) {
  const auto ranges = parse_static_plan(csv);
  if (!ranges) return report.fail(ranges.error);
  if (auto error = validate_static_plan(*ranges.value, bucket_total)) return report.fail(*error);
  std::optional<OwnedRange> asserted;
  if (assertion.enabled()) {
    auto found = check_plan_assertion(*ranges.value, assertion);
    if (!found) return report.fail(found.error);
    asserted = *found.value;
  }
  report.pass(fmt::format("static_plan_file={} ranges={}", file_label, ranges.value->size()));
  report.pass(fmt::format("static_bucket_coverage=0-{} hosts={}", bucket_total - 1, ranges.value->size()));
  if (asserted) {
    report.pass(fmt::format("static_plan_host={} range={}-{}", go_quote(asserted->host), asserted->min, asserted->max));
  }
  report.output("static rollout plan check passed");
  return true;
}

}  // namespace jetmon::rollout

#pragma once

#include <chrono>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

// The output of a rollout gate (rollout.md §0): `PASS …`, `WARN …`, `INFO …`, `## section` and
// plain lines on stdout, `FAIL <message>` on stderr; or, with --output=json, one wrapper object.
// Every check writes through a Report, so text and JSON can never disagree.
namespace jetmon::rollout {

enum class OutputMode { text, json };

enum class Level { section, pass, warn, info, output };

struct Line {
  Level level;
  std::string message;  // without the "PASS " prefix; a section's title without "## "
  bool operator==(const Line&) const = default;
};

// "section", "pass", "warn", "info", "output" (the JSON `level` values).
std::string_view level_name(Level level);

class Report {
 public:
  // Text mode streams each line to `out` as it is added (so a slow step shows progress) and
  // failures to `err`. JSON mode keeps everything for finish().
  Report(OutputMode mode, std::ostream& out, std::ostream& err);

  OutputMode mode() const { return mode_; }

  void section(std::string_view title);  // text: "## title" and one empty line
  void pass(std::string_view message);
  void warn(std::string_view message);
  void info(std::string_view message);
  void output(std::string_view line);  // a plain line (verdicts, table rows)

  // Records a failure: text mode prints "FAIL <message>" on stderr at once. Returns false so a
  // check can `return report.fail(…);`.
  bool fail(std::string message);

  bool ok() const { return failures_.empty(); }
  const std::vector<Line>& lines() const { return lines_; }
  const std::vector<std::string>& failures() const { return failures_; }

  // Ends the report: JSON mode writes the wrapper object (`ok`, `command` = "rollout <sub>",
  // `generated_at`, `lines`, `failures`) to `out`. Returns the exit code: 0 ok, 1 failed.
  int finish(std::string_view subcommand, std::chrono::system_clock::time_point generated_at);

 private:
  void add(Level level, std::string_view message);

  OutputMode mode_;
  std::ostream& out_;
  std::ostream& err_;
  std::vector<Line> lines_;
  std::vector<std::string> failures_;
};

// The wrapper object alone (2-space indent, `lines`/`failures` omitted when empty), for tests.
std::string report_json(std::string_view subcommand, std::chrono::system_clock::time_point generated_at,
                        const std::vector<Line>& lines, const std::vector<std::string>& failures);

// RFC 3339 UTC to the second ("2026-04-29T11:45:00Z"), the form of every time in gate text.
std::string format_seconds_utc(std::chrono::system_clock::time_point time);

}  // namespace jetmon::rollout

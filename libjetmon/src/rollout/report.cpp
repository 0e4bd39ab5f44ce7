#include "jetmon/rollout/report.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <ostream>

#include "rollout/json_writer.hpp"
#include "jetmon/common/text.hpp"
#include "jetmon/common/time.hpp"

namespace jetmon::rollout {
namespace {

std::string_view text_prefix(Level level) {
  switch (level) {
    case Level::section: return "## ";
    case Level::pass: return "PASS ";
    case Level::warn: return "WARN ";
    case Level::info: return "INFO ";
    case Level::output: return "";
  }
  return "";
}

}  // namespace

std::string_view level_name(Level level) {
  switch (level) {
    case Level::section: return "section";
    case Level::pass: return "pass";
    case Level::warn: return "warn";
    case Level::info: return "info";
    case Level::output: return "output";
  }
  return "output";
}

Report::Report(OutputMode mode, std::ostream& out, std::ostream& err)
    : mode_(mode), out_(out), err_(err) {}

void Report::section(std::string_view title) { add(Level::section, title); }
void Report::pass(std::string_view message) { add(Level::pass, message); }
void Report::warn(std::string_view message) { add(Level::warn, message); }
void Report::info(std::string_view message) { add(Level::info, message); }
void Report::output(std::string_view line) { add(Level::output, line); }

void Report::add(Level level, std::string_view message) {
  if (mode_ == OutputMode::text) {
    out_ << text_prefix(level) << message << "\n";
    if (level == Level::section) out_ << "\n";
    out_.flush();
  }
  // JSON mode drops blank lines and trims, as the Go wrapper does with the captured text.
  const std::string_view trimmed = trim(message);
  if (mode_ == OutputMode::json && trimmed.empty()) return;
  lines_.push_back(Line{level, std::string(mode_ == OutputMode::json ? trimmed : message)});
}

bool Report::fail(std::string message) {
  if (mode_ == OutputMode::text) {
    err_ << "FAIL " << message << "\n";
    err_.flush();
  }
  failures_.push_back(std::move(message));
  return false;
}

int Report::finish(std::string_view subcommand, std::chrono::system_clock::time_point generated_at) {
  if (mode_ == OutputMode::json) {
    out_ << report_json(subcommand, generated_at, lines_, failures_) << "\n";
    out_.flush();
  }
  return ok() ? 0 : 1;
}

std::string report_json(std::string_view subcommand, std::chrono::system_clock::time_point generated_at,
                        const std::vector<Line>& lines, const std::vector<std::string>& failures) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  writer.StartObject();
  writer.Key("ok");
  writer.Bool(failures.empty());
  writer.Key("command");
  write_json_string(writer, std::string("rollout ") + std::string(subcommand));
  writer.Key("generated_at");
  write_json_string(writer, format_rfc3339_utc(generated_at));
  if (!lines.empty()) {
    writer.Key("lines");
    writer.StartArray();
    for (const Line& line : lines) {
      writer.StartObject();
      writer.Key("level");
      write_json_string(writer, level_name(line.level));
      writer.Key("message");
      write_json_string(writer, line.message);
      writer.EndObject();
    }
    writer.EndArray();
  }
  if (!failures.empty()) {
    writer.Key("failures");
    writer.StartArray();
    for (const std::string& failure : failures) write_json_string(writer, failure);
    writer.EndArray();
  }
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string format_seconds_utc(std::chrono::system_clock::time_point time) {
  return format_rfc3339_utc(std::chrono::floor<std::chrono::seconds>(time));
}

}  // namespace jetmon::rollout

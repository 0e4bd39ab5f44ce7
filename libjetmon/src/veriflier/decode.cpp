// Decoding of the Veriflier bodies with Go's encoding/json rules, as a RapidJSON SAX handler:
// memory stays proportional to what is kept (a 10 MiB body of numbers builds no DOM), nesting
// depth does not use the C++ stack (iterative parser), and numbers arrive as their literal text
// so integer fields are checked exactly like Go's strconv.ParseInt.
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <charconv>
#include <limits>
#include <span>

#include "jetmon/common/text.hpp"
#include "jetmon/veriflier/wire.hpp"

namespace jetmon::veriflier {
namespace {

enum class Kind { int64, int32, boolean, string, string_map };

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::int64: return "int64";
    case Kind::int32: return "int32";
    case Kind::boolean: return "bool";
    case Kind::string: return "string";
    case Kind::string_map: return "object of strings";
  }
  return "?";
}

using HeaderMap = std::map<std::string, std::string>;

template <typename E>
struct Field {
  std::string_view name;  // canonical (Go) spelling
  Kind kind;
  std::int64_t E::*int64 = nullptr;
  std::int32_t E::*int32 = nullptr;
  bool E::*boolean = nullptr;
  std::string E::*string = nullptr;
  std::optional<HeaderMap> E::*string_map = nullptr;
};

const Field<SiteCheckRequest> kRequestFields[] = {
    {.name = "BlogID", .kind = Kind::int64, .int64 = &SiteCheckRequest::blog_id},
    {.name = "URL", .kind = Kind::string, .string = &SiteCheckRequest::url},
    {.name = "TimeoutSeconds", .kind = Kind::int32, .int32 = &SiteCheckRequest::timeout_seconds},
    {.name = "Keyword", .kind = Kind::string, .string = &SiteCheckRequest::keyword},
    {.name = "CustomHeaders", .kind = Kind::string_map,
     .string_map = &SiteCheckRequest::custom_headers},
    {.name = "RedirectPolicy", .kind = Kind::string, .string = &SiteCheckRequest::redirect_policy},
    {.name = "RequestID", .kind = Kind::string, .string = &SiteCheckRequest::request_id},
};

const Field<SiteCheckResult> kResultFields[] = {
    {.name = "BlogID", .kind = Kind::int64, .int64 = &SiteCheckResult::blog_id},
    {.name = "URL", .kind = Kind::string, .string = &SiteCheckResult::url},
    {.name = "Host", .kind = Kind::string, .string = &SiteCheckResult::host},
    {.name = "Success", .kind = Kind::boolean, .boolean = &SiteCheckResult::success},
    {.name = "HTTPCode", .kind = Kind::int32, .int32 = &SiteCheckResult::http_code},
    {.name = "ErrorCode", .kind = Kind::int32, .int32 = &SiteCheckResult::error_code},
    {.name = "RTTMs", .kind = Kind::int64, .int64 = &SiteCheckResult::rtt_ms},
    {.name = "RequestID", .kind = Kind::string, .string = &SiteCheckResult::request_id},
};

// Go's strconv.ParseInt on a JSON number literal: no fraction, no exponent, in range.
std::optional<std::int64_t> parse_integer(std::string_view literal, std::int64_t min,
                                          std::int64_t max) {
  if (literal.find_first_of(".eE") != std::string_view::npos) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), value);
  if (ec != std::errc{} || end != literal.data() + literal.size()) return std::nullopt;
  if (value < min || value > max) return std::nullopt;
  return value;
}

// `{"<list>": [ {<fields>}, … ]}`; everything else in the body is skipped.
template <typename E>
class BatchHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, BatchHandler<E>> {
 public:
  BatchHandler(std::string_view list_name, std::span<const Field<E>> fields, std::vector<E>& out)
      : list_name_(list_name), fields_(fields), out_(out) {}

  const std::string& error() const { return error_; }

  bool Null() {
    if (skipping_) return skipped_scalar();
    switch (state_) {
      case State::top: state_ = State::done; return true;  // like Go: a null body is no batch
      case State::list_value: out_.clear(); state_ = State::top_object; return true;
      case State::list: out_.emplace_back(); return true;  // a null item is a zero item
      case State::field_value:
        if (field_->kind == Kind::string_map) (out_.back().*(field_->string_map)).reset();
        state_ = State::element;  // null leaves any other field as it is
        return true;
      case State::map_value:
        (*(out_.back().*(field_->string_map)))[map_key_] = std::string();
        state_ = State::map;
        return true;
      default: return unexpected("null");
    }
  }

  bool Bool(bool b) {
    if (skipping_) return skipped_scalar();
    if (state_ == State::field_value && field_->kind == Kind::boolean) {
      out_.back().*(field_->boolean) = b;
      state_ = State::element;
      return true;
    }
    return unexpected("bool");
  }

  bool RawNumber(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    if (skipping_) return skipped_scalar();
    if (state_ != State::field_value ||
        (field_->kind != Kind::int64 && field_->kind != Kind::int32)) {
      return unexpected("number");
    }
    const std::string_view literal(text, length);
    const bool is32 = field_->kind == Kind::int32;
    const auto value =
        is32 ? parse_integer(literal, std::numeric_limits<std::int32_t>::min(),
                             std::numeric_limits<std::int32_t>::max())
             : parse_integer(literal, std::numeric_limits<std::int64_t>::min(),
                             std::numeric_limits<std::int64_t>::max());
    if (!value) {
      return fail(fmt::format("{}: cannot unmarshal number {} into {}", path(),
                              literal.substr(0, 64), kind_name(field_->kind)));
    }
    if (is32) {
      out_.back().*(field_->int32) = static_cast<std::int32_t>(*value);
    } else {
      out_.back().*(field_->int64) = *value;
    }
    state_ = State::element;
    return true;
  }

  bool String(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    if (skipping_) return skipped_scalar();
    if (state_ == State::field_value && field_->kind == Kind::string) {
      (out_.back().*(field_->string)).assign(text, length);
      state_ = State::element;
      return true;
    }
    if (state_ == State::map_value) {
      (*(out_.back().*(field_->string_map)))[map_key_].assign(text, length);
      state_ = State::map;
      return true;
    }
    return unexpected("string");
  }

  bool StartObject() {
    if (skipping_) return skip_open();
    switch (state_) {
      case State::top: state_ = State::top_object; return true;
      case State::list:
        out_.emplace_back();
        state_ = State::element;
        return true;
      case State::field_value:
        if (field_->kind != Kind::string_map) return unexpected("object");
        // Like Go, a repeated CustomHeaders key adds to the map decoded so far.
        if (!(out_.back().*(field_->string_map))) (out_.back().*(field_->string_map)).emplace();
        state_ = State::map;
        return true;
      default: return unexpected("object");
    }
  }

  bool Key(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    if (skipping_) return true;
    const std::string_view name(text, length);
    switch (state_) {
      case State::top_object:
        if (equals_ignore_ascii_case(name, list_name_)) {
          state_ = State::list_value;
        } else {
          start_skip(State::top_object);
        }
        return true;
      case State::element:
        for (const Field<E>& f : fields_) {
          if (equals_ignore_ascii_case(name, f.name)) {
            field_ = &f;
            state_ = State::field_value;
            return true;
          }
        }
        start_skip(State::element);
        return true;
      case State::map:
        map_key_.assign(name);
        state_ = State::map_value;
        return true;
      default: return fail("unexpected object key");  // not reachable with valid JSON
    }
  }

  bool EndObject(rapidjson::SizeType /*members*/) {
    if (skipping_) return skip_close();
    switch (state_) {
      case State::top_object: state_ = State::done; return true;
      case State::element: state_ = State::list; return true;
      case State::map: state_ = State::element; return true;
      default: return fail("unexpected end of object");
    }
  }

  bool StartArray() {
    if (skipping_) return skip_open();
    if (state_ == State::list_value) {
      out_.clear();  // a repeated list key replaces the earlier list
      state_ = State::list;
      return true;
    }
    return unexpected("array");
  }

  bool EndArray(rapidjson::SizeType /*elements*/) {
    if (skipping_) return skip_close();
    if (state_ == State::list) {
      state_ = State::top_object;
      return true;
    }
    return fail("unexpected end of array");
  }

  // With kParseNumbersAsStringsFlag these are never called; kept to fail loudly if they are.
  bool Int(int) { return fail("internal: number not parsed as text"); }
  bool Uint(unsigned) { return fail("internal: number not parsed as text"); }
  bool Int64(std::int64_t) { return fail("internal: number not parsed as text"); }
  bool Uint64(std::uint64_t) { return fail("internal: number not parsed as text"); }
  bool Double(double) { return fail("internal: number not parsed as text"); }

 private:
  enum class State { top, top_object, list_value, list, element, field_value, map, map_value, done };

  std::string item_path() const { return fmt::format("{}[{}]", list_name_, out_.size() - 1); }

  std::string path() const {
    switch (state_) {
      case State::list_value: return std::string(list_name_);
      case State::list: return fmt::format("{}[{}]", list_name_, out_.size());
      case State::field_value: return fmt::format("{}.{}", item_path(), field_->name);
      case State::map_value:
        return fmt::format("{}.{}[{}]", item_path(), field_->name, go_quote(map_key_));
      default: return "body";
    }
  }

  std::string_view expected() const {
    switch (state_) {
      case State::top: return "a JSON object";
      case State::list_value: return "array";
      case State::list: return "object";
      case State::field_value: return kind_name(field_->kind);
      case State::map_value: return "string";
      default: return "?";
    }
  }

  bool unexpected(std::string_view got) {
    if (state_ == State::top) return fail(fmt::format("body must be a JSON object, got {}", got));
    return fail(fmt::format("{}: expected {}, got {}", path(), expected(), got));
  }

  bool fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  void start_skip(State resume) {
    skipping_ = true;
    skip_depth_ = 0;
    resume_ = resume;
  }
  bool skipped_scalar() {
    if (skip_depth_ == 0) end_skip();
    return true;
  }
  bool skip_open() {
    ++skip_depth_;
    return true;
  }
  bool skip_close() {
    if (--skip_depth_ == 0) end_skip();
    return true;
  }
  void end_skip() {
    skipping_ = false;
    state_ = resume_;
  }

  std::string_view list_name_;
  std::span<const Field<E>> fields_;
  std::vector<E>& out_;
  State state_ = State::top;
  const Field<E>* field_ = nullptr;
  std::string map_key_;
  bool skipping_ = false;
  std::size_t skip_depth_ = 0;
  State resume_ = State::top;
  std::string error_;
};

template <typename E>
std::string decode_batch(std::string_view body, std::string_view list_name,
                         std::span<const Field<E>> fields, std::vector<E>& out) {
  if (body.size() > kMaxBodyBytes) return fmt::format("body larger than {} bytes", kMaxBodyBytes);
  if (trim(body).empty()) return "EOF";  // Go's text for an empty body
  BatchHandler<E> handler(list_name, fields, out);
  rapidjson::MemoryStream stream(body.data(), body.size());
  rapidjson::Reader reader;
  constexpr unsigned kFlags = rapidjson::kParseIterativeFlag |
                              rapidjson::kParseNumbersAsStringsFlag |
                              rapidjson::kParseStopWhenDoneFlag;
  const rapidjson::ParseResult result = reader.Parse<kFlags>(stream, handler);
  if (!result) {
    if (!handler.error().empty()) return handler.error();
    return fmt::format("{} (at byte {})", rapidjson::GetParseError_En(result.Code()),
                       result.Offset());
  }
  // One JSON value only: whitespace may follow it, nothing else (a NUL byte included).
  const std::size_t end = stream.Tell();
  if (!trim(body.substr(end)).empty()) {
    return fmt::format("invalid data after the top-level value (at byte {})", end);
  }
  return {};
}

}  // namespace

Decoded<CheckBatchRequest> decode_request(std::string_view body) {
  Decoded<CheckBatchRequest> decoded;
  decoded.error = decode_batch<SiteCheckRequest>(body, "sites", kRequestFields, decoded.value.sites);
  if (!decoded.ok()) decoded.value = {};
  return decoded;
}

Decoded<CheckBatchResponse> decode_response(std::string_view body) {
  Decoded<CheckBatchResponse> decoded;
  decoded.error =
      decode_batch<SiteCheckResult>(body, "results", kResultFields, decoded.value.results);
  if (!decoded.ok()) decoded.value = {};
  return decoded;
}

std::string decode_status_version(std::string_view body) {
  if (body.size() > kMaxBodyBytes) return {};
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseStopWhenDoneFlag>(body.data(),
                                                                                body.size());
  if (doc.HasParseError() || !doc.IsObject()) return {};
  std::string version;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    const std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (equals_ignore_ascii_case(name, "version") && it->value.IsString()) {
      version.assign(it->value.GetString(), it->value.GetStringLength());  // the last one wins
    }
  }
  return version;
}

}  // namespace jetmon::veriflier

#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/utf8.hpp"

// A thin layer over rapidjson::Writer for compact JSON objects (this module's metadata, the
// alert-contact payloads): keys in the order written, strings made valid UTF-8.
namespace jetmon::incident {

class JsonWriter {
 public:
  JsonWriter() : writer_(buffer_) {}

  JsonWriter& begin_object() { writer_.StartObject(); return *this; }
  JsonWriter& begin_object(std::string_view key) { write_key(key); writer_.StartObject(); return *this; }
  JsonWriter& end_object() { writer_.EndObject(); return *this; }
  JsonWriter& begin_array(std::string_view key) { write_key(key); writer_.StartArray(); return *this; }
  JsonWriter& end_array() { writer_.EndArray(); return *this; }

  JsonWriter& field(std::string_view key, std::int64_t value) { write_key(key); writer_.Int64(value); return *this; }
  JsonWriter& field(std::string_view key, int value) { return field(key, static_cast<std::int64_t>(value)); }
  JsonWriter& field(std::string_view key, std::uint64_t value) { write_key(key); writer_.Uint64(value); return *this; }
  JsonWriter& field(std::string_view key, bool value) { write_key(key); writer_.Bool(value); return *this; }
  JsonWriter& field(std::string_view key, std::string_view value) {
    write_key(key);
    const std::string clean = valid_utf8(value);
    writer_.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
    return *this;
  }
  JsonWriter& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
  JsonWriter& field(std::string_view key, const std::optional<std::uint64_t>& value) {
    if (value) return field(key, *value);
    write_key(key);
    writer_.Null();
    return *this;
  }

  std::string text() const { return {buffer_.GetString(), buffer_.GetSize()}; }

 private:
  void write_key(std::string_view key) { writer_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size())); }

  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

}  // namespace jetmon::incident

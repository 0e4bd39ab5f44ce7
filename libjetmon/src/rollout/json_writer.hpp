#pragma once

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <string>
#include <string_view>

#include "common/utf8.hpp"

// The rollout JSON documents (the --output=json wrapper, state-report) are written with RapidJSON's
// PrettyWriter at a 2-space indent; strings go through here so malformed UTF-8 never reaches it.
namespace jetmon::rollout {

inline void write_json_string(rapidjson::PrettyWriter<rapidjson::StringBuffer>& writer, std::string_view text) {
  const std::string clean = valid_utf8(text);
  writer.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
}

}  // namespace jetmon::rollout

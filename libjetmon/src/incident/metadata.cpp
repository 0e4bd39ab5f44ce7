#include "jetmon/incident/metadata.hpp"

#include <fmt/format.h>

#include "incident/json_writer.hpp"

namespace jetmon::incident {

namespace {

std::string rfc3339_utc(std::chrono::sys_seconds when) {
  const auto day = std::chrono::floor<std::chrono::days>(when);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{when - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

struct MetadataText {
  std::optional<std::string> operator()(std::monostate) const { return std::nullopt; }

  std::optional<std::string> operator()(const CheckMetadata& m) const {
    JsonWriter w;
    w.begin_object()
        .field("http_code", m.http_code)
        .field("error_code", m.error_code)
        .field("rtt_ms", m.rtt_ms)
        .field("url", m.url)
        .end_object();
    return w.text();
  }

  std::optional<std::string> operator()(const VerifierConfirmedMetadata& m) const {
    JsonWriter w;
    w.begin_object().begin_array("verifier_results");
    for (const auto& r : m.verifier_results) {
      w.begin_object()
          .field("host", r.host)
          .field("success", r.success)
          .field("http_code", r.http_code)
          .field("rtt_ms", r.rtt_ms)
          .end_object();
    }
    w.end_array().field("verifier_confirmed", m.verifier_confirmed).end_object();
    return w.text();
  }

  std::optional<std::string> operator()(const FalseAlarmMetadata& m) const {
    JsonWriter w;
    w.begin_object()
        .field("verifier_quorum", m.verifier_quorum)
        .field("verifier_healthy", m.verifier_healthy)
        .field("verifier_disagreed", m.verifier_disagreed)
        .field("verifier_confirmed", m.verifier_confirmed)
        .end_object();
    return w.text();
  }

  std::optional<std::string> operator()(const TlsExpiryMetadata& m) const {
    JsonWriter w;
    w.begin_object()
        .field("days_until", m.days_until)
        .field("expires_at", rfc3339_utc(m.expires_at))
        .end_object();
    return w.text();
  }
};

}  // namespace

std::optional<std::string> metadata_json(const Metadata& metadata) {
  return std::visit(MetadataText{}, metadata);
}

}  // namespace jetmon::incident

#include <catch2/catch.hpp>

#include "jetmon/common/text.hpp"

TEST_CASE("go_quote escapes like Go's %q") {
  struct Row { std::string in; std::string out; };
  auto row = GENERATE(values<Row>({
      {"", R"("")"},
      {"0.0.0.0", R"("0.0.0.0")"},
      {"a\"b", R"("a\"b")"},
      {"back\\slash", R"("back\\slash")"},
      {"line\nbreak\ttab", R"("line\nbreak\ttab")"},
      {std::string("nul\x01", 4), R"("nul\x01")"},
  }));
  CHECK(jetmon::go_quote(row.in) == row.out);
}

TEST_CASE("trim and lower-case helpers") {
  CHECK(jetmon::trim("  host.example \n") == "host.example");
  CHECK(jetmon::trim(" \t ").empty());
  CHECK(jetmon::to_lower_ascii("LocalHost.") == "localhost.");
}

TEST_CASE("html_escape escapes the five HTML specials and nothing else") {
  CHECK(jetmon::html_escape("") == "");
  CHECK(jetmon::html_escape("plain text é") == "plain text é");
  CHECK(jetmon::html_escape(R"(<a href="x">Tom & 'Jerry'</a>)") ==
        "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  CHECK(jetmon::html_escape("&amp;") == "&amp;amp;");
}

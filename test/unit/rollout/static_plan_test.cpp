#include <catch2/catch.hpp>

#include <sstream>

#include "jetmon/rollout/static_plan.hpp"

using namespace jetmon::rollout;

using Records = std::vector<std::vector<std::string>>;

TEST_CASE("rollout CSV reader follows Go encoding/csv with TrimLeadingSpace", "[rollout]") {
  struct Case {
    const char* name;
    std::string text;
    Records want;
    std::string error;
  };
  const std::vector<Case> cases{
      {"plain", "a,0,4\nb,5,9\n", {{"a", "0", "4"}, {"b", "5", "9"}}, ""},
      {"no final newline", "a,0,4", {{"a", "0", "4"}}, ""},
      {"crlf", "a,0,4\r\nb,5,9\r\n", {{"a", "0", "4"}, {"b", "5", "9"}}, ""},
      {"empty lines skipped", "\n\na,0,4\n\n", {{"a", "0", "4"}}, ""},
      {"leading space trimmed, trailing kept", "  a , 0,\t4\n", {{"a ", "0", "4"}}, ""},
      {"whitespace-only line is a record", "   \n", {{""}}, ""},
      {"quoted with comma and quote", "\"a,\"\"b\",1,2\n", {{"a,\"b", "1", "2"}}, ""},
      {"quoted after leading space", " \"a\",1,2\n", {{"a", "1", "2"}}, ""},
      {"quoted spans lines", "\"a\nb\",1,2\n", {{"a\nb", "1", "2"}}, ""},
      {"empty quoted", "\"\",1,2\n", {{"", "1", "2"}}, ""},
      {"variable field count", "a\nb,c,d,e\n", {{"a"}, {"b", "c", "d", "e"}}, ""},
      {"bare quote", "a\"b,1,2\n", {}, "parse error on line 1, column 2: bare \" in non-quoted-field"},
      {"bare quote on a comment line", "ok,0,4\n# say \"hi\"\n", {},
       "parse error on line 2, column 7: bare \" in non-quoted-field"},
      {"text after closing quote", "\"a\"b,1,2\n", {}, "parse error on line 1, column 3: extraneous or missing \" in quoted-field"},
      {"unterminated quote", "x,1,2\n\"a\nb\n", {},
       "record on line 2; parse error on line 3, column 3: extraneous or missing \" in quoted-field"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    Records records;
    const std::string error = parse_csv(c.text, records);
    CHECK(error == c.error);
    if (c.error.empty()) CHECK(records == c.want);
  }
}

TEST_CASE("rollout static plan rows: comments, blanks, header aliases and row errors", "[rollout]") {
  struct Case {
    const char* name;
    std::string text;
    std::vector<OwnedRange> want;
    std::string error;
  };
  const std::vector<Case> cases{
      {"header and comment", "# copied from v1 configs\nhost,bucket_min,bucket_max\njetmon-v1-a,0,99\njetmon-v1-b,100,199\n",
       {{"jetmon-v1-a", 0, 99}, {"jetmon-v1-b", 100, 199}}, ""},
      {"header aliases any case", "HOST, Bucket_No_Min, MAX\na,0,4\n", {{"a", 0, 4}}, ""},
      {"min/max aliases", "host,min,max\na,0,4\n", {{"a", 0, 4}}, ""},
      {"no header", "a,0,4\n", {{"a", 0, 4}}, ""},
      {"blank rows and indented comment", ",,\n  # note\na, 0 , 4 \n", {{"a", 0, 4}}, ""},
      {"header after data is a data row", "a,0,4\nhost,bucket_min,bucket_max\n", {},
       "row 2: bucket_min \"bucket_min\" is not an integer"},
      {"bad header", "host,bucket_min,bucket\na,0,4\n", {}, "row 1: bucket_min \"bucket_min\" is not an integer"},
      {"row numbers skip empty lines only", "\n# c\n\na,0,4\nb,5\n", {}, "row 3: expected host,bucket_min,bucket_max"},
      {"missing host", " ,0,4\n", {}, "row 1: host is required"},
      {"non-numeric min", "a,zero,4\n", {}, "row 1: bucket_min \"zero\" is not an integer"},
      {"non-numeric max", "a,0,4.5\n", {}, "row 1: bucket_max \"4.5\" is not an integer"},
      {"hex is not decimal", "a,0x1,4\n", {}, "row 1: bucket_min \"0x1\" is not an integer"},
      {"only comments", "# nothing\n", {}, "static bucket plan has no host ranges"},
      {"empty file", "", {}, "static bucket plan has no host ranges"},
      {"csv error", "a\"b,0,4\n", {}, "read static bucket plan CSV: parse error on line 1, column 2: bare \" in non-quoted-field"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const auto got = parse_static_plan(c.text);
    CHECK(got.error == c.error);
    if (c.error.empty()) {
      REQUIRE(got.value);
      CHECK(*got.value == c.want);
    }
  }
}

TEST_CASE("rollout static plan validation names the first problem", "[rollout]") {
  struct Case {
    const char* name;
    std::vector<OwnedRange> ranges;
    int total;
    std::optional<std::string> error;
  };
  const std::vector<Case> cases{
      {"tiles", {{"b", 5, 9}, {"a", 0, 4}}, 10, std::nullopt},
      {"one host", {{"a", 0, 9}}, 10, std::nullopt},
      {"total zero", {{"a", 0, 9}}, 0, "BUCKET_TOTAL must be > 0"},
      {"no rows", {}, 10, "static bucket plan has no host ranges"},
      {"duplicate host", {{"a", 0, 4}, {"a", 5, 9}}, 10, "host \"a\" is listed more than once"},
      {"negative min", {{"a", -1, 9}}, 10, "host \"a\" has invalid bucket range -1-9 for BUCKET_TOTAL=10"},
      {"max below min", {{"a", 5, 4}}, 10, "host \"a\" has invalid bucket range 5-4 for BUCKET_TOTAL=10"},
      {"range past T", {{"a", 0, 10}}, 10, "host \"a\" has invalid bucket range 0-10 for BUCKET_TOTAL=10"},
      {"gap", {{"a", 0, 3}, {"b", 5, 9}}, 10, "static bucket plan has gap 4-4 before host \"b\""},
      {"leading gap", {{"a", 2, 9}}, 10, "static bucket plan has gap 0-1 before host \"a\""},
      {"overlap", {{"a", 0, 5}, {"b", 4, 9}}, 10, "static bucket plan overlaps before host \"b\" at bucket 4"},
      {"same start sorts by host", {{"b", 0, 9}, {"a", 0, 4}}, 10, "static bucket plan overlaps before host \"b\" at bucket 0"},
      {"trailing gap", {{"a", 0, 7}}, 10, "static bucket plan has trailing gap 8-9"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    CHECK(validate_static_plan(c.ranges, c.total) == c.error);
  }
  CHECK(tiling_error({{"h1", 0, 3}}, 10, "dynamic bucket coverage") == "dynamic bucket coverage has trailing gap 4-9");
}

TEST_CASE("rollout static plan host assertion flags and matching", "[rollout]") {
  CHECK(plan_assertion_from_flags("", -1, -1).value->enabled() == false);
  CHECK(plan_assertion_from_flags(" a ", -1, -1).value->host == "a");
  CHECK(plan_assertion_from_flags("a", 0, 4).value->checks_range());
  CHECK(plan_assertion_from_flags("", 0, 4).error == "--host is required when --bucket-min or --bucket-max is set");
  CHECK(plan_assertion_from_flags("a", 0, -1).error == "--bucket-min and --bucket-max must be set together");
  CHECK(plan_assertion_from_flags("a", -2, 4).error == "--bucket-min and --bucket-max must be >= 0");

  const std::vector<OwnedRange> plan{{"a", 0, 4}, {"b", 5, 9}};
  CHECK(check_plan_assertion(plan, PlanAssertion{"b", -1, -1}).value == OwnedRange{"b", 5, 9});
  CHECK(check_plan_assertion(plan, PlanAssertion{"b", 5, 9}).value == OwnedRange{"b", 5, 9});
  CHECK(check_plan_assertion(plan, PlanAssertion{"b", 5, 8}).error == "host \"b\" has bucket range 5-9 in plan, want 5-8");
  CHECK(check_plan_assertion(plan, PlanAssertion{"c", -1, -1}).error == "host \"c\" is not present in static bucket plan");
}

TEST_CASE("rollout static-plan-check lines on a report", "[rollout]") {
  std::ostringstream out, err;
  Report report(OutputMode::text, out, err);
  CHECK(static_plan_check(report, "plan.csv", "host,min,max\njetmon-v1-a,0,4\njetmon-v1-b,5,9\n", 10,
                          PlanAssertion{"jetmon-v1-b", 5, 9}));
  CHECK(out.str() ==
        "PASS static_plan_file=plan.csv ranges=2\n"
        "PASS static_bucket_coverage=0-9 hosts=2\n"
        "PASS static_plan_host=\"jetmon-v1-b\" range=5-9\n"
        "static rollout plan check passed\n");
  CHECK(err.str().empty());

  std::ostringstream out2, err2;
  Report failing(OutputMode::text, out2, err2);
  CHECK_FALSE(static_plan_check(failing, "plan.csv", "a,0,3\nb,5,9\n", 10, PlanAssertion{}));
  CHECK(out2.str().empty());
  CHECK(err2.str() == "FAIL static bucket plan has gap 4-4 before host \"b\"\n");
}

TEST_CASE("rollout static plan file reading", "[rollout]") {
  std::istringstream in("a,0,9\n");
  CHECK(read_plan_file("-", in).value == "a,0,9\n");
  std::istringstream unused;
  CHECK(read_plan_file("/nonexistent/plan.csv", unused).error ==
        "open static bucket plan: open /nonexistent/plan.csv: no such file or directory");
  std::istringstream huge(std::string(kMaxPlanBytes + 1, '#'));
  CHECK(read_plan_file("-", huge).error.starts_with("read static bucket plan: - is larger than"));
}

#include <catch2/catch.hpp>

#include "jetmon/rollout/flags.hpp"

using namespace jetmon::rollout;

namespace {

struct Values {
  std::string file;
  int bucket_min = -1;
  bool require_all = false;
};

FlagSet make(Values& v) {
  FlagSet set("rollout test");
  set.add_string("file", &v.file, "CSV file");
  set.add_int("bucket-min", &v.bucket_min, "minimum");
  set.add_bool("require-all", &v.require_all, "all");
  return set;
}

}  // namespace

TEST_CASE("rollout flags follow Go's flag syntax", "[rollout]") {
  struct Case {
    std::vector<std::string> args;
    FlagSet::Outcome outcome;
    std::string file;
    int bucket_min;
    bool require_all;
    std::vector<std::string> positionals;
    std::string error;
  };
  using O = FlagSet::Outcome;
  const std::vector<Case> cases{
      {{}, O::ok, "", -1, false, {}, ""},
      {{"-file", "a.csv"}, O::ok, "a.csv", -1, false, {}, ""},
      {{"--file", "a.csv"}, O::ok, "a.csv", -1, false, {}, ""},
      {{"-file=a.csv"}, O::ok, "a.csv", -1, false, {}, ""},
      {{"--file=a.csv"}, O::ok, "a.csv", -1, false, {}, ""},
      {{"--file="}, O::ok, "", -1, false, {}, ""},
      {{"--file=a=b"}, O::ok, "a=b", -1, false, {}, ""},
      {{"--file", "-"}, O::ok, "-", -1, false, {}, ""},
      {{"--bucket-min=5"}, O::ok, "", 5, false, {}, ""},
      {{"--bucket-min", "-1"}, O::ok, "", -1, false, {}, ""},
      {{"--bucket-min=-7"}, O::ok, "", -7, false, {}, ""},
      {{"--bucket-min=0x10"}, O::ok, "", 16, false, {}, ""},
      {{"--require-all"}, O::ok, "", -1, true, {}, ""},
      {{"-require-all=true"}, O::ok, "", -1, true, {}, ""},
      {{"--require-all=false"}, O::ok, "", -1, false, {}, ""},
      {{"--require-all=0"}, O::ok, "", -1, false, {}, ""},
      // A bool never takes the next word: "false" becomes a positional.
      {{"--require-all", "false"}, O::ok, "", -1, true, {"false"}, ""},
      {{"extra"}, O::ok, "", -1, false, {"extra"}, ""},
      {{"--file=x", "extra", "--bucket-min=3"}, O::ok, "x", -1, false, {"extra", "--bucket-min=3"}, ""},
      {{"--", "--file=x"}, O::ok, "", -1, false, {"--file=x"}, ""},
      {{"-"}, O::ok, "", -1, false, {"-"}, ""},
      {{"-h"}, O::help, "", -1, false, {}, ""},
      {{"--help"}, O::help, "", -1, false, {}, ""},
      {{"--bogus"}, O::error, "", -1, false, {}, "flag provided but not defined: -bogus"},
      {{"-bogus=1"}, O::error, "", -1, false, {}, "flag provided but not defined: -bogus"},
      {{"--bucket-min=abc"}, O::error, "", -1, false, {}, "invalid value \"abc\" for flag -bucket-min: parse error"},
      {{"--bucket-min=99999999999"}, O::error, "", -1, false, {},
       "invalid value \"99999999999\" for flag -bucket-min: parse error"},
      {{"--require-all=maybe"}, O::error, "", -1, false, {}, "invalid boolean value \"maybe\" for -require-all: parse error"},
      {{"--file"}, O::error, "", -1, false, {}, "flag needs an argument: -file"},
      {{"---file=x"}, O::error, "", -1, false, {}, "bad flag syntax: ---file=x"},
      {{"-=x"}, O::error, "", -1, false, {}, "bad flag syntax: -=x"},
  };
  for (const Case& c : cases) {
    std::string joined;
    for (const auto& a : c.args) joined += "[" + a + "]";
    INFO(joined);
    Values v;
    FlagSet set = make(v);
    const auto result = set.parse(c.args);
    CHECK(result.outcome == c.outcome);
    CHECK(result.error == c.error);
    if (c.outcome == O::ok) {
      CHECK(v.file == c.file);
      CHECK(v.bucket_min == c.bucket_min);
      CHECK(v.require_all == c.require_all);
      CHECK(result.positionals == c.positionals);
    }
  }
}

TEST_CASE("rollout flags remember which were given and print Go-style defaults", "[rollout]") {
  Values v{"x", -1, false};  // (assigning the literal trips GCC 12's -Wrestrict false positive under ASan)
  FlagSet set = make(v);
  REQUIRE(set.parse({"--bucket-min=2"}).outcome == FlagSet::Outcome::ok);
  CHECK(set.was_set("bucket-min"));
  CHECK_FALSE(set.was_set("file"));
  CHECK(set.defaults() ==
        "  -bucket-min int\n    \tminimum (default -1)\n"
        "  -file string\n    \tCSV file (default \"x\")\n"
        "  -require-all\n    \tall\n");
}

TEST_CASE("rollout Go bool and int parsing", "[rollout]") {
  bool b = false;
  CHECK((parse_go_bool("T", b) && b));
  CHECK((parse_go_bool("False", b) && !b));
  CHECK_FALSE(parse_go_bool("yes", b));
  int i = 0;
  CHECK((parse_go_int("+12", i) && i == 12));
  CHECK((parse_go_int("-0b101", i) && i == -5));
  CHECK((parse_go_int("0o17", i) && i == 15));
  CHECK_FALSE(parse_go_int("", i));
  CHECK_FALSE(parse_go_int("1.5", i));
  CHECK_FALSE(parse_go_int("0x", i));
  CHECK_FALSE(parse_go_int("--1", i));
}

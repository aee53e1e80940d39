#include "iorec/runner/command_template.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "iorec/core/error.hpp"
#include "iorec/runner/process.hpp"
#include "test_util.hpp"

namespace iorec::runner {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TempDir;

CommandTemplate ParseOk(const std::string& text, const std::vector<std::string>& knobs = {"k"}) {
  std::vector<std::string> problems;
  CommandTemplate t = CommandTemplate::Parse(text, knobs, &problems);
  EXPECT_TRUE(problems.empty()) << text << ": " << ::testing::PrintToString(problems);
  return t;
}

std::vector<std::string> Problems(const std::string& text,
                                  const std::vector<std::string>& knobs = {"k"}) {
  std::vector<std::string> problems;
  CommandTemplate::Parse(text, knobs, &problems);
  return problems;
}

/// The shells templates are checked with: /bin/sh (dash on Debian) and bash, which is
/// /bin/sh on many clusters.
std::vector<std::string> Shells() {
  std::vector<std::string> out = {"/bin/sh"};
  if (std::filesystem::exists("/bin/bash")) out.push_back("/bin/bash");
  return out;
}

/// What `shell` prints running `command` in `dir` (the test fails if it fails).
std::string Sh(const std::string& command, const std::filesystem::path& dir,
               const std::string& shell = "/bin/sh") {
  const ProcessResult r = testing::RunShellScript(command, dir, shell);
  EXPECT_TRUE(r.Succeeded()) << shell << " -c " << command << ": " << r.Describe() << ": " << r.err;
  return r.out;
}

/// Values that would run `touch P` (or break the command) if inserted verbatim.
const std::vector<std::string>& HostileValues() {
  static const std::vector<std::string> k = {"$(touch P)",
                                             "`touch P`",
                                             "a; touch P",
                                             "it's; touch P; '",
                                             "\"; touch P; \"",
                                             "a b  c",
                                             "",
                                             "line\ntouch P",
                                             "*",
                                             "$HOME",
                                             "\\",
                                             "caf\xc3\xa9 \xe2\x9c\x93",
                                             "'",
                                             "\"",
                                             ") ; touch P ; (",
                                             "#"};
  return k;
}

TEST(CommandTemplateTest, QuotesValuesAndKeepsShellBraces) {
  const auto t =
      ParseOk("run {workload} --bs {bs} ${HOME} awk '{print $1}' {{literal}} {seed}", {"bs"});
  EXPECT_EQ(t.Render({{"workload", "w1"}, {"bs", "4K"}, {"seed", "9"}}),
            "run 'w1' --bs '4K' ${HOME} awk '{print $1}' {literal} '9'");
  EXPECT_EQ(t.Placeholders(), (std::vector<std::string>{"workload", "bs", "seed"}));
}

TEST(CommandTemplateTest, ReportsUnknownPlaceholdersOnce) {
  const auto problems = Problems("x {nope} {nope} {stripe}", {"stripe_count"});
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_THAT(problems[0], HasSubstr("unknown placeholder {nope}"));
  EXPECT_THAT(problems[1], HasSubstr("unknown placeholder {stripe}; known: workload"));
}

TEST(CommandTemplateTest, EnvNames) {
  EXPECT_TRUE(IsValidEnvName("stripe_count"));
  EXPECT_FALSE(IsValidEnvName("stripe-count"));
  EXPECT_FALSE(IsValidEnvName("1x"));
  EXPECT_EQ(KnobEnvName("stripe_Count"), "IOREC_KNOB_STRIPE_COUNT");
  EXPECT_EQ(PlaceholderEnvName("stripe_count"), "IOREC_KNOB_STRIPE_COUNT");
  EXPECT_EQ(PlaceholderEnvName("trial_dir"), "IOREC_TRIAL_DIR");
}

TEST(CommandTemplateTest, EachContextGetsItsQuoting) {
  const std::map<std::string, std::string> v = {{"k", "a b"}};
  EXPECT_EQ(ParseOk("echo {k}").Render(v), "echo 'a b'");
  EXPECT_EQ(ParseOk("echo '<{k}>'").Render(v), "echo '<''a b''>'");
  EXPECT_EQ(ParseOk("echo \"<{k}>\"").Render(v), "echo \"<\"'a b'\">\"");
  EXPECT_EQ(ParseOk("echo \"$(cat {k})\"").Render(v), "echo \"$(cat 'a b')\"");
  EXPECT_EQ(ParseOk("echo \"$(cat \"{k}\")\"").Render(v), "echo \"$(cat \"\"'a b'\"\")\"");
  EXPECT_EQ(ParseOk("echo 1 # was {k}\necho {k}").Render({{"k", "x\ny"}}),
            "echo 1 # was x y\necho 'x\ny'");
  EXPECT_EQ(ParseOk("echo $(( {k} * 2 ))").Render({{"k", "007"}}), "echo $(( 7 * 2 ))");
  EXPECT_EQ(ParseOk("echo $(( 5 - {k} ))").Render({{"k", "-3"}}), "echo $(( 5 - (-3) ))");
}

TEST(CommandTemplateTest, HostileValuesRunNothingInAnyContext) {
  TempDir dir;
  // Each template prints the value between < and >, whatever context it stands in.
  const std::vector<std::string> templates = {
      "printf '<%s>' {k}",
      "printf '<%s>' '{k}'",
      "printf '<%s>' \"{k}\"",
      "printf '<%s>' \"$(printf '%s' {k})\"",
      "printf '<%s>' \"$(printf '%s' \"{k}\")\"",
      "x=$(printf '%s' '{k}'); printf '<%s>' \"$x\"",
      "x={k}; printf '<%s>' \"$x\"",
      "case y in y) printf '<%s>' {k};; esac",
      "v=$(case y in (y) printf '%s' {k};; esac; case z in z) printf '';; esac); printf '<%s>' "
      "\"$v\"",
      "cat <<'EOF' >/dev/null\nit's a body; $(touch P)\nEOF\nprintf '<%s>' {k}",
      "# it's {k}\nprintf '<%s>' {k}",
      "echo case >/dev/null; printf '<%s>' \"$(echo case >/dev/null; printf '%s' {k})\"",
  };
  for (const auto& text : templates) {
    const auto t = ParseOk(text);
    for (const auto& value : HostileValues()) {
      for (const auto& shell : Shells()) {
        EXPECT_EQ(Sh(t.Render({{"k", value}}), dir.path(), shell), "<" + value + ">")
            << shell << " template: " << text << "\nvalue: " << value;
      }
    }
  }
  const auto glued = ParseOk("printf '<%s>' x{k}y");
  for (const auto& value : HostileValues()) {
    for (const auto& shell : Shells()) {
      EXPECT_EQ(Sh(glued.Render({{"k", value}}), dir.path(), shell), "<x" + value + "y>")
          << shell << " value: " << value;
    }
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "P"));
}

TEST(CommandTemplateTest, RefusesPlaceholdersNoQuotingCanProtect) {
  EXPECT_THAT(Problems("echo `cat {k}`"),
              ElementsAre("placeholder {k} inside backquotes cannot be quoted safely; write "
                          "$(...) instead of backquotes"));
  EXPECT_THAT(Problems("echo ${X:-{k}}"),
              ElementsAre("placeholder {k} inside ${...} cannot be quoted safely; use "
                          "$IOREC_KNOB_K there instead"));
  EXPECT_THAT(Problems("cat <<EOF\nsize={k}\nEOF\necho {k}"),
              ElementsAre(HasSubstr("placeholder {k} in a here-document cannot be quoted safely; "
                                    "use $IOREC_KNOB_K there instead")));
  EXPECT_THAT(Problems("echo \\{k}"), ElementsAre(HasSubstr("right after a backslash")));
  EXPECT_THAT(Problems("echo \"\\{k}\""), ElementsAre(HasSubstr("right after a backslash")));
  EXPECT_THAT(Problems("echo $'{k}'"), ElementsAre(HasSubstr("inside $'...'")));
  EXPECT_THAT(Problems("echo 'x {k}"), ElementsAre("unterminated single quote"));
  EXPECT_THAT(Problems("echo \"$(echo {k}\""), ElementsAre("unterminated double quote"));
  EXPECT_THAT(Problems("echo $(echo {k}"), ElementsAre("unterminated $("));
}

TEST(CommandTemplateTest, ArithmeticTakesIntegersOnly) {
  const auto t = ParseOk("echo $(( {k} + 1 ))");
  EXPECT_EQ(t.CheckValue("k", "12"), "");
  EXPECT_EQ(t.CheckValue("k", "1M"),
            "placeholder {k} stands in $((...)), which takes integers only; got '1M'");
  EXPECT_THROW(t.Render({{"k", "$(touch P)"}}), core::Error);

  std::vector<space::Knob> knobs(2);
  knobs[0].name = "count";
  knobs[0].values = {space::KnobValue::Int(1, "1"), space::KnobValue::Int(8, "8")};
  knobs[1].name = "size";
  knobs[1].values = {space::KnobValue::String("1M"), space::KnobValue::String("4M")};
  const space::Space space(knobs);
  std::vector<std::string> problems;
  CommandTemplate::Parse("echo $(( {count} * 2 )) {size}", space, &problems);
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
  CommandTemplate::Parse("echo $(( {size} * 2 + {seed} + ${#IOREC_WORKLOAD} ))", space, &problems);
  EXPECT_THAT(problems, ElementsAre("placeholder {size} stands in $((...)), which takes integers "
                                    "only; got '1M'"));
  problems.clear();
  CommandTemplate::Parse("echo $(( {workload} ))", space, &problems);
  EXPECT_THAT(problems, ElementsAre(HasSubstr("{workload} stands in $((...))")));
}

}  // namespace
}  // namespace iorec::runner

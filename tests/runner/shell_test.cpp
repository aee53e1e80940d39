#include "iorec/runner/shell.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "iorec/runner/process.hpp"
#include "test_util.hpp"

namespace iorec::runner {
namespace {

using testing::TempDir;

/// What /bin/sh makes of `line`: each word it sees, in brackets.
std::string ShellWords(const std::string& line, const std::filesystem::path& cwd) {
  const ProcessResult r = testing::RunShellScript("printf '[%s]' " + line, cwd);
  EXPECT_TRUE(r.Succeeded()) << r.Describe() << r.err;
  return r.out;
}

const std::vector<std::string>& Hostile() {
  static const std::vector<std::string> k = {"",
                                             "plain",
                                             "a b",
                                             "it's",
                                             "''",
                                             "\"x\"",
                                             "$(touch P)",
                                             "`touch P`",
                                             "a;touch P",
                                             "$HOME ${HOME}",
                                             "\\n \\",
                                             "line1\nline2",
                                             "*",
                                             "~",
                                             "-n",
                                             "a|b&c>d<e",
                                             "caf\xc3\xa9 \xe2\x9c\x93",
                                             "'; touch P; '",
                                             "\t",
                                             "!#%"};
  return k;
}

TEST(ShellQuoteTest, SingleQuotesAndEscapesQuotes) {
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("$(touch P)"), "'$(touch P)'");
}

TEST(ShellQuoteTest, EveryValueSurvivesTheShellAsOneWordAndRunsNothing) {
  TempDir dir;
  for (const auto& v : Hostile()) {
    EXPECT_EQ(ShellWords(ShellQuote(v), dir.path()), "[" + v + "]") << v;
    EXPECT_EQ(ShellWords(ShellWord(v), dir.path()), "[" + v + "]") << v;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "P"));
}

TEST(ShellQuoteTest, ShellWordQuotesOnlyWhenNeeded) {
  EXPECT_EQ(ShellWord("-c"), "-c");
  EXPECT_EQ(ShellWord("/tmp/x.y,z=1:2@3+4%5"), "/tmp/x.y,z=1:2@3+4%5");
  EXPECT_EQ(ShellWord("a b"), "'a b'");
  EXPECT_EQ(ShellWord("~"), "'~'");
  EXPECT_EQ(ShellWord(""), "''");
}

TEST(ShellQuoteTest, JoinKeepsEachArgumentOneWord) {
  TempDir dir;
  const std::vector<std::string> argv = {"lfs", "setstripe", "-c", "4", "/p a/it's", "$(touch P)"};
  EXPECT_EQ(ShellJoin(argv), "lfs setstripe -c 4 '/p a/it'\\''s' '$(touch P)'");
  EXPECT_EQ(ShellWords(ShellJoin(argv), dir.path()),
            "[lfs][setstripe][-c][4][/p a/it's][$(touch P)]");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "P"));
}

}  // namespace
}  // namespace iorec::runner

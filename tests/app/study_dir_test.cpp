// The output directory holds only what iorec wrote, or the user said otherwise (issue 15
// item 8: `--output-dir .` then `--restart` moved the config, the user's data and the log
// file into previous-*/).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "app/cli_util.hpp"
#include "common/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

using iorec::test_support::CliResult;
using iorec::test_support::RunShell;
using iorec::test_support::ShellQuote;
using iorec::test_support::Slurp;
using iorec::test_support::WriteFile;

/// A small study config with its workloads in `wl/`; `runner` replaces the stub runner.
void WriteStudyInputs(const fs::path& dir, const std::string& runner = "{mode: stub}") {
  WriteFile(dir / "wl/w1.json", R"({"pct_a": 0.1, "nprocs": 4})");
  WriteFile(dir / "wl/w2.json", R"({"pct_a": 0.6, "nprocs": 8})");
  WriteFile(dir / "wl/w3.json", R"({"pct_a": 0.9, "nprocs": 16})");
  WriteFile(dir / "c.yaml",
            "seed: 5\n"
            "parameters:\n"
            "  - {name: a, values: [1, 2, 4]}\n"
            "  - {name: b, values: [x, y]}\n"
            "data: {input_dir: wl}\n"
            "warm_start: {target_size: 5}\n"
            "model: {num_rounds: 5, max_depth: 2}\n"
            "active: {iterations: 1, batch_per_iter: 2}\n"
            "evaluation: {enabled: false}\n"
            "reporting: {plots: false}\n"
            "runner: " +
                runner + "\n");
}

/// Every file under `dir` (relative path -> bytes), skipping the `skip` top-level entries.
std::map<std::string, std::string> Files(const fs::path& dir, const std::set<std::string>& skip) {
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    const fs::path rel = fs::relative(it->path(), dir);
    if (skip.count(rel.begin()->string())) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    out[rel.string()] = it->is_regular_file() ? Slurp(it->path()) : "<dir>";
  }
  return out;
}

std::set<std::string> TopLevel(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

class StudyDirTest : public ::testing::Test {
 protected:
  CliResult Iorec(const std::string& args) {
    return RunShell("cd " + ShellQuote(dir_.string()) + " && " + ShellQuote(IOREC_BINARY) + " " +
                    args + " < /dev/null");
  }

  iorec::test_support::TempDir tmp_;
  const fs::path dir_ = tmp_.path();
};

TEST_F(StudyDirTest, ANewStudyBesideOtherFilesIsRefusedAndWritesNothing) {
  WriteStudyInputs(dir_);
  WriteFile(dir_ / "run.log", "my notes\n");
  const auto before = Files(dir_, {});
  const CliResult r = Iorec("run -c c.yaml -o .");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find(".: the output directory holds files iorec did not write (c.yaml, "
                       "run.log, wl/); a study there would mix its files with them. Use a new "
                       "or empty --output-dir, or add --allow-other-files"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(Files(dir_, {}), before);
}

TEST_F(StudyDirTest, RestartInTheConfigDirectoryMovesOnlyWhatIorecWrote) {
  // The issue's reproduction: the study in the directory of the config, the data and a log.
  WriteStudyInputs(dir_);
  WriteFile(dir_ / "run.log", "my notes\n");
  const auto user_files = Files(dir_, {});
  const CliResult first = Iorec("run -c c.yaml -o . --allow-other-files --quiet");
  ASSERT_EQ(first.code, 0) << first.out;
  ASSERT_TRUE(fs::exists(dir_ / "study.db"));
  const auto study_files = Files(dir_, {".lock", "study.db", "timing.json"});

  // A restart without the flag is refused: the user's files would stay beside a new study.
  const CliResult refused = Iorec("run -c c.yaml -o . --restart");
  EXPECT_EQ(refused.code, 2) << refused.out;
  EXPECT_NE(refused.out.find("(c.yaml, run.log, wl/); --restart moves only iorec's files into "
                             "previous-<time>/"),
            std::string::npos)
      << refused.out;
  EXPECT_EQ(Files(dir_, {".lock", "study.db", "timing.json"}), study_files);

  const CliResult restarted = Iorec("run -c c.yaml -o . --restart --allow-other-files --quiet");
  ASSERT_EQ(restarted.code, 0) << restarted.out;
  // The user's files did not move and are unchanged.
  for (const auto& [path, bytes] : user_files) {
    ASSERT_TRUE(fs::exists(dir_ / path)) << path;
    if (bytes != "<dir>") {
      EXPECT_EQ(Slurp(dir_ / path), bytes) << path;
    }
  }
  // The previous study (only iorec's files) is in previous-*/.
  fs::path previous;
  for (const auto& name : TopLevel(dir_)) {
    if (name.rfind("previous-", 0) == 0) previous = dir_ / name;
  }
  ASSERT_FALSE(previous.empty());
  const auto moved = TopLevel(previous);
  EXPECT_TRUE(moved.count("study.db"));
  EXPECT_TRUE(moved.count("summary.json"));
  for (const char* user : {"c.yaml", "wl", "run.log"}) EXPECT_FALSE(moved.count(user)) << user;
}

TEST_F(StudyDirTest, RestartRefusesAFileAddedToAStudyDirectoryUnlessAsked) {
  WriteStudyInputs(dir_);
  ASSERT_EQ(Iorec("run -c c.yaml -o out --quiet").code, 0);
  WriteFile(dir_ / "out/notes.txt", "mine\n");
  const auto before = Files(dir_ / "out", {});
  const CliResult refused = Iorec("run -c c.yaml -o out --restart");
  EXPECT_EQ(refused.code, 2) << refused.out;
  EXPECT_NE(refused.out.find("out: the output directory holds files iorec did not write "
                             "(notes.txt)"),
            std::string::npos)
      << refused.out;
  EXPECT_EQ(Files(dir_ / "out", {}), before);
  const CliResult r = Iorec("run -c c.yaml -o out --restart --allow-other-files --quiet");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(Slurp(dir_ / "out/notes.txt"), "mine\n");
}

TEST_F(StudyDirTest, ANewStudyDoesNotWriteIntoEntriesItDidNotCreate) {
  // `plots/` and `workloads/` are names iorec writes; without a study.db they are not its.
  WriteStudyInputs(dir_);
  WriteFile(dir_ / "out/plots/mine.png", "png");
  WriteFile(dir_ / "out/notes.txt", "mine\n");
  const auto before = Files(dir_, {});
  const CliResult r = Iorec("run -c c.yaml -o out --allow-other-files");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("out: the output directory already holds plots/ but no study (no "
                       "study.db); a new study writes its own files by these names"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(Files(dir_, {}), before);
}

// Every entry a study writes is known to be iorec's: otherwise --restart would refuse it as
// another file. Stub runner, and the command runner with its trials/ directory.
TEST_F(StudyDirTest, RestartRecognisesEverythingAStudyWrote) {
  for (const std::string runner :
       {"{mode: stub}", "{mode: command, command: \"echo 1\", metric: stdout_last_number}"}) {
    const fs::path study = dir_ / "study";
    fs::remove_all(study);
    WriteStudyInputs(dir_, runner);
    ASSERT_EQ(Iorec("run -c c.yaml -o study --quiet").code, 0) << runner;
    ASSERT_EQ(Iorec("report study --quiet").code, 0) << runner;
    const auto written = TopLevel(study);
    const CliResult r = Iorec("run -c c.yaml -o study --restart --quiet");
    ASSERT_EQ(r.code, 0) << runner << ": " << r.out;
    fs::path previous;
    for (const auto& name : TopLevel(study)) {
      if (name.rfind("previous-", 0) == 0) previous = study / name;
    }
    ASSERT_FALSE(previous.empty());
    std::set<std::string> moved = TopLevel(previous);
    moved.insert(".lock");  // stays
    EXPECT_EQ(moved, written) << runner;
  }
}

}  // namespace

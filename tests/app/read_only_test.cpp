// Reading commands on a study the user cannot write (issue 15 item 10): a read-only disk or
// another user's study. `status` and `export` read it; a study whose WAL still holds commits
// is an error that says what to do. Run as root, the commands run as `nobody` (root ignores
// file modes); otherwise as the current user.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "app/cli_util.hpp"
#include "common/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

using iorec::test_support::CliResult;
using iorec::test_support::RunShell;
using iorec::test_support::ShellQuote;

/// Prefix that runs a command as a user without write access to files root made read-only.
std::string AsReader() {
  return ::geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
}

/// Every entry under `dir` with its size: what a read-only reader must leave as it is.
std::map<std::string, uintmax_t> Listing(const fs::path& dir) {
  std::map<std::string, uintmax_t> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    out[e.path().string()] = e.is_regular_file() ? e.file_size() : 0;
  }
  return out;
}

/// Removes write permission from `dir` and everything in it, and lets anyone read it.
void MakeReadOnly(const fs::path& dir) {
  using P = fs::perms;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    fs::permissions(e.path(), e.is_directory() ? P::owner_read | P::owner_exec | P::group_read |
                                                     P::group_exec | P::others_read | P::others_exec
                                               : P::owner_read | P::group_read | P::others_read);
  }
  fs::permissions(dir, P::owner_read | P::owner_exec | P::group_read | P::group_exec |
                           P::others_read | P::others_exec);
}

class ReadOnlyStudyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::permissions(tmp_.path(), fs::perms::all);  // the reader must reach the study
    if (::geteuid() == 0 &&
        RunShell(AsReader() + ShellQuote(IOREC_BINARY) + " --version").code != 0) {
      GTEST_SKIP() << "\n*** SKIPPED: running as root, and `setpriv` cannot run the iorec "
                      "binary as nobody, so a read-only study cannot be tested. ***";
    }
    std::ofstream(tmp_.path() / "c.yaml") << "seed: 3\n"
                                             "parameters:\n"
                                             "  - {name: a, values: [1, 2, 4]}\n"
                                             "  - {name: b, values: [x, y]}\n"
                                             "data: {n_patterns: 3, n_features: 4}\n"
                                             "warm_start: {target_size: 5}\n"
                                             "model: {num_rounds: 5, max_depth: 2}\n"
                                             "active: {iterations: 1, batch_per_iter: 2}\n"
                                             "evaluation: {enabled: false}\n"
                                             "reporting: {plots: false}\n";
  }

  void TearDown() override {  // let TempDir remove it
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(tmp_.path(), ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
  }

  CliResult Run(const fs::path& out, const std::string& env = "") {
    return RunShell(env + " " + ShellQuote(IOREC_BINARY) + " run -q -c " +
                    ShellQuote((tmp_.path() / "c.yaml").string()) + " -o " +
                    ShellQuote(out.string()));
  }
  CliResult Read(const std::string& command, const fs::path& study) {
    return RunShell(AsReader() + ShellQuote(IOREC_BINARY) + " " + command + " " +
                    ShellQuote(study.string()) + " < /dev/null");
  }

  iorec::test_support::TempDir tmp_;
};

TEST_F(ReadOnlyStudyTest, StatusAndExportReadAFinishedStudy) {
  const fs::path study = tmp_.path() / "study";
  ASSERT_EQ(Run(study).code, 0);
  const CliResult want_export =
      RunShell(ShellQuote(IOREC_BINARY) + " export " + ShellQuote(study.string()));
  ASSERT_EQ(want_export.code, 0) << want_export.out;
  MakeReadOnly(study);
  const auto before = Listing(study);

  const CliResult status = Read("status", study);
  EXPECT_EQ(status.code, 0) << status.out;
  EXPECT_NE(status.out.find("complete"), std::string::npos) << status.out;
  const CliResult exported = Read("export", study);
  EXPECT_EQ(exported.code, 0) << exported.out;
  EXPECT_EQ(exported.out, want_export.out);
  EXPECT_EQ(Listing(study), before);
}

TEST_F(ReadOnlyStudyTest, AKilledRunsCommitsAreReadFromItsWal) {
  const fs::path study = tmp_.path() / "study";
  // The run dies after 3 trials (as if killed): its commits wait in study.db-wal, with the
  // WAL index study.db-shm beside it, which SQLite reads without writing.
  ASSERT_NE(Run(study, "IOREC_FAULT_EXIT_AFTER_TRIALS=3").code, 0);
  ASSERT_GT(fs::file_size(study / "study.db-wal"), 0u);
  ASSERT_TRUE(fs::exists(study / "study.db-shm"));
  const CliResult want_export =
      RunShell(ShellQuote(IOREC_BINARY) + " export " + ShellQuote(study.string()));
  ASSERT_EQ(want_export.code, 0) << want_export.out;
  MakeReadOnly(study);
  const auto before = Listing(study);

  const CliResult exported = Read("export", study);
  EXPECT_EQ(exported.code, 0) << exported.out;
  EXPECT_EQ(exported.out, want_export.out);
  EXPECT_EQ(Read("status", study).code, 0);
  EXPECT_EQ(Listing(study), before);
}

TEST_F(ReadOnlyStudyTest, UnmergedCommitsWithoutTheirWalIndexSayWhatToDo) {
  const fs::path study = tmp_.path() / "study";
  ASSERT_NE(Run(study, "IOREC_FAULT_EXIT_AFTER_TRIALS=3").code, 0);
  ASSERT_GT(fs::file_size(study / "study.db-wal"), 0u);
  fs::remove(study / "study.db-shm");  // e.g. copied without it
  MakeReadOnly(study);
  const auto before = Listing(study);

  for (const char* command : {"status", "export"}) {
    const CliResult r = Read(command, study);
    EXPECT_EQ(r.code, 2) << command << ": " << r.out;
    EXPECT_NE(r.out.find((study / "study.db").string() + ": cannot read the study: its directory"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("is not writable by this user and study.db-wal holds"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("cp -a"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("not an iorec study database"), std::string::npos) << r.out;
  }
  EXPECT_EQ(Listing(study), before);
}

}  // namespace

#include "iorec/store/study_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "common/temp_dir.hpp"

namespace iorec::store {
namespace {

namespace fs = std::filesystem;

TEST(StudyDirTest, KnowsWhatIorecWritesAndNothingElse) {
  for (const char* ours : {"study.db", "study.db-wal", ".lock", "summary.md", "model", "trials",
                           "previous-20261129-101010", "summary.json.tmp.1234", "study.db.tmp.7"}) {
    EXPECT_TRUE(IsStudyDirEntry(ours)) << ours;
  }
  for (const char* theirs : {"config.yaml", "run.log", "data", "summary.json.tmp.", "x.tmp.12",
                             "summary.json.tmp.12a", "study.db.bak", "Model"}) {
    EXPECT_FALSE(IsStudyDirEntry(theirs)) << theirs;
  }
}

TEST(StudyDirTest, MovesOnlyIorecsEntriesAside) {
  test_support::TempDir tmp;
  const fs::path d = tmp.path();
  for (const char* f : {"study.db", "summary.json", "config.yaml", ".lock", "summary.json.tmp.9"})
    std::ofstream(d / f) << f;
  fs::create_directories(d / "plots");
  fs::create_directories(d / "data");
  fs::create_directories(d / "previous-1");
  EXPECT_EQ(OtherEntries(d, /*new_study=*/false),
            (std::vector<std::string>{"config.yaml", "data"}));
  EXPECT_EQ(OtherEntries(d, /*new_study=*/true),
            (std::vector<std::string>{"config.yaml", "data", "plots", "study.db", "summary.json",
                                      "summary.json.tmp.9"}));
  const fs::path moved = MoveStudyAside(d);
  EXPECT_EQ(moved.parent_path(), d);
  for (const char* f : {"study.db", "summary.json", "plots", "summary.json.tmp.9"}) {
    EXPECT_TRUE(fs::exists(moved / f)) << f;
    EXPECT_FALSE(fs::exists(d / f)) << f;
  }
  for (const char* f : {"config.yaml", "data", ".lock", "previous-1"}) {
    EXPECT_TRUE(fs::exists(d / f)) << f;
    EXPECT_FALSE(fs::exists(moved / f)) << f;
  }
}

}  // namespace
}  // namespace iorec::store

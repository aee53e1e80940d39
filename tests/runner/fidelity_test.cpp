// fidelity.json: written from a log's summary, read back and summarized per workload.
#include "iorec/runner/fidelity.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "iorec/darshan/features.hpp"
#include "test_util.hpp"

namespace iorec::runner {
namespace {

using testing::TempDir;

TEST(FidelityTest, DeviationsAgainstTheTargetsAndTheLargestPerWorkloadIsFlagged) {
  TempDir dir;
  const auto summary = darshan::ReadAnyLog(IOREC_TEST_DATA "/darshan/combined.darshan");
  // Targets: the log's own features, except pct_reads off by 0.3 in the second trial.
  const auto measured = darshan::ComputeFeatures(summary, darshan::Basis::kPosix);
  space::Workload w;
  w.id = "w";
  std::vector<std::string> names;
  for (const auto& [name, value] : measured.values) {
    names.push_back(name);
    w.features.push_back(value);
  }
  std::filesystem::create_directories(dir.path() / "t1");
  std::filesystem::create_directories(dir.path() / "t2");
  WriteFidelity(dir.path() / "t1/fidelity.json", summary, "POSIX_agg_perf_by_slowest", "posix", &w,
                names);
  const auto first = ReadFidelity(dir.path() / "t1");
  ASSERT_TRUE(first.has_value());
  EXPECT_DOUBLE_EQ(first->max_deviation, 0.0);
  EXPECT_EQ(first->metric_column, "POSIX_agg_perf_by_slowest");
  EXPECT_DOUBLE_EQ(first->module_perf.at("POSIX"),
                   summary.Module("POSIX")->perf.agg_perf_by_slowest);

  const size_t reads = std::find(names.begin(), names.end(), "pct_reads") - names.begin();
  ASSERT_LT(reads, names.size());
  space::Workload off = w;
  off.features[reads] = measured.values[reads].second > 0.5 ? measured.values[reads].second - 0.3
                                                            : measured.values[reads].second + 0.3;
  WriteFidelity(dir.path() / "t2/fidelity.json", summary, "POSIX_agg_perf_by_slowest", "posix",
                &off, names);
  const auto rows = SummarizeFidelity({{"w", (dir.path() / "t1").string()},
                                       {"w", (dir.path() / "t2").string()},
                                       {"v", (dir.path() / "t1").string()},
                                       {"u", (dir.path() / "missing").string()}});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].workload, "w");
  EXPECT_EQ(rows[0].trials, 2);
  EXPECT_NEAR(rows[0].max_deviation, 0.3, 1e-12);
  EXPECT_EQ(rows[0].worst_feature, "pct_reads");
  EXPECT_TRUE(rows[0].flagged);
  EXPECT_EQ(rows[1].workload, "v");
  EXPECT_FALSE(rows[1].flagged);
}

}  // namespace
}  // namespace iorec::runner

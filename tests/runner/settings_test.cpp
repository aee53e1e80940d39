// The runner validates its own `runner:` section, handed over as a plain tree.
#include "iorec/runner/settings.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace iorec::runner {
namespace {

using core::ConfigNode;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

ConfigNode Section(std::vector<std::pair<std::string, std::string>> kv) {
  std::vector<ConfigNode> keys, values;
  for (auto& [k, v] : kv) {
    keys.push_back(ConfigNode::Scalar(k));
    values.push_back(ConfigNode::Scalar(v));
  }
  return ConfigNode::Map(std::move(keys), std::move(values));
}

TEST(RunnerSettingsTest, ReadsKeysAndResolvesRealPathsAgainstTheConfig) {
  core::ConfigReader reader("/study/c.yaml");
  const RunnerSettings s = ParseRunnerSettings(reader,
                                               Section({{"mode", "real"},
                                                        {"io_synth_root", "synth"},
                                                        {"out_root", "out"},
                                                        {"dry_run", "true"},
                                                        {"metric_key", "agg_perf_by_slowest"},
                                                        {"objective", "minimize"}}),
                                               nullptr, "/study/c.yaml");
  EXPECT_TRUE(reader.problems().empty());
  EXPECT_EQ(s.mode, RunnerMode::kReal);
  EXPECT_EQ(s.real.io_synth_root, "/study/synth");
  EXPECT_EQ(s.real.out_root, "/study/out");
  EXPECT_EQ(s.real.metric_key, "agg_perf_by_slowest");
  EXPECT_EQ(s.objective, Objective::kMinimize);
}

TEST(RunnerSettingsTest, LocatedProblemsForCommandMode) {
  core::ConfigReader reader("c.yaml");
  const space::Space space({space::Knob{"bs", {space::KnobValue::FromText("4k")}, false}});
  ParseRunnerSettings(reader, Section({{"mode", "command"}, {"command", "run {nope}"}}), &space,
                      "c.yaml");
  ASSERT_EQ(reader.problems().size(), 1u);
  EXPECT_THAT(reader.problems().items()[0], HasSubstr("c.yaml: runner.command: "));
  EXPECT_THAT(reader.problems().items()[0], HasSubstr("{nope}"));
}

TEST(RunnerSettingsTest, StubOnSlurmIsRejected) {
  core::ConfigReader reader("c.yaml");
  ParseRunnerSettings(reader, Section({{"executor", "slurm"}}), nullptr, "c.yaml");
  EXPECT_THAT(reader.problems().items(),
              ElementsAre("c.yaml: runner.executor: 'slurm' needs runner.mode 'command' or "
                          "'real' (the stub runs in process)"));
}

}  // namespace
}  // namespace iorec::runner

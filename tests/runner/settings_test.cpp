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

TEST(RunnerSettingsTest, ExternalExecutorAndItsName) {
  core::ConfigReader reader("c.yaml");
  const RunnerSettings s =
      ParseRunnerSettings(reader, Section({{"executor", "external"}}), nullptr, "c.yaml");
  EXPECT_TRUE(reader.problems().empty());
  EXPECT_EQ(s.executor, ExecutorKind::kExternal);
  EXPECT_STREQ(ToString(s.executor), "external");
  ParseRunnerSettings(reader, Section({{"executor", "elsewhere"}}), nullptr, "c.yaml");
  ASSERT_EQ(reader.problems().size(), 1u);
  EXPECT_THAT(reader.problems().items()[0], HasSubstr("external"));
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

TEST(RunnerSettingsTest, SlurmArrayKeysAndTheirRanges) {
  auto slurm = [](std::vector<std::pair<std::string, std::string>> kv) {
    std::vector<ConfigNode> keys = {ConfigNode::Scalar("mode"), ConfigNode::Scalar("command"),
                                    ConfigNode::Scalar("executor"), ConfigNode::Scalar("slurm")};
    std::vector<ConfigNode> values = {ConfigNode::Scalar("command"), ConfigNode::Scalar("true"),
                                      ConfigNode::Scalar("slurm"), Section(std::move(kv))};
    return ConfigNode::Map(std::move(keys), std::move(values));
  };
  core::ConfigReader ok("c.yaml");
  const RunnerSettings s = ParseRunnerSettings(ok,
                                               slurm({{"max_concurrent", "2"},
                                                      {"trials_per_job", "5"},
                                                      {"max_array_size", "500"},
                                                      {"submit_retries", "3"},
                                                      {"submit_backoff_s", "0.5"}}),
                                               nullptr, "c.yaml");
  EXPECT_TRUE(ok.problems().empty());
  EXPECT_EQ(s.slurm.max_concurrent, 2);
  EXPECT_EQ(s.slurm.trials_per_job, 5);
  EXPECT_EQ(s.slurm.max_array_size, 500);
  EXPECT_EQ(s.slurm.submit_retries, 3);
  EXPECT_DOUBLE_EQ(s.slurm.submit_backoff_s, 0.5);

  const RunnerSettings d = ParseRunnerSettings(ok, slurm({}), nullptr, "c.yaml");
  EXPECT_EQ(d.slurm.max_concurrent, 0);
  EXPECT_EQ(d.slurm.trials_per_job, 1);
  EXPECT_EQ(d.slurm.max_array_size, 1000);

  core::ConfigReader bad("c.yaml");
  ParseRunnerSettings(bad,
                      slurm({{"max_concurrent", "-1"},
                             {"trials_per_job", "0"},
                             {"max_array_size", "0"},
                             {"submit_retries", "101"},
                             {"submit_backoff_s", "-1"}}),
                      nullptr, "c.yaml");
  const auto& p = bad.problems().items();
  ASSERT_EQ(p.size(), 5u);
  EXPECT_THAT(p[0], HasSubstr("c.yaml: runner.slurm.max_concurrent: "));
  EXPECT_THAT(p[0], HasSubstr("-1"));
  EXPECT_THAT(p[1], HasSubstr("c.yaml: runner.slurm.trials_per_job: "));
  EXPECT_THAT(p[2], HasSubstr("c.yaml: runner.slurm.max_array_size: "));
  EXPECT_THAT(p[3], HasSubstr("c.yaml: runner.slurm.submit_retries: "));
  EXPECT_THAT(p[4], HasSubstr("c.yaml: runner.slurm.submit_backoff_s: "));
}

}  // namespace
}  // namespace iorec::runner

#include "iorec/state/study_state.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "common/space_util.hpp"
#include "common/state_util.hpp"

namespace iorec::state {
namespace {

using test_support::StateBuilder;

StateBuilder Builder(Direction d = Direction::kMaximize) {
  return StateBuilder(test_support::IntSpace({3}), space::Config({0}),
                      test_support::Workloads({{0.0}, {1.0}}), d);
}

TEST(GainTest, PerfIsTheMetricOrItsReciprocalAndGainsAreScaleFree) {
  std::string why;
  EXPECT_DOUBLE_EQ(PerfFromMetric(250.0, Direction::kMaximize, &why)->value, 250.0);
  EXPECT_DOUBLE_EQ(PerfFromMetric(4.0, Direction::kMinimize, &why)->value, 0.25);
  EXPECT_DOUBLE_EQ(MetricFromPerf(Perf{0.25}, Direction::kMinimize), 4.0);
  // Twice as fast is +100% whether it is measured as a rate or as a time.
  const Perf fast = *PerfFromMetric(50.0, Direction::kMinimize, &why);
  const Perf slow = *PerfFromMetric(100.0, Direction::kMinimize, &why);
  EXPECT_DOUBLE_EQ(Relative(fast, slow).value, 1.0);
  EXPECT_DOUBLE_EQ(Relative(Perf{2.0}, Perf{1.0}).value, 1.0);
  EXPECT_DOUBLE_EQ(Log(fast, slow).value, std::log(2.0));
  EXPECT_DOUBLE_EQ(Relative(Perf{300.0}, Perf{200.0}).value, Relative(Perf{3.0}, Perf{2.0}).value);
}

TEST(GainTest, MetricsThatCannotBeAPerfAreRefusedWithAReason) {
  std::string why;
  EXPECT_FALSE(PerfFromMetric(0.0, Direction::kMaximize, &why));
  EXPECT_NE(why.find("not > 0"), std::string::npos) << why;
  EXPECT_FALSE(PerfFromMetric(-3.0, Direction::kMinimize, &why));
  EXPECT_FALSE(PerfFromMetric(NAN, Direction::kMaximize, &why));
  EXPECT_EQ(why, "non-finite metric");
  EXPECT_FALSE(PerfFromMetric(INFINITY, Direction::kMaximize, &why));
}

TEST(StudyStateTest, RecordAppliesTheDirectionAndTheBaselineRun) {
  auto b = Builder(Direction::kMinimize);
  b.Baseline(0, 10.0).Run(0, space::Config({1}), 5.0).Run(0, space::Config({2}), 0.0);
  const auto& st = b.state();
  ASSERT_EQ(st.trials().size(), 3u);
  EXPECT_DOUBLE_EQ(st.trials()[0].metric, 10.0);
  EXPECT_DOUBLE_EQ(st.trials()[0].perf.value, 0.1);
  EXPECT_EQ(st.record(0).baseline_source, BaselineSource::kMeasured);
  EXPECT_DOUBLE_EQ(st.Gain(st.trials()[1]).value, 1.0);  // half the time: +100%
  // A metric that cannot be a perf makes the trial fail; the config was tried.
  EXPECT_FALSE(st.trials()[2].ok);
  EXPECT_NE(st.trials()[2].failure_reason.find("not > 0"), std::string::npos);
  ASSERT_NE(st.record(0).Find(space::Config({2})), nullptr);
  EXPECT_FALSE(st.record(0).Find(space::Config({2}))->measured());
  EXPECT_FALSE(st.record(1).has_runs());
}

TEST(StudyStateTest, RankedUsesTheRobustScore) {
  auto b = Builder();
  b.Baseline(0, 10.0);
  b.Run(0, space::Config({1}), 20.0)
      .Run(0, space::Config({1}), 10.0)
      .Run(0, space::Config({1}), 30.0);
  b.Run(0, space::Config({2}), 15.0);
  b.Fail(1, space::Config({2}), "exit code 1");
  const auto& rec = b.state().record(0);
  const auto r0 = rec.Ranked(0.0);  // means: {1} 20, {2} 15, baseline 10
  ASSERT_EQ(r0.size(), 3u);
  EXPECT_EQ(r0[0]->config, space::Config({1}));
  EXPECT_DOUBLE_EQ(r0[0]->Std(), 10.0);
  const auto r1 = rec.Ranked(1.0);  // robust: {2} 15, baseline 10, {1} 10 (ties keep order)
  EXPECT_EQ(r1[0]->config, space::Config({2}));
  EXPECT_EQ(r1[1]->config, space::Config({0}));
  EXPECT_DOUBLE_EQ(r1[2]->Robust(1.0).value, 10.0);
  EXPECT_TRUE(b.state().record(1).Ranked(1.0).empty());
}

TEST(StudyStateTest, AFailedBaselineIsReplacedByTheMedianMeasuredConfig) {
  auto b = Builder();
  b.state().Record([] {
    Trial t;
    t.workload = 0;
    t.config = space::Config({0});
    t.source = Source::kBaseline;
    t.failure_reason = "exit code 2";
    return t;
  }());
  b.Run(0, space::Config({1}), 30.0).Run(0, space::Config({2}), 10.0);
  b.Fail(1, space::Config({1}), "timeout");
  auto& st = b.state();
  EXPECT_FALSE(st.record(0).has_baseline());
  EXPECT_EQ(st.SubstituteMissingBaselines(), std::vector<uint32_t>{0});
  EXPECT_EQ(st.record(0).baseline_source, BaselineSource::kMedianWarm);
  EXPECT_EQ(st.record(0).baseline_failure, "exit code 2");
  EXPECT_DOUBLE_EQ(st.record(0).baseline.value, 30.0);  // sorted {10, 30}, element 1
  EXPECT_FALSE(st.record(1).has_baseline());            // nothing measured: no stand-in
}

}  // namespace
}  // namespace iorec::state

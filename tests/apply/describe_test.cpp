#include "iorec/apply/describe.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace iorec::apply {
namespace {

using ::testing::HasSubstr;

deploy::MetricInfo Mibs() { return {state::Direction::kMaximize, "agg_perf_by_slowest", "MiB/s"}; }

/// Measured here: 2,900 MiB/s (2,600-3,100) over a 410 MiB/s baseline.
deploy::Expectation Measured() {
  deploy::Expectation e;
  e.basis = deploy::Basis::kMeasuredHere;
  e.measured_on = "app";
  e.runs = 4;
  e.has_gain = e.has_interval = e.has_perf = true;
  e.perf.value = 2900, e.perf_lo.value = 2600, e.perf_hi.value = 3100, e.baseline.value = 410;
  e.gain.value = 2900.0 / 410 - 1, e.gain_lo.value = 2600.0 / 410 - 1;
  e.gain_hi.value = 3100.0 / 410 - 1;
  return e;
}

TEST(DescribeTest, NumbersReadLikeNumbers) {
  EXPECT_EQ(FormatMetric(2934.2), "2,934");
  EXPECT_EQ(FormatMetric(1234567), "1,234,567");
  EXPECT_EQ(FormatMetric(410), "410");
  EXPECT_EQ(FormatMetric(41.27), "41.3");
  EXPECT_EQ(FormatMetric(4.127), "4.13");
  EXPECT_EQ(FormatMetric(0.01234), "0.0123");
  EXPECT_EQ(WithUnit(12.5, {state::Direction::kMinimize, "time", "s"}), "12.5 s");
}

TEST(DescribeTest, MeasuredHereShowsTheValueItsIntervalAndTheBaseline) {
  EXPECT_EQ(DescribeExpectation(Measured(), Mibs()),
            "expected 2,900 MiB/s (2,600–3,100 MiB/s) vs 410 MiB/s with the current settings");
  EXPECT_EQ(DescribeSource(Measured()), "measured here (4 runs)");
  auto one = Measured();
  one.has_interval = false;
  EXPECT_THAT(DescribeExpectation(one, Mibs()), HasSubstr("(one run; run-to-run spread unknown)"));
}

TEST(DescribeTest, AMinimizedMetricShowsRunTimesFastestFirst) {
  // Perfs are 1 / seconds: 0.1 (10 s) with an interval of 0.08-0.125 (12.5-8 s).
  deploy::Expectation e;
  e.basis = deploy::Basis::kMeasuredHere;
  e.has_gain = e.has_interval = e.has_perf = true;
  e.perf.value = 0.1, e.perf_lo.value = 0.08, e.perf_hi.value = 0.125, e.baseline.value = 0.05;
  const deploy::MetricInfo secs{state::Direction::kMinimize, "run_time", "s"};
  EXPECT_EQ(DescribeExpectation(e, secs),
            "expected 10.0 s (8.00–12.5 s) vs 20.0 s with the current settings");
  const auto j = ExpectationJson(e, secs);
  EXPECT_DOUBLE_EQ(j["expected"].get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(j["low"].get<double>(), 8.0);
  EXPECT_DOUBLE_EQ(j["high"].get<double>(), 12.5);
  EXPECT_DOUBLE_EQ(j["baseline"].get<double>(), 20.0);
  EXPECT_EQ(j["direction"], "minimize");
}

TEST(DescribeTest, ANeighboursConfigShowsTheChangeAndWhereItWasMeasured) {
  deploy::Expectation e;
  e.basis = deploy::Basis::kNeighbour;
  e.measured_on = "top22_207";
  e.runs = 2;
  e.neighbours = 3;
  e.has_gain = e.has_interval = e.has_perf = true;
  e.gain.value = 0.85, e.gain_lo.value = 0.4, e.gain_hi.value = 1.2;
  e.perf.value = 2900, e.baseline.value = 410;
  EXPECT_EQ(DescribeExpectation(e, Mibs()),
            "expected +85% over the current settings (+40% to +120%); on top22_207 it ran "
            "2,900 MiB/s vs 410 MiB/s with the baseline config");
  EXPECT_EQ(DescribeSource(e),
            "a neighbour's: measured on top22_207 (2 runs) and on 2 more "
            "neighbours");
  // With the user's own measurement of the job, absolute values.
  EXPECT_EQ(DescribeExpectation(e, Mibs(), 500.0),
            "expected 925 MiB/s (700–1,100 MiB/s) vs 500 MiB/s with the current settings (your "
            "measurement)");
  const deploy::MetricInfo secs{state::Direction::kMinimize, "run time", "s"};
  EXPECT_THAT(DescribeExpectation(e, secs), HasSubstr("expected ×0.54 the current run time "
                                                      "(×0.45–×0.71)"));
  const auto j = ExpectationJson(e, Mibs());
  EXPECT_TRUE(j["expected"].is_null());  // no absolute value for this workload
  EXPECT_EQ(j["on_neighbour"]["workload"], "top22_207");
  EXPECT_DOUBLE_EQ(j["gain"].get<double>(), 0.85);
}

TEST(DescribeTest, ARankingModelsConfigHasNoNumber) {
  deploy::Expectation e;
  EXPECT_THAT(DescribeExpectation(e, Mibs()), HasSubstr("no expected number"));
  EXPECT_EQ(DescribeSource(e), "model: ranked by the tree ensemble, never measured");
}

TEST(DescribeTest, WithinNoiseSaysEitherWillDo) {
  deploy::NoiseComparison c;
  c.comparable = c.within = true;
  c.difference = 0.021;
  c.threshold = 0.087;
  EXPECT_EQ(DescribeNoiseComparison(c, 1, 2),
            "#1 and #2 are within noise of each other: they differ by +2.1%, less than the 8.7% "
            "that run-to-run spread alone can produce; either will do");
  c.within = false;
  EXPECT_EQ(DescribeNoiseComparison(c, 1, 2), "");
}

}  // namespace
}  // namespace iorec::apply

#pragma once
/// Expected performance and the source of a config as users read them, in the metric's own
/// units and direction: "expected 2,900 MiB/s (2,600–3,100) vs 410 MiB/s with the current
/// settings", "measured here (4 runs)".
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "iorec/deploy/expectation.hpp"

namespace iorec::apply {

/// A metric value for people: thousands separated, about 3 significant digits
/// (2934.2 -> "2,934", 41.27 -> "41.3", 0.01234 -> "0.0123").
std::string FormatMetric(double value);

/// "2,900 MiB/s": the value with the unit when there is one.
std::string WithUnit(double value, const deploy::MetricInfo& metric);

/// The expectation in one line. Perfs measured on this workload (or `current`, the user's
/// own measurement of their job with its present settings, in the metric's units) give
/// absolute values; otherwise the expected change over the current settings, and the runs it
/// rests on (a neighbour's perfs). Intervals are in the metric's direction (a run time's low
/// end is the faster run).
std::string DescribeExpectation(const deploy::Expectation& e, const deploy::MetricInfo& metric,
                                std::optional<double> current = std::nullopt);

/// Where the config comes from: "measured here (4 runs)", "a neighbour's: measured on
/// top22_207 (2 runs) and 1 more neighbour", "your current settings", "model (...)".
std::string DescribeSource(const deploy::Expectation& e);

/// "#1 and #2 are within noise of each other: ..." or "" when they are told apart or cannot
/// be compared.
std::string DescribeNoiseComparison(const deploy::NoiseComparison& c, int rank_a, int rank_b);

/// The expectation as JSON, perfs converted to the metric's units ("expected", "low",
/// "high", "baseline", with "unit" and "direction"); gains as ratios over the current
/// settings.
nlohmann::ordered_json ExpectationJson(const deploy::Expectation& e,
                                       const deploy::MetricInfo& metric,
                                       std::optional<double> current = std::nullopt);

}  // namespace iorec::apply

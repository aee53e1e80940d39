#include "iorec/state/gain.hpp"

#include <cmath>
#include <cstdio>

namespace iorec::state {
namespace {
/// Metrics beyond 1e100 (or below 1e-100) are misreadings: their ratios to a baseline would
/// overflow a percentage (a metric of 1.5e308 showed as "+inf%").
constexpr double kMaxMetric = 1e100;
}  // namespace

const char* ToString(Direction d) { return d == Direction::kMinimize ? "minimize" : "maximize"; }

std::optional<Perf> PerfFromMetric(double metric, Direction direction, std::string* why) {
  if (!std::isfinite(metric)) {
    if (why) *why = "non-finite metric";
    return std::nullopt;
  }
  if (!(metric > 0.0)) {
    if (why) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "metric %.6g is not > 0 (gains are ratios to the baseline)",
                    metric);
      *why = buf;
    }
    return std::nullopt;
  }
  if (metric > kMaxMetric || metric < 1.0 / kMaxMetric) {
    if (why) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "metric %.6g is outside [1e-100, 1e100]", metric);
      *why = buf;
    }
    return std::nullopt;
  }
  const double perf = direction == Direction::kMaximize ? metric : 1.0 / metric;
  if (!std::isfinite(perf) || !(perf > 0.0)) {
    if (why) *why = "metric out of range";
    return std::nullopt;
  }
  return Perf{perf};
}

double MetricFromPerf(Perf perf, Direction direction) {
  return direction == Direction::kMaximize ? perf.value : 1.0 / perf.value;
}

RelGain Relative(Perf perf, Perf baseline) { return RelGain{perf.value / baseline.value - 1.0}; }

LogGain Log(Perf perf, Perf baseline) { return LogGain{std::log(perf.value / baseline.value)}; }

}  // namespace iorec::state

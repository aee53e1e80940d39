#pragma once
/// Performance and gains: one type per meaning, every conversion in this file.
///
/// A runner reports a metric in its own units (MB/s, seconds). Where it enters the study
/// state it becomes a Perf, on iorec's "higher is better" scale: the metric itself when
/// maximizing, its reciprocal when minimizing (a run time becomes a rate). Gains compare a
/// perf with its workload's baseline perf and are scale-free ratios: multiplying a
/// workload's metrics by a constant, or minimizing c / perf instead of maximizing perf,
/// changes no gain and no decision of the loop.
#include <optional>
#include <string>

namespace iorec::state {

/// Whether larger metric values are better (`runner.objective`).
enum class Direction { kMaximize, kMinimize };
const char* ToString(Direction d);

/// Performance on the higher-is-better scale; > 0 and finite for a measured run.
struct Perf {
  double value = 0.0;
};

/// perf / baseline perf - 1: the gain users read ("+25%"). 0 for the baseline itself.
struct RelGain {
  double value = 0.0;
};

/// log(perf / baseline perf): the surrogates' target. Knob effects on I/O compose
/// multiplicatively, so they add up in log space, which models fit with fewer terms.
struct LogGain {
  double value = 0.0;
};

/// The perf of a measured metric. Returns nullopt and sets `why` when the metric cannot be
/// one: not finite, not > 0 (gains are ratios), or outside [1e-100, 1e100] (a misreading
/// whose ratio to a baseline would overflow).
std::optional<Perf> PerfFromMetric(double metric, Direction direction, std::string* why);

/// The metric a perf stands for (the inverse of PerfFromMetric), for outputs in the
/// runner's units.
double MetricFromPerf(Perf perf, Direction direction);

/// perf / baseline - 1. Precondition: baseline.value > 0.
RelGain Relative(Perf perf, Perf baseline);

/// log(perf / baseline). Precondition: both > 0.
LogGain Log(Perf perf, Perf baseline);

}  // namespace iorec::state

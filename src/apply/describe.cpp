#include "iorec/apply/describe.hpp"

#include <cmath>
#include <cstdio>
#include <utility>

namespace iorec::apply {
namespace {

using deploy::Basis;
using Json = nlohmann::ordered_json;

std::string Printf(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

/// "1,234,567" for a whole number.
std::string Grouped(double v) {
  std::string digits = Printf("%.0f", std::abs(v));
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) {
    digits.insert(static_cast<size_t>(i), ",");
  }
  return (v < 0 ? "-" : "") + digits;
}

std::string Percent(double ratio_minus_one) {
  const double p = 100.0 * ratio_minus_one;
  return Printf(std::abs(p) >= 10.0 ? "%+.0f%%" : "%+.1f%%", p);
}

/// The metric value a perf stands for.
double Metric(state::Perf p, const deploy::MetricInfo& m) {
  return state::MetricFromPerf(p, m.direction);
}

/// A perf interval as metric values, low to high in the metric's own order.
std::pair<double, double> MetricInterval(state::Perf lo, state::Perf hi,
                                         const deploy::MetricInfo& m) {
  const double a = Metric(lo, m), b = Metric(hi, m);
  return {std::min(a, b), std::max(a, b)};
}

/// The metric for a perf ratio over the current settings, given the current metric.
double ScaledMetric(double current, double ratio, const deploy::MetricInfo& m) {
  return m.direction == state::Direction::kMaximize ? current * ratio : current / ratio;
}

std::string Range(double lo, double hi, const deploy::MetricInfo& m) {
  return "(" + FormatMetric(lo) + "–" + WithUnit(hi, m) + ")";
}

/// "expected X (lo–hi) vs B with the current settings" from metric values.
std::string Absolute(double value, std::optional<std::pair<double, double>> interval, double base,
                     const deploy::MetricInfo& m, const std::string& base_note) {
  std::string s = "expected " + WithUnit(value, m) + " ";
  s += interval ? Range(interval->first, interval->second, m)
                : std::string("(one run; run-to-run spread unknown)");
  return s + " vs " + WithUnit(base, m) + " with the current settings" + base_note;
}

/// The change over the current settings, when no absolute value is known here.
std::string Change(const deploy::Expectation& e, const deploy::MetricInfo& m) {
  if (m.direction == state::Direction::kMaximize) {
    std::string s = "expected " + Percent(e.gain.value) + " over the current settings";
    s += e.has_interval ? " (" + Percent(e.gain_lo.value) + " to " + Percent(e.gain_hi.value) + ")"
                        : std::string(" (one neighbour's runs; run-to-run spread unknown)");
    return s;
  }
  // A minimized metric (a run time): the factor it is multiplied by.
  auto factor = [](double gain) { return Printf("%.2f", 1.0 / (1.0 + gain)); };
  std::string s = "expected ×" + factor(e.gain.value) + " the current " +
                  (m.name.empty() ? std::string("value") : m.name);
  s += e.has_interval ? " (×" + factor(e.gain_hi.value) + "–×" + factor(e.gain_lo.value) + ")"
                      : std::string(" (one neighbour's runs; run-to-run spread unknown)");
  return s;
}

}  // namespace

std::string FormatMetric(double v) {
  if (!std::isfinite(v)) return "n/a";
  const double a = std::abs(v);
  if (a >= 100.0) return Grouped(v);
  if (a >= 10.0) return Printf("%.1f", v);
  if (a >= 1.0) return Printf("%.2f", v);
  return Printf("%.3g", v);
}

std::string WithUnit(double value, const deploy::MetricInfo& m) {
  return FormatMetric(value) + (m.unit.empty() ? "" : " " + m.unit);
}

std::string DescribeExpectation(const deploy::Expectation& e, const deploy::MetricInfo& m,
                                std::optional<double> current) {
  if (!e.has_gain) {
    return "no expected number: the model only ranks configs (a LambdaMART score), and this "
           "one was not measured";
  }
  if (current) {
    std::optional<std::pair<double, double>> iv;
    if (e.has_interval) {
      const double a = ScaledMetric(*current, 1.0 + e.gain_lo.value, m);
      const double b = ScaledMetric(*current, 1.0 + e.gain_hi.value, m);
      iv = std::pair{std::min(a, b), std::max(a, b)};
    }
    return Absolute(ScaledMetric(*current, 1.0 + e.gain.value, m), iv, *current, m,
                    " (your measurement)");
  }
  const bool here = e.basis == Basis::kMeasuredHere || e.basis == Basis::kCurrent;
  if (here && e.has_perf) {
    std::optional<std::pair<double, double>> iv;
    if (e.has_interval) iv = MetricInterval(e.perf_lo, e.perf_hi, m);
    return Absolute(Metric(e.perf, m), iv, Metric(e.baseline, m), m, "");
  }
  if (e.basis == Basis::kCurrent) return "the current settings: no change expected";
  std::string s = Change(e, m);
  if (e.has_perf) {
    s += "; on " + e.measured_on + " it ran " + WithUnit(Metric(e.perf, m), m) + " vs " +
         WithUnit(Metric(e.baseline, m), m) + " with the baseline config";
  }
  return s;
}

std::string DescribeSource(const deploy::Expectation& e) {
  auto runs = [](int n) { return std::to_string(n) + (n == 1 ? " run" : " runs"); };
  switch (e.basis) {
    case Basis::kMeasuredHere:
      return "measured here (" + runs(e.runs) + ")";
    case Basis::kCurrent:
      return "your current settings (the study's baseline config)";
    case Basis::kNeighbour: {
      std::string s = "a neighbour's: measured on " + e.measured_on + " (" + runs(e.runs) + ")";
      const int more = e.neighbours - 1;
      if (more > 0)
        s += " and on " + std::to_string(more) + " more neighbour" + (more == 1 ? "" : "s");
      return s;
    }
    case Basis::kModel:
      return "model: predicted at this workload, not measured on it";
    case Basis::kUnknown:
      return "model: ranked by the tree ensemble, never measured";
  }
  return "";
}

std::string DescribeNoiseComparison(const deploy::NoiseComparison& c, int a, int b) {
  if (!c.comparable || !c.within) return "";
  return "#" + std::to_string(a) + " and #" + std::to_string(b) +
         " are within noise of each other: they differ by " + Percent(c.difference) +
         ", less than the " + Printf("%.1f%%", 100.0 * c.threshold) +
         " that run-to-run spread alone can produce; either will do";
}

Json ExpectationJson(const deploy::Expectation& e, const deploy::MetricInfo& m,
                     std::optional<double> current) {
  Json j;
  j["basis"] = deploy::ToString(e.basis);
  j["source"] = DescribeSource(e);
  j["measured_on"] = e.measured_on.empty() ? Json(nullptr) : Json(e.measured_on);
  j["runs"] = e.runs;
  j["metric"] = m.name;
  j["unit"] = m.unit;
  j["direction"] = state::ToString(m.direction);
  j["gain"] = e.has_gain ? Json(e.gain.value) : Json(nullptr);
  j["gain_low"] = e.has_gain && e.has_interval ? Json(e.gain_lo.value) : Json(nullptr);
  j["gain_high"] = e.has_gain && e.has_interval ? Json(e.gain_hi.value) : Json(nullptr);
  Json value(nullptr), lo(nullptr), hi(nullptr), base(nullptr);
  if (current && e.has_gain) {
    value = ScaledMetric(*current, 1.0 + e.gain.value, m);
    base = *current;
    if (e.has_interval) {
      const double a = ScaledMetric(*current, 1.0 + e.gain_lo.value, m);
      const double b = ScaledMetric(*current, 1.0 + e.gain_hi.value, m);
      lo = std::min(a, b), hi = std::max(a, b);
    }
  } else if (e.has_perf && e.basis != Basis::kNeighbour) {
    value = Metric(e.perf, m);
    base = Metric(e.baseline, m);
    if (e.has_interval) {
      const auto [a, b] = MetricInterval(e.perf_lo, e.perf_hi, m);
      lo = a, hi = b;
    }
  }
  j["expected"] = value;
  j["low"] = lo;
  j["high"] = hi;
  j["baseline"] = base;
  if (e.basis == Basis::kNeighbour && e.has_perf) {
    j["on_neighbour"] = {{"workload", e.measured_on},
                         {"perf", Metric(e.perf, m)},
                         {"baseline", Metric(e.baseline, m)}};
  }
  j["interval"] = "90% of single runs (normal approximation of the run-to-run spread)";
  j["text"] = DescribeExpectation(e, m, current);
  return j;
}

}  // namespace iorec::apply

#include "iorec/eval/data.hpp"

namespace iorec::eval {

const char* ToString(Source s) {
  switch (s) {
    case Source::kBaseline:
      return "baseline";
    case Source::kWarm:
      return "warm";
    case Source::kActive:
      return "active";
    case Source::kReplicate:
      return "replicate";
  }
  return "?";
}

double RelativeGain(double perf, double baseline_perf) {
  return baseline_perf > 0.0 ? perf / baseline_perf - 1.0 : perf - baseline_perf;
}

}  // namespace iorec::eval

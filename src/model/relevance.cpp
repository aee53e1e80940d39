// Graded relevance labels for the LambdaMART (rank:ndcg) objective.
#include <algorithm>
#include <string>
#include <vector>

#include "iorec/core/error.hpp"
#include "iorec/model/xgb_ensemble.hpp"

namespace iorec::model {
namespace {

// Labels one group in place. A row's quantile position is
//   p = less / (less + greater)
// where `less` / `greater` count the group's rows with strictly smaller / larger gain.
// Ties share p, a tie at the top gets p = 1 and a tie at the bottom p = 0, and the
// mapping is symmetric under reversing the order. The label is floor(p * levels),
// clamped to levels - 1, in exact integer arithmetic.
void LabelGroup(const double* gain, size_t size, int levels, float* out) {
  std::vector<double> sorted(gain, gain + size);
  std::sort(sorted.begin(), sorted.end());
  const auto levels_u = static_cast<size_t>(levels);
  for (size_t i = 0; i < size; ++i) {
    const auto lower = std::lower_bound(sorted.begin(), sorted.end(), gain[i]);
    const auto upper = std::upper_bound(sorted.begin(), sorted.end(), gain[i]);
    const auto less = static_cast<size_t>(lower - sorted.begin());
    const auto greater = static_cast<size_t>(sorted.end() - upper);
    size_t label = 0;
    if (less + greater > 0) {
      label = std::min(levels_u - 1, (less * levels_u) / (less + greater));
    }
    out[i] = static_cast<float>(label);
  }
}

}  // namespace

std::vector<float> RelevanceLabels(const std::vector<double>& gain,
                                   const std::vector<uint32_t>& group, int levels) {
  if (levels < 1) {
    throw core::Error("RelevanceLabels: levels must be >= 1, got " + std::to_string(levels));
  }
  if (gain.size() != group.size()) {
    throw core::Error("RelevanceLabels: " + std::to_string(gain.size()) + " gains but " +
                      std::to_string(group.size()) + " group ids");
  }
  for (double g : gain) {
    if (g != g) throw core::Error("RelevanceLabels: gain is NaN");
  }
  std::vector<float> labels(gain.size(), 0.0f);
  // Groups are runs of equal consecutive ids.
  size_t begin = 0;
  while (begin < gain.size()) {
    size_t end = begin + 1;
    while (end < gain.size() && group[end] == group[begin]) ++end;
    LabelGroup(gain.data() + begin, end - begin, levels, labels.data() + begin);
    begin = end;
  }
  return labels;
}

}  // namespace iorec::model

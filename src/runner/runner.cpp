#include "iorec/runner/runner.hpp"

namespace iorec::runner {

std::vector<TrialOutcome> SerialExecutor::RunBatch(const std::vector<TrialRequest>& batch,
                                                   const TrialDoneFn& on_done) {
  std::vector<TrialOutcome> out;
  out.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    out.push_back(runner_.Run(batch[i]));
    if (on_done) on_done(i, out.back());
  }
  return out;
}

}  // namespace iorec::runner

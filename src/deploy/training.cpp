#include "iorec/deploy/training.hpp"

namespace iorec::deploy {

model::Dataset TrainingSet(const state::StudyState& state, const RowFilter& include) {
  const auto& ws = state.workload_set();
  const size_t nf = ws.feature_names.size();
  model::Dataset d;
  d.num_cols = nf + state.space().ConfigWidth();
  for (size_t w = 0; w < state.num_workloads(); ++w) {
    const auto& rec = state.record(w);
    if (!rec.has_baseline()) continue;
    for (size_t i = 0; i < rec.configs.size(); ++i) {
      const auto& c = rec.configs[i];
      if (!c.measured() || (include && !include(w, i))) continue;
      const size_t off = d.x.size();
      d.x.resize(off + d.num_cols);
      for (size_t j = 0; j < nf; ++j)
        d.x[off + j] = static_cast<float>(ws.workloads[w].features[j]);
      state.space().EncodeConfig(c.config, d.x.data() + off + nf);
      d.gain.push_back(rec.LogGainOf(c.Mean()).value);
      d.group.push_back(static_cast<uint32_t>(w));
    }
  }
  return d;
}

}  // namespace iorec::deploy

#include "iorec/model/surrogate.hpp"

namespace iorec::model {

std::vector<float> EncodeRows(const space::Space& space, const std::vector<double>& features,
                              const std::vector<space::Config>& configs) {
  const size_t nf = features.size();
  const size_t width = nf + space.ConfigWidth();
  std::vector<float> x(configs.size() * width);
  for (size_t r = 0; r < configs.size(); ++r) {
    float* row = x.data() + r * width;
    for (size_t j = 0; j < nf; ++j) row[j] = static_cast<float>(features[j]);
    space.EncodeConfig(configs[r], row + nf);
  }
  return x;
}

Prediction PredictConfigs(const RowModel& model, const space::Space& space,
                          const std::vector<double>& features,
                          const std::vector<space::Config>& configs) {
  const auto x = EncodeRows(space, features, configs);
  return model.Predict(x.data(), configs.size(), features.size() + space.ConfigWidth());
}

Prediction TreeSurrogate::Predict(size_t workload,
                                  const std::vector<space::Config>& configs) const {
  return PredictConfigs(model_, space_, workloads_.workloads[workload].features, configs);
}

}  // namespace iorec::model

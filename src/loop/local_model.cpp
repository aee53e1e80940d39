#include "iorec/loop/local_model.hpp"

#include <algorithm>
#include <cmath>

namespace iorec::loop {
namespace {

constexpr size_t kMaxHyperRows = 200;  // per workload, for the hyperparameter search only

/// The hyperparameter search factors every workload's kernel matrix per evaluation
/// (O(n^3)); long studies fit them on an evenly spaced subset of each workload's runs.
std::vector<model::GpData> HyperSubsets(const std::vector<model::GpData>& data) {
  std::vector<model::GpData> fit_data;
  for (const auto& d : data) {
    if (d.y.size() <= kMaxHyperRows) {
      fit_data.push_back(d);
      continue;
    }
    model::GpData sub;
    for (size_t i = 0; i < kMaxHyperRows; ++i) {
      const size_t r = i * d.y.size() / kMaxHyperRows;
      sub.configs.push_back(d.configs[r]);
      sub.y.push_back(d.y[r]);
    }
    fit_data.push_back(std::move(sub));
  }
  return fit_data;
}

}  // namespace

model::GpSurrogate FitLocalModels(const state::StudyState& state, model::GpHyper& hyper) {
  const size_t nw = state.num_workloads();
  std::vector<model::GpSurrogate::Member> members(nw);
  std::vector<model::GpData> data(nw);
  double sq = 0.0;
  size_t rows = 0;
  for (size_t w = 0; w < nw; ++w) {
    const auto& rec = state.record(w);
    if (!rec.has_baseline()) continue;
    auto& d = data[w];
    // One row per run: the GP's noise term then weighs replicated configs by their count.
    for (const auto& c : rec.configs) {
      for (state::Perf perf : c.perfs) {
        d.configs.push_back(c.config);
        d.y.push_back(rec.LogGainOf(perf).value);
      }
    }
    if (d.y.empty()) continue;
    double mean = 0.0;
    for (double y : d.y) mean += y;
    mean /= static_cast<double>(d.y.size());
    members[w].offset = mean;
    for (double& y : d.y) {
      y -= mean;
      sq += y * y;
    }
    rows += d.y.size();
  }
  if (rows == 0) return model::GpSurrogate(std::move(members));
  const auto fit_data = HyperSubsets(data);
  if (hyper.log_lengthscale.empty()) {
    const double var = std::max(1e-6, sq / static_cast<double>(rows));
    hyper = model::FitGpHyper(state.space(), fit_data, model::DefaultGpHyper(state.space(), var),
                              1.0, 400);
  } else {
    hyper = model::FitGpHyper(state.space(), fit_data, hyper, 0.25, 120);
  }
  for (size_t w = 0; w < nw; ++w) {
    if (!data[w].y.empty())
      members[w].gp = std::make_shared<const model::LocalGp>(state.space(), hyper, data[w]);
  }
  return model::GpSurrogate(std::move(members));
}

}  // namespace iorec::loop

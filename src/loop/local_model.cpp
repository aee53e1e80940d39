#include "iorec/loop/local_model.hpp"

#include <algorithm>
#include <cmath>

#include "iorec/loop/study.hpp"

namespace iorec::loop {
namespace {

constexpr size_t kMaxHyperRows = 200;  // per workload, for the hyperparameter search only

}  // namespace

model::Prediction LocalModel::Predict(const std::vector<space::Config>& configs) const {
  model::Prediction p;
  p.mean.resize(configs.size());
  p.stddev.resize(configs.size());
  gp->Predict(configs, p.mean.data(), p.stddev.data());
  for (size_t i = 0; i < configs.size(); ++i) {
    p.mean[i] += offset;
    p.stddev[i] = std::sqrt(p.stddev[i]);
  }
  return p;
}

std::vector<LocalModel> FitLocalModels(const space::Space& space,
                                       const std::vector<WorkloadState>& states,
                                       model::GpHyper& hyper) {
  const size_t nw = states.size();
  std::vector<LocalModel> out(nw);
  std::vector<model::GpData> data(nw);
  double sq = 0.0;
  size_t rows = 0;
  for (size_t w = 0; w < nw; ++w) {
    const auto& st = states[w];
    if (!st.baseline_ok) continue;
    auto& d = data[w];
    // One row per run: the GP's noise term then weighs replicated configs by their count.
    for (const auto& c : st.configs) {
      for (double perf : c.perfs) {
        d.configs.push_back(c.config);
        d.y.push_back(ModelTarget(st, perf));
      }
    }
    if (d.y.empty()) continue;
    double mean = 0.0;
    for (double y : d.y) mean += y;
    mean /= static_cast<double>(d.y.size());
    out[w].offset = mean;
    for (double& y : d.y) {
      y -= mean;
      sq += y * y;
    }
    rows += d.y.size();
  }
  if (rows == 0) return out;
  // The hyperparameter search factors every workload's kernel matrix per evaluation
  // (O(n^3)); long studies fit them on an evenly spaced subset of each workload's runs.
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
  if (hyper.log_lengthscale.empty()) {
    const double var = std::max(1e-6, sq / static_cast<double>(rows));
    hyper = model::FitGpHyper(space, fit_data, model::DefaultGpHyper(space, var), 1.0, 400);
  } else {
    hyper = model::FitGpHyper(space, fit_data, hyper, 0.25, 120);
  }
  for (size_t w = 0; w < nw; ++w) {
    if (!data[w].y.empty())
      out[w].gp = std::make_shared<const model::LocalGp>(space, hyper, data[w]);
  }
  return out;
}

}  // namespace iorec::loop

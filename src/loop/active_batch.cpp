#include "active_batch.hpp"

#include <algorithm>
#include <numeric>

#include "iorec/deploy/recommender.hpp"
#include "iorec/deploy/training.hpp"
#include "iorec/loop/local_model.hpp"
#include "iorec/loop/study.hpp"

namespace iorec::loop {
namespace {

constexpr size_t kElitesPerWorkload = 3;
constexpr size_t kAscentStartsOwn = 3;  // the workload's best configs that start hill climbs

acquisition::PoolParams PoolParamsFrom(const config::StudyConfig& cfg) {
  acquisition::PoolParams p;
  p.enum_threshold_hard = cfg.active.enum_threshold_hard;
  p.max_pool = static_cast<size_t>(cfg.active.candidate_max_pool);
  return p;
}

/// Step "seeds": the model's own optima over the whole space (hill climbing on the
/// predicted mean from the best configs here and at the neighbours), then the neighbours'
/// elites (similar workloads have similar optima).
std::vector<space::Config> PoolSeeds(const config::StudyConfig& cfg, const state::StudyState& st,
                                     const model::Surrogate& surrogate,
                                     const TransferSources& sources, uint32_t w,
                                     const std::vector<space::Config>& parents,
                                     const acquisition::ConfigSet& tested) {
  std::vector<space::Config> starts(parents.begin(),
                                    parents.begin() + std::min(parents.size(), kAscentStartsOwn));
  std::vector<space::Config> transfer;
  for (size_t nb : sources.neighbors[w]) {
    for (const auto& c : sources.elites[nb]) transfer.push_back(c);
    if (!sources.elites[nb].empty()) starts.push_back(sources.elites[nb].front());
  }
  std::vector<space::Config> seeds;
  if (cfg.active.model_ascent_steps > 0 && st.space().Size() > cfg.active.enum_threshold_hard) {
    const acquisition::BatchScorer mean_of = [&](const std::vector<space::Config>& cs) {
      return surrogate.Predict(w, cs).mean;
    };
    seeds = acquisition::ModelAscent(st.space(), starts, tested, mean_of,
                                     cfg.active.model_ascent_steps);
  }
  if (cfg.active.transfer_seeds) seeds.insert(seeds.end(), transfer.begin(), transfer.end());
  return seeds;
}

/// The exploit pick's trust region: candidates within trust_region_knobs knobs of the
/// incumbent (empty: no region).
std::vector<char> TrustRegion(const config::StudyConfig& cfg, const space::Space& space,
                              const std::vector<space::Config>& pool,
                              const std::vector<space::Config>& parents) {
  std::vector<char> region(pool.size(), 0);
  if (parents.empty() || cfg.active.trust_region_knobs <= 0) return region;
  for (size_t i = 0; i < pool.size(); ++i) {
    int diff = 0;
    for (size_t k = 0; k < space.num_knobs(); ++k) diff += pool[i][k] != parents.front()[k];
    region[i] = diff <= cfg.active.trust_region_knobs;
  }
  return region;
}

/// Step "select": exploit, explore and diversify picks from the scored pool.
std::vector<acquisition::Pick> Select(const config::StudyConfig& cfg, const space::Space& space,
                                      const std::vector<space::Config>& pool,
                                      const model::Prediction& pred,
                                      const std::vector<space::Config>& parents,
                                      const std::vector<space::Config>& tested, int t, uint32_t w) {
  acquisition::BatchParams p;
  p.batch = static_cast<size_t>(cfg.active.batch_per_iter);
  p.beta = BetaAt(cfg, t);
  p.lambda = cfg.active.lambda_redundancy;
  p.diversify_top_fraction = cfg.active.diversify_top_fraction;
  p.explore = cfg.active.explore_mode == config::ExploreMode::kUcb
                  ? acquisition::ExploreMode::kUcb
                  : acquisition::ExploreMode::kThompson;
  p.exploit_region = TrustRegion(cfg, space, pool, parents);
  core::Rng rng = core::Rng(cfg.seed, "select").Fork(t).Fork(w);
  return acquisition::SelectBatch(space, pool, pred.mean, pred.stddev, tested, p, rng);
}

std::vector<ConfigPrediction> TopThree(const std::vector<space::Config>& pool,
                                       const model::Prediction& pred) {
  std::vector<size_t> order(pool.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t top = std::min<size_t>(3, order.size());
  std::partial_sort(order.begin(), order.begin() + top, order.end(),
                    [&](size_t a, size_t b) { return pred.mean[a] > pred.mean[b]; });
  std::vector<ConfigPrediction> out;
  for (size_t i = 0; i < top; ++i)
    out.push_back({pool[order[i]], pred.mean[order[i]], pred.stddev[order[i]]});
  return out;
}

}  // namespace

FittedSurrogates::FittedSurrogates(const config::StudyConfig& cfg, const state::StudyState& st,
                                   int iteration, model::GpHyper& hyper) {
  if (cfg.model.local_gp) {
    gp_ = std::make_unique<model::GpSurrogate>(FitLocalModels(st, hyper));
  }
  bool need_trees = false;
  for (size_t w = 0; w < st.num_workloads(); ++w) need_trees |= !gp_ || !gp_->Covers(w);
  if (!need_trees) return;
  trees_ = std::make_unique<model::XgbEnsemble>(EnsembleParamsFrom(cfg));
  core::Rng rng = core::Rng(cfg.seed, "model").Fork(static_cast<uint64_t>(iteration));
  trees_->Fit(deploy::TrainingSet(st), rng);
  tree_view_ = std::make_unique<model::TreeSurrogate>(*trees_, st.space(), st.workload_set());
}

const model::Surrogate& FittedSurrogates::For(size_t w) const {
  if (gp_ && gp_->Covers(w)) return *gp_;
  return *tree_view_;
}

std::map<std::string, int> FittedSurrogates::Census(size_t num_workloads) const {
  std::map<std::string, int> out;
  for (size_t w = 0; w < num_workloads; ++w) out[For(w).name()] += 1;
  return out;
}

TransferSources FindTransferSources(const config::StudyConfig& cfg, const state::StudyState& st) {
  const size_t nw = st.num_workloads();
  TransferSources s;
  s.elites.resize(nw);
  for (uint32_t w = 0; w < nw; ++w) {
    for (const auto* c : st.record(w).Ranked(cfg.active.robust_score_z)) {
      if (s.elites[w].size() >= kElitesPerWorkload) break;
      s.elites[w].push_back(c->config);
    }
  }
  // The k nearest other workloads by range-scaled feature distance, as recommend measures.
  const size_t k = static_cast<size_t>(std::max(1, cfg.deploy.knn_neighbors));
  const auto& ws = st.workload_set().workloads;
  const deploy::FeatureScale scale(st.workload_set());
  s.neighbors.resize(nw);
  for (size_t a = 0; a < nw; ++a) {
    std::vector<std::pair<double, size_t>> d;
    for (size_t b = 0; b < nw; ++b) {
      if (a != b) d.emplace_back(scale.Distance(ws[a].features, ws[b].features), b);
    }
    std::stable_sort(d.begin(), d.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    for (size_t i = 0; i < std::min(k, d.size()); ++i) s.neighbors[a].push_back(d[i].second);
  }
  return s;
}

double BetaAt(const config::StudyConfig& cfg, int t) {
  const int iters = cfg.active.iterations;
  const double frac = iters > 1 ? static_cast<double>(t - 1) / (iters - 1) : 0.0;
  return cfg.active.beta_start + (cfg.active.beta_end - cfg.active.beta_start) * frac;
}

WorkloadBatch PlanWorkloadBatch(const config::StudyConfig& cfg, const state::StudyState& st,
                                const model::Surrogate& surrogate, const TransferSources& sources,
                                int t, uint32_t w) {
  const auto& rec = st.record(w);
  acquisition::ConfigSet tested;
  std::vector<space::Config> tested_list, parents;
  for (const auto& c : rec.configs) {
    tested.insert(c.config);
    tested_list.push_back(c.config);
  }
  for (const auto* c : rec.Ranked(cfg.active.robust_score_z)) parents.push_back(c->config);
  const auto seeds = PoolSeeds(cfg, st, surrogate, sources, w, parents, tested);
  core::Rng pool_rng = core::Rng(cfg.seed, "candidate_pool").Fork(t).Fork(w);
  const auto pool = acquisition::BuildCandidatePool(st.space(), tested, parents,
                                                    PoolParamsFrom(cfg), pool_rng, seeds);
  WorkloadBatch out;
  out.pool_mode = pool.mode;
  if (pool.configs.empty()) return out;
  const model::Prediction pred = surrogate.Predict(w, pool.configs);  // step "score"
  for (const auto& p : Select(cfg, st.space(), pool.configs, pred, parents, tested_list, t, w)) {
    out.picks.push_back(pool.configs[p.candidate]);
    out.pick_stddev.push_back(pred.stddev[p.candidate]);
  }
  out.top3 = TopThree(pool.configs, pred);
  return out;
}

}  // namespace iorec::loop

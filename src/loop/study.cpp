#include "iorec/loop/study.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "iorec/core/error.hpp"
#include "iorec/eval/metrics.hpp"
#include "iorec/loop/local_model.hpp"

namespace iorec::loop {

double ConfigStats::Mean() const {
  if (perfs.empty()) return std::numeric_limits<double>::quiet_NaN();
  return std::accumulate(perfs.begin(), perfs.end(), 0.0) / static_cast<double>(perfs.size());
}

double ConfigStats::Std() const {
  if (perfs.size() < 2) return 0.0;
  const double m = Mean();
  double s = 0.0;
  for (double p : perfs) s += (p - m) * (p - m);
  return std::sqrt(s / static_cast<double>(perfs.size() - 1));
}

namespace {

double RelativeGain(const WorkloadState& st, double perf) {
  return st.baseline_perf > 0.0 ? perf / st.baseline_perf - 1.0 : perf - st.baseline_perf;
}

}  // namespace

// Knob effects on I/O performance compose multiplicatively, so they add up in log space,
// which models fit with fewer terms; the log is also scale-free across workloads.
double ModelTarget(const WorkloadState& st, double perf) {
  if (st.baseline_perf > 0.0 && perf > 0.0) return std::log(perf / st.baseline_perf);
  return RelativeGain(st, perf);
}

std::vector<const ConfigStats*> RankMeasured(const WorkloadState& state, double z) {
  std::vector<const ConfigStats*> out;
  for (const auto& c : state.configs) {
    if (!c.perfs.empty()) out.push_back(&c);
  }
  std::stable_sort(out.begin(), out.end(), [z](const ConfigStats* a, const ConfigStats* b) {
    return a->Mean() - z * a->Std() > b->Mean() - z * b->Std();
  });
  return out;
}

model::Dataset BuildDataset(const space::Space& space, const space::WorkloadSet& workloads,
                            const std::vector<WorkloadState>& states) {
  model::Dataset d;
  const size_t nf = workloads.feature_names.size();
  d.num_cols = nf + space.ConfigWidth();
  for (size_t w = 0; w < states.size(); ++w) {
    const auto& st = states[w];
    if (!st.baseline_ok) continue;
    for (const auto& c : st.configs) {
      if (c.perfs.empty()) continue;
      const size_t off = d.x.size();
      d.x.resize(off + d.num_cols);
      for (size_t j = 0; j < nf; ++j)
        d.x[off + j] = static_cast<float>(workloads.workloads[w].features[j]);
      space.EncodeConfig(c.config, d.x.data() + off + nf);
      d.gain.push_back(ModelTarget(st, c.Mean()));
      d.group.push_back(static_cast<uint32_t>(w));
    }
  }
  return d;
}

model::EnsembleParams EnsembleParamsFrom(const config::StudyConfig& cfg) {
  model::EnsembleParams p;
  p.objective = cfg.model.mode == config::ModelMode::kRanking ? model::Objective::kRanking
                                                              : model::Objective::kRegression;
  p.members = cfg.active.ensemble_size;
  p.relevance_levels = cfg.model.relevance_levels;
  p.num_rounds = cfg.model.num_rounds;
  p.max_depth = cfg.model.max_depth;
  p.learning_rate = cfg.model.learning_rate;
  p.subsample_fraction = cfg.model.subsample_fraction;
  p.min_child_weight = cfg.model.min_child_weight;
  return p;
}

namespace {

constexpr size_t kElitesPerWorkload = 3;

class StudyRunner {
 public:
  StudyRunner(const config::StudyConfig& cfg, const space::WorkloadSet& ws, runner::Executor& exec,
              const Oracle* oracle, const std::vector<LoopObserver*>& observers)
      : cfg_(cfg),
        space_(cfg.space),
        ws_(ws),
        exec_(exec),
        oracle_(oracle),
        observers_(observers) {}

  StudyResult Run() {
    res_.workloads.resize(ws_.size());
    WarmStart();
    ComputeOracle();
    res_.history.push_back(MakeRecord(0, {}, 0, 0.0, {}));
    Notify([&](LoopObserver* o) { o->OnIteration(res_.history.back()); });

    const int iters = cfg_.active.iterations;
    Notify([&](LoopObserver* o) {
      o->OnPhase("active", static_cast<size_t>(iters) * ws_.size() *
                               static_cast<size_t>(cfg_.active.batch_per_iter));
    });
    double best_so_far = res_.history.back().best_gain_so_far;
    int stale = 0;
    res_.stop_reason = "completed all iterations";
    for (int t = 1; t <= iters; ++t) {
      const double sigma = ActiveIteration(t);
      res_.iterations_run = t;
      const double now = res_.history.back().best_gain_so_far;
      if (now > best_so_far + 1e-12) {
        best_so_far = now;
        stale = 0;
      } else {
        ++stale;
      }
      if (cfg_.active.early_stop_rounds > 0 && stale >= cfg_.active.early_stop_rounds) {
        res_.stop_reason = "early stop: no improvement in " +
                           std::to_string(cfg_.active.early_stop_rounds) + " iterations";
        break;
      }
      if (cfg_.active.low_sigma_threshold > 0.0 && sigma < cfg_.active.low_sigma_threshold) {
        res_.stop_reason = "early stop: batch spread below low_sigma_threshold";
        break;
      }
    }

    Notify([&](LoopObserver* o) { o->OnPhase("final", 1); });
    res_.model = std::make_shared<model::XgbEnsemble>(EnsembleParamsFrom(cfg_));
    core::Rng final_rng = core::Rng(cfg_.seed, "model").Fork("final");
    res_.model->Fit(BuildDataset(space_, ws_, res_.workloads), final_rng);
    BuildMatrix();
    return std::move(res_);
  }

 private:
  template <class F>
  void Notify(F&& f) {
    for (auto* o : observers_) f(o);
  }

  void RunRequests(std::vector<runner::TrialRequest>& reqs) {
    for (auto& r : reqs) r.trial_id = next_trial_id_++;
    const auto outcomes = exec_.RunBatch(reqs);
    size_t failed = 0;
    for (size_t i = 0; i < reqs.size(); ++i) {
      const auto& r = reqs[i];
      const auto& out = outcomes[i];
      auto& st = res_.workloads[r.workload_index];
      Observation obs;
      obs.trial_id = r.trial_id;
      obs.workload = r.workload_index;
      obs.config = r.config;
      obs.source = r.source;
      obs.iteration = std::max(0, r.iteration);
      obs.replicate = r.replicate;
      obs.ok = out.ok && std::isfinite(out.value);
      obs.perf = obs.ok ? out.value : 0.0;
      obs.failure_reason =
          obs.ok ? "" : (out.failure_reason.empty() ? "non-finite metric" : out.failure_reason);
      obs.wall_seconds = out.wall_seconds;
      if (r.source == runner::TrialSource::kBaseline && obs.ok) {
        st.baseline_perf = obs.perf;
        st.baseline_ok = true;
      }
      auto [it, inserted] = st.index.emplace(r.config, st.configs.size());
      if (inserted) {
        ConfigStats cs;
        cs.config = r.config;
        cs.first_source = r.source;
        cs.first_iteration = obs.iteration;
        st.configs.push_back(std::move(cs));
      }
      if (obs.ok)
        st.configs[it->second].perfs.push_back(obs.perf);
      else
        ++failed;
      obs.gain = obs.ok ? obs.perf - st.baseline_perf : 0.0;
      res_.observations.push_back(obs);
      Notify([&](LoopObserver* o) { o->OnTrial(res_.observations.back()); });
    }
    if (!reqs.empty() && failed == reqs.size()) {
      throw core::Error("every trial of the batch failed (" + std::to_string(failed) +
                        " trials); first reason: " + res_.observations.back().failure_reason);
    }
  }

  void WarmStart() {
    core::Rng rng(cfg_.seed, "warm_start");
    res_.warm = sampling::BuildWarmStart(space_, cfg_.baseline,
                                         static_cast<size_t>(cfg_.warm_start.target_size), rng);
    Notify(
        [&](LoopObserver* o) { o->OnPhase("warm_start", res_.warm.configs.size() * ws_.size()); });
    std::vector<runner::TrialRequest> reqs;
    for (uint32_t w = 0; w < ws_.size(); ++w) {
      // The baseline runs first for each workload; it is also the warm set's first anchor.
      runner::TrialRequest base;
      base.workload_index = w;
      base.workload = &ws_.workloads[w];
      base.config = cfg_.baseline;
      base.source = runner::TrialSource::kBaseline;
      reqs.push_back(base);
      for (const auto& c : res_.warm.configs) {
        if (c == cfg_.baseline) continue;
        runner::TrialRequest r = base;
        r.config = c;
        r.source = runner::TrialSource::kWarm;
        reqs.push_back(std::move(r));
      }
    }
    RunRequests(reqs);
    for (auto& st : res_.workloads) {
      if (!st.baseline_ok) {
        // Without a baseline measurement, gains are taken against the median warm result.
        std::vector<double> perfs;
        for (const auto& c : st.configs) {
          if (!c.perfs.empty()) perfs.push_back(c.Mean());
        }
        std::sort(perfs.begin(), perfs.end());
        st.baseline_perf = perfs.empty() ? 0.0 : perfs[perfs.size() / 2];
        st.baseline_ok = !perfs.empty();
      }
    }
  }

  void ComputeOracle() {
    const bool heldout = cfg_.active.oracle_mode == config::OracleMode::kHeldout && oracle_;
    res_.oracle_best.resize(ws_.size());
    for (uint32_t w = 0; w < ws_.size(); ++w) {
      if (heldout) {
        res_.oracle_best[w] = oracle_->BestPerf(w);
      } else {
        double best = 0.0;
        for (const auto& c : res_.workloads[w].configs) {
          if (!c.perfs.empty()) best = std::max(best, c.Mean());
        }
        res_.oracle_best[w] = best;
      }
    }
  }

  double ValueOf(uint32_t w, const ConfigStats& c) const {
    const bool heldout = cfg_.active.oracle_mode == config::OracleMode::kHeldout && oracle_;
    return heldout ? oracle_->TruePerf(w, c.config) : c.Mean();
  }

  IterationRecord MakeRecord(int iteration, std::map<std::string, int> modes, int replicate_runs,
                             double mean_sigma,
                             std::vector<std::vector<ConfigPrediction>> snapshot) {
    IterationRecord rec;
    rec.iteration = iteration;
    rec.runs = res_.observations.size();
    rec.runs_per_workload = ws_.size() ? static_cast<double>(rec.runs) / ws_.size() : 0.0;
    rec.candidate_modes = std::move(modes);
    rec.replicate_runs = replicate_runs;
    rec.mean_batch_sigma = mean_sigma;
    rec.top3_uncertainty = std::move(snapshot);
    for (const auto& o : res_.observations) rec.failed_runs += o.ok ? 0 : 1;
    const double levels = std::max(2, cfg_.model.relevance_levels) - 1.0;
    double sum_regret = 0, sum_hit = 0, sum_ndcg = 0, sum_gain = 0;
    for (uint32_t w = 0; w < ws_.size(); ++w) {
      const auto& st = res_.workloads[w];
      const auto ranked = RankMeasured(st, cfg_.active.robust_score_z);
      std::vector<double> values, rel;
      for (size_t i = 0; i < std::min<size_t>(3, ranked.size()); ++i) {
        values.push_back(ValueOf(w, *ranked[i]));
      }
      const double best = res_.oracle_best[w];
      for (double v : values)
        rel.push_back(levels * std::clamp(best > 0 ? v / best : 0.0, 0.0, 1.0));
      sum_regret += eval::RegretAtK(values, best, 3);
      sum_hit += eval::HitAtK(values, best, 3, 0.05);
      sum_ndcg += eval::NdcgOfList(rel, std::vector<double>(3, levels), 3);
      double best_gain = 0.0;
      for (const auto& c : st.configs) {
        if (!c.perfs.empty()) best_gain = std::max(best_gain, RelativeGain(st, c.Mean()));
      }
      sum_gain += best_gain;
    }
    const double n = std::max<size_t>(1, ws_.size());
    rec.regret_at_3 = sum_regret / n;
    rec.hit_at_3 = sum_hit / n;
    rec.ndcg_at_3 = sum_ndcg / n;
    rec.best_gain_so_far = sum_gain / n;
    return rec;
  }

  double ActiveIteration(int t) {
    const int iters = cfg_.active.iterations;
    const double frac = iters > 1 ? static_cast<double>(t - 1) / (iters - 1) : 0.0;
    const double beta =
        cfg_.active.beta_start + (cfg_.active.beta_end - cfg_.active.beta_start) * frac;

    // The surrogate: per-workload GPs (model.local_gp), else the tree ensemble.
    model::XgbEnsemble model(EnsembleParamsFrom(cfg_));
    std::vector<LocalModel> local;
    std::map<std::string, int> surrogates;
    if (cfg_.model.local_gp) {
      local = FitLocalModels(space_, res_.workloads, gp_hyper_);
    }
    for (uint32_t w = 0; w < ws_.size(); ++w) {
      surrogates[w < local.size() && local[w].gp ? "gp" : "trees"] += 1;
    }
    if (surrogates.count("trees")) {
      core::Rng model_rng = core::Rng(cfg_.seed, "model").Fork(static_cast<uint64_t>(t));
      model.Fit(BuildDataset(space_, ws_, res_.workloads), model_rng);
    }

    acquisition::PoolParams pool_params;
    pool_params.enum_threshold_hard = cfg_.active.enum_threshold_hard;
    pool_params.max_pool = static_cast<size_t>(cfg_.active.candidate_max_pool);
    acquisition::BatchParams batch_params;
    batch_params.batch = static_cast<size_t>(cfg_.active.batch_per_iter);
    batch_params.beta = beta;
    batch_params.lambda = cfg_.active.lambda_redundancy;
    batch_params.diversify_top_fraction = cfg_.active.diversify_top_fraction;
    batch_params.explore = cfg_.active.explore_mode == config::ExploreMode::kUcb
                               ? acquisition::ExploreMode::kUcb
                               : acquisition::ExploreMode::kThompson;

    // Elites: each workload's best measured configs. Similar workloads have similar optima,
    // so a neighbour's elites are strong candidates (transfer).
    const size_t nw = ws_.size();
    std::vector<std::vector<space::Config>> elites(nw);
    for (uint32_t w = 0; w < nw; ++w) {
      for (const auto* c : RankMeasured(res_.workloads[w], cfg_.active.robust_score_z)) {
        if (elites[w].size() >= kElitesPerWorkload) break;
        elites[w].push_back(c->config);
      }
    }
    const auto neighbors =
        NearestWorkloads(static_cast<size_t>(std::max(1, cfg_.deploy.knn_neighbors)));

    std::map<std::string, int> modes;
    std::vector<std::vector<ConfigPrediction>> snapshot(ws_.size());
    std::vector<runner::TrialRequest> reqs;
    double sigma_sum = 0.0;
    size_t sigma_n = 0;
    const size_t width = ws_.feature_names.size() + space_.ConfigWidth();
    for (uint32_t w = 0; w < ws_.size(); ++w) {
      const auto& st = res_.workloads[w];
      acquisition::ConfigSet tested;
      std::vector<space::Config> tested_list;
      for (const auto& c : st.configs) {
        tested.insert(c.config);
        tested_list.push_back(c.config);
      }
      std::vector<space::Config> parents;
      for (const auto* c : RankMeasured(st, cfg_.active.robust_score_z))
        parents.push_back(c->config);
      // Seeds for the pool: the model's own optima over the whole space (hill climbing on
      // the predicted mean from the best configs here and at the neighbours), then the
      // neighbours' elites.
      std::vector<space::Config> starts(parents.begin(),
                                        parents.begin() + std::min<size_t>(parents.size(), 3));
      std::vector<space::Config> transfer;
      for (size_t nb : neighbors[w]) {
        for (const auto& c : elites[nb]) transfer.push_back(c);
        if (!elites[nb].empty()) starts.push_back(elites[nb].front());
      }
      const auto& feats = ws_.workloads[w].features;
      auto predict = [&](const std::vector<space::Config>& cs) {
        if (w < local.size() && local[w].gp) return local[w].Predict(cs);
        const auto x = deploy::EncodeRows(space_, feats, cs);
        return model.Predict(x.data(), cs.size(), width);
      };
      acquisition::BatchScorer mean_of = [&](const std::vector<space::Config>& cs) {
        return predict(cs).mean;
      };
      std::vector<space::Config> seeds;
      if (cfg_.active.model_ascent_steps > 0 && space_.Size() > pool_params.enum_threshold_hard) {
        seeds = acquisition::ModelAscent(space_, starts, tested, mean_of,
                                         cfg_.active.model_ascent_steps);
      }
      if (cfg_.active.transfer_seeds) seeds.insert(seeds.end(), transfer.begin(), transfer.end());
      core::Rng pool_rng = core::Rng(cfg_.seed, "candidate_pool").Fork(t).Fork(w);
      const auto pool =
          acquisition::BuildCandidatePool(space_, tested, parents, pool_params, pool_rng, seeds);
      modes[acquisition::ToString(pool.mode)] += 1;
      if (pool.configs.empty()) continue;
      const auto pred = predict(pool.configs);
      // Trust region for the exploit pick: configs within two knobs of the incumbent.
      batch_params.exploit_region.assign(pool.configs.size(), 0);
      if (!parents.empty() && cfg_.active.trust_region_knobs > 0) {
        for (size_t i = 0; i < pool.configs.size(); ++i) {
          int diff = 0;
          for (size_t k = 0; k < space_.num_knobs(); ++k)
            diff += pool.configs[i][k] != parents.front()[k];
          batch_params.exploit_region[i] = diff <= cfg_.active.trust_region_knobs;
        }
      }
      core::Rng select_rng = core::Rng(cfg_.seed, "select").Fork(t).Fork(w);
      const auto picks = acquisition::SelectBatch(space_, pool.configs, pred.mean, pred.stddev,
                                                  tested_list, batch_params, select_rng);
      for (const auto& p : picks) {
        runner::TrialRequest r;
        r.workload_index = w;
        r.workload = &ws_.workloads[w];
        r.config = pool.configs[p.candidate];
        r.source = runner::TrialSource::kActive;
        r.iteration = t;
        reqs.push_back(std::move(r));
        sigma_sum += pred.stddev[p.candidate];
        ++sigma_n;
      }
      std::vector<size_t> order(pool.configs.size());
      std::iota(order.begin(), order.end(), 0);
      const size_t top = std::min<size_t>(3, order.size());
      std::partial_sort(order.begin(), order.begin() + top, order.end(),
                        [&](size_t a, size_t b) { return pred.mean[a] > pred.mean[b]; });
      for (size_t i = 0; i < top; ++i) {
        snapshot[w].push_back({pool.configs[order[i]], pred.mean[order[i]], pred.stddev[order[i]]});
      }
    }
    RunRequests(reqs);

    // Replicates of the best new configs, to beat noise on the finalists.
    std::vector<runner::TrialRequest> reps;
    if (cfg_.active.replicate_top_n > 0 && cfg_.active.replicate_repeats > 0) {
      for (uint32_t w = 0; w < ws_.size(); ++w) {
        std::vector<const runner::TrialRequest*> mine;
        for (const auto& r : reqs) {
          if (r.workload_index == w) mine.push_back(&r);
        }
        const auto& st = res_.workloads[w];
        auto perf_of = [&](const runner::TrialRequest* r) {
          const auto& cs = st.configs[st.index.at(r->config)];
          return cs.perfs.empty() ? -std::numeric_limits<double>::infinity() : cs.Mean();
        };
        std::stable_sort(mine.begin(), mine.end(),
                         [&](auto* a, auto* b) { return perf_of(a) > perf_of(b); });
        const size_t n =
            std::min<size_t>(mine.size(), static_cast<size_t>(cfg_.active.replicate_top_n));
        for (size_t i = 0; i < n; ++i) {
          if (!std::isfinite(perf_of(mine[i]))) continue;
          for (int rep = 1; rep <= cfg_.active.replicate_repeats; ++rep) {
            runner::TrialRequest r = *mine[i];
            r.source = runner::TrialSource::kReplicate;
            r.replicate = rep;
            reps.push_back(std::move(r));
          }
        }
      }
      if (!reps.empty()) RunRequests(reps);
    }
    const double mean_sigma = sigma_n ? sigma_sum / static_cast<double>(sigma_n) : 0.0;
    res_.history.push_back(MakeRecord(t, std::move(modes), static_cast<int>(reps.size()),
                                      mean_sigma, std::move(snapshot)));
    res_.history.back().surrogates = std::move(surrogates);
    Notify([&](LoopObserver* o) { o->OnIteration(res_.history.back()); });
    return mean_sigma;
  }

  /// For each workload, the indices of its k nearest other workloads (range-scaled
  /// Euclidean distance on the features), nearest first.
  std::vector<std::vector<size_t>> NearestWorkloads(size_t k) const {
    const deploy::FeatureScale scale(ws_);
    const size_t nw = ws_.size();
    std::vector<std::vector<size_t>> out(nw);
    for (size_t a = 0; a < nw; ++a) {
      std::vector<std::pair<double, size_t>> d;
      for (size_t b = 0; b < nw; ++b) {
        if (a != b)
          d.emplace_back(scale.Distance(ws_.workloads[a].features, ws_.workloads[b].features), b);
      }
      std::stable_sort(d.begin(), d.end(),
                       [](const auto& x, const auto& y) { return x.first < y.first; });
      for (size_t i = 0; i < std::min(k, d.size()); ++i) out[a].push_back(d[i].second);
    }
    return out;
  }

  void BuildMatrix() {
    res_.matrix.workload_ids.clear();
    res_.matrix.top.clear();
    for (uint32_t w = 0; w < ws_.size(); ++w) {
      const auto& st = res_.workloads[w];
      res_.matrix.workload_ids.push_back(ws_.workloads[w].id);
      std::vector<deploy::MatrixEntry> entries;
      const double z = cfg_.active.robust_score_z;
      for (const auto* c : RankMeasured(st, z)) {
        if (entries.size() >= static_cast<size_t>(cfg_.deploy.topk_per_pattern)) break;
        deploy::MatrixEntry e;
        e.config = c->config;
        e.mean_perf = c->Mean();
        e.std_perf = c->Std();
        e.mean_gain = c->Mean() - st.baseline_perf;
        e.robust_gain = c->Mean() - z * c->Std() - st.baseline_perf;
        e.runs = static_cast<int>(c->perfs.size());
        entries.push_back(std::move(e));
      }
      res_.matrix.top.push_back(std::move(entries));
    }
  }

  const config::StudyConfig& cfg_;
  const space::Space& space_;
  const space::WorkloadSet& ws_;
  runner::Executor& exec_;
  const Oracle* oracle_;
  const std::vector<LoopObserver*>& observers_;
  StudyResult res_;
  uint64_t next_trial_id_ = 1;
  model::GpHyper gp_hyper_;  // the local GPs' hyperparameters, refined every iteration
};

}  // namespace

StudyResult RunStudy(const config::StudyConfig& cfg, const space::WorkloadSet& workloads,
                     runner::Executor& executor, const Oracle* oracle,
                     const std::vector<LoopObserver*>& observers) {
  return StudyRunner(cfg, workloads, executor, oracle, observers).Run();
}

}  // namespace iorec::loop

#include "iorec/eval/heldout.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "iorec/core/error.hpp"
#include "iorec/deploy/recommender.hpp"
#include "iorec/deploy/training.hpp"
#include "iorec/eval/metrics.hpp"

namespace iorec::eval {
namespace {

using ConfigIndex = std::unordered_map<space::Config, size_t, space::ConfigHash>;

size_t RoundCount(double fraction, size_t n) {
  return static_cast<size_t>(std::llround(fraction * static_cast<double>(n)));
}

bool IsBaseline(const state::StudyState& st, const state::ConfigStats& m) {
  return m.first_source == state::Source::kBaseline || m.config == st.baseline_config();
}

/// A measured config's gain over its workload's baseline.
double GainOf(const state::StudyState& st, size_t w, size_t i) {
  const auto& rec = st.record(w);
  return rec.Gain(rec.configs[i].Mean()).value;
}

std::vector<size_t> OrderByScore(const std::vector<double>& scores) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  return order;
}

StrategyAggregate Aggregate(const std::vector<WorkloadEval>& evals,
                            StrategyScore WorkloadEval::*member, const EvalParams& p,
                            const core::Rng& rng) {
  std::vector<double> ndcg, regret, hit, rho;
  for (const auto& e : evals) {
    const StrategyScore& s = e.*member;
    ndcg.push_back(s.ndcg);
    regret.push_back(s.regret);
    hit.push_back(s.hit);
    if (s.spearman) rho.push_back(*s.spearman);
  }
  StrategyAggregate a;
  core::Rng r1 = rng.Fork("ndcg"), r2 = rng.Fork("regret"), r3 = rng.Fork("hit"),
            r4 = rng.Fork("spearman");
  a.ndcg = BootstrapMeanCi(ndcg, p.bootstrap_iters, p.ci_level, r1);
  a.regret = BootstrapMeanCi(regret, p.bootstrap_iters, p.ci_level, r2);
  a.hit = BootstrapMeanCi(hit, p.bootstrap_iters, p.ci_level, r3);
  if (!rho.empty()) a.spearman = BootstrapMeanCi(rho, p.bootstrap_iters, p.ci_level, r4);
  return a;
}

Lift MakeLift(const std::string& name, const std::vector<WorkloadEval>& evals,
              StrategyScore WorkloadEval::*member, const EvalParams& p, const core::Rng& rng) {
  std::vector<double> ndcg, regret, hit;
  for (const auto& e : evals) {
    const StrategyScore& b = e.*member;
    ndcg.push_back(e.model.ndcg - b.ndcg);
    regret.push_back(b.regret - e.model.regret);
    hit.push_back(e.model.hit - b.hit);
  }
  Lift l;
  l.over = name;
  core::Rng r1 = rng.Fork("ndcg"), r2 = rng.Fork("regret"), r3 = rng.Fork("hit");
  l.ndcg = BootstrapMeanCi(ndcg, p.bootstrap_iters, p.ci_level, r1);
  l.regret = BootstrapMeanCi(regret, p.bootstrap_iters, p.ci_level, r2);
  l.hit = BootstrapMeanCi(hit, p.bootstrap_iters, p.ci_level, r3);
  return l;
}

/// Each workload's measured configs, split into held-out and training parts.
void SplitConfigsPerPattern(const state::StudyState& st, const EvalParams& p, core::Rng& rng,
                            SplitAssignment& s) {
  for (size_t w = 0; w < st.num_workloads(); ++w) {
    const auto& configs = st.record(w).configs;
    std::vector<size_t> candidates;
    for (size_t i = 0; i < configs.size(); ++i) {
      if (configs[i].measured() && !IsBaseline(st, configs[i])) candidates.push_back(i);
    }
    core::Rng wr = rng.Fork(static_cast<uint64_t>(w));
    wr.Shuffle(candidates);
    const size_t n_hold =
        std::min(candidates.size(), RoundCount(p.holdout_fraction_configs, candidates.size()));
    std::vector<bool> hold(configs.size(), false);
    for (size_t i = 0; i < n_hold; ++i) hold[candidates[i]] = true;
    for (size_t i = 0; i < configs.size(); ++i) {
      if (configs[i].measured()) (hold[i] ? s.heldout[w] : s.train[w]).push_back(i);
    }
  }
}

/// Assigns every measured config by a per-config rule.
template <class Held>
void SplitBy(const state::StudyState& st, SplitAssignment& s, Held held) {
  for (size_t w = 0; w < st.num_workloads(); ++w) {
    const auto& configs = st.record(w).configs;
    for (size_t i = 0; i < configs.size(); ++i) {
      if (configs[i].measured()) (held(w, configs[i]) ? s.heldout[w] : s.train[w]).push_back(i);
    }
  }
}

/// What every workload's evaluation shares.
struct Context {
  const state::StudyState& st;
  const EvalParams& p;
  const SplitAssignment& split;
  const model::XgbEnsemble& model;
  size_t k;
  std::vector<ConfigIndex> train_index;  ///< per workload, its training configs
  deploy::FeatureScale scale;            ///< over all workloads, as recommend scales
  space::WorkloadSet known;              ///< kPatterns: the training workloads
  deploy::RecommendationMatrix matrix;   ///< kPatterns: their matrix rows
};

StrategyScore ScoreRandomOrder(const std::vector<double>& gains, const Context& c, core::Rng& rng) {
  StrategyScore out;
  double rho_sum = 0.0;
  for (int d = 0; d < kRandomDraws; ++d) {
    std::vector<size_t> order(gains.size());
    std::iota(order.begin(), order.end(), 0);
    rng.Shuffle(order);
    std::vector<double> scores(gains.size());
    for (size_t r = 0; r < order.size(); ++r) scores[order[r]] = -static_cast<double>(r);
    const StrategyScore s = ScoreRanking(order, gains, scores, c.k, c.p.hit_tolerance);
    out.ndcg += s.ndcg / kRandomDraws;
    out.regret += s.regret / kRandomDraws;
    out.hit += s.hit / kRandomDraws;
    out.chosen_gain += s.chosen_gain / kRandomDraws;
    rho_sum += s.spearman.value_or(0.0);
  }
  out.spearman = rho_sum / kRandomDraws;
  return out;
}

/// Always the baseline config: a list of one, gain 0 by definition.
StrategyScore ScoreBaselineConfig(const std::vector<double>& gains, double best, const Context& c) {
  StrategyScore s;
  const std::vector<double> chosen = {0.0};
  s.ndcg = NdcgOfList(GainRelevance(chosen, gains, kRelevanceMax),
                      GainRelevance(gains, gains, kRelevanceMax), c.k);
  s.regret = GainRegretAtK(chosen, best, c.k);
  s.hit = s.regret <= c.p.hit_tolerance ? 1.0 : 0.0;
  s.chosen_gain = 0.0;
  return s;
}

/// Held-out configs in the order of the nearest training workload that measured them
/// (closest neighbour first, then its measured gain).
StrategyScore ScoreNearestCopy(size_t w, const std::vector<space::Config>& configs,
                               const std::vector<double>& gains, const Context& c) {
  const auto& features = c.st.workload_set().workloads;
  std::vector<std::pair<double, size_t>> neighbours;
  for (size_t v = 0; v < c.st.num_workloads(); ++v) {
    if (v == w || c.train_index[v].empty()) continue;
    neighbours.emplace_back(c.scale.Distance(features[w].features, features[v].features), v);
  }
  std::stable_sort(neighbours.begin(), neighbours.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<size_t, double>> key(configs.size(), {neighbours.size(), -INFINITY});
  for (size_t i = 0; i < configs.size(); ++i) {
    for (size_t r = 0; r < neighbours.size(); ++r) {
      const size_t v = neighbours[r].second;
      const auto it = c.train_index[v].find(configs[i]);
      if (it == c.train_index[v].end()) continue;
      key[i] = {r, GainOf(c.st, v, it->second)};
      break;
    }
  }
  std::vector<size_t> order(configs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (key[a].first != key[b].first) return key[a].first < key[b].first;
    return key[a].second > key[b].second;
  });
  std::vector<double> scores(configs.size());
  for (size_t r = 0; r < order.size(); ++r) scores[order[r]] = -static_cast<double>(r);
  return ScoreRanking(order, gains, scores, c.k, c.p.hit_tolerance);
}

/// kPatterns: what the kNN recommender, knowing the training workloads only, returns for
/// the unseen workload, against its own measurements.
DeploymentCheck CheckDeployment(size_t w, const Context& c) {
  deploy::Recommender rec(c.st.space(), c.known, c.matrix, c.model, c.st.baseline_config(),
                          {c.p.knn_neighbors, c.p.return_top_k});
  const deploy::Recommendation r = rec.Recommend(c.st.workload_set().workloads[w].features);
  DeploymentCheck dc;
  const auto& own = c.st.record(w);
  double best_own = 0.0;
  for (size_t i = 0; i < own.configs.size(); ++i) {
    if (own.configs[i].measured()) best_own = std::max(best_own, GainOf(c.st, w, i));
  }
  for (const auto& n : r.neighbors) dc.neighbors.push_back(n.workload_id);
  for (const auto& rc : r.configs) {
    dc.recommended.push_back(rc.config);
    const auto* m = own.Find(rc.config);
    if (!m || !m->measured()) continue;
    ++dc.measured;
    const double g = own.Gain(m->Mean()).value;
    dc.best_measured_gain = dc.best_measured_gain ? std::max(*dc.best_measured_gain, g) : g;
  }
  if (dc.best_measured_gain) dc.regret = GainRegretAtK({*dc.best_measured_gain}, best_own, 1);
  return dc;
}

WorkloadEval EvaluateWorkload(size_t w, const Context& c, core::Rng& random_rng) {
  const auto& held = c.split.heldout[w];
  WorkloadEval e;
  e.id = c.st.workload_set().workloads[w].id;
  e.n_train = c.split.train[w].size();
  e.n_heldout = held.size();
  std::vector<space::Config> configs;
  for (size_t i : held) {
    configs.push_back(c.st.record(w).configs[i].config);
    e.measured.push_back(GainOf(c.st, w, i));
  }
  const auto& gains = e.measured;
  e.best_heldout_gain = *std::max_element(gains.begin(), gains.end());
  e.positive_best = e.best_heldout_gain > 0.0;
  e.predicted = model::PredictConfigs(c.model, c.st.space(),
                                      c.st.workload_set().workloads[w].features, configs)
                    .mean;
  const std::vector<size_t> order = OrderByScore(e.predicted);
  e.model = ScoreRanking(order, gains, e.predicted, c.k, c.p.hit_tolerance);
  e.top1_config = configs[order.front()];
  e.top1_gain = gains[order.front()];
  e.top1_regret = ScoreRanking(order, gains, {}, 1, c.p.hit_tolerance).regret;
  e.random = ScoreRandomOrder(gains, c, random_rng);
  e.baseline = ScoreBaselineConfig(gains, e.best_heldout_gain, c);
  e.nearest = ScoreNearestCopy(w, configs, gains, c);
  if (c.p.split == Split::kPatterns) e.deployment = CheckDeployment(w, c);
  return e;
}

void AggregateAll(const EvalParams& p, const core::Rng& rng, EvalResult& res) {
  const core::Rng boot = rng.Fork("bootstrap");
  res.model = Aggregate(res.workloads, &WorkloadEval::model, p, boot.Fork("model"));
  res.random = Aggregate(res.workloads, &WorkloadEval::random, p, boot.Fork("random"));
  res.baseline = Aggregate(res.workloads, &WorkloadEval::baseline, p, boot.Fork("baseline"));
  res.nearest = Aggregate(res.workloads, &WorkloadEval::nearest, p, boot.Fork("nearest"));
  std::vector<double> top1;
  for (const auto& e : res.workloads) top1.push_back(e.top1_regret);
  core::Rng top1_rng = boot.Fork("model_top1");
  res.model_top1_regret = BootstrapMeanCi(top1, p.bootstrap_iters, p.ci_level, top1_rng);
  res.lifts.push_back(
      MakeLift("random", res.workloads, &WorkloadEval::random, p, boot.Fork("lift_random")));
  res.lifts.push_back(MakeLift("baseline_config", res.workloads, &WorkloadEval::baseline, p,
                               boot.Fork("lift_baseline")));
  res.lifts.push_back(MakeLift("nearest_workload_best", res.workloads, &WorkloadEval::nearest, p,
                               boot.Fork("lift_nearest")));
  if (p.split != Split::kPatterns) return;
  std::vector<double> regrets;
  for (const auto& e : res.workloads) {
    if (e.deployment && e.deployment->regret) regrets.push_back(*e.deployment->regret);
  }
  core::Rng dr = boot.Fork("deploy");
  if (!regrets.empty())
    res.deploy_regret = BootstrapMeanCi(regrets, p.bootstrap_iters, p.ci_level, dr);
}

}  // namespace

const char* ToString(Split s) {
  switch (s) {
    case Split::kConfigsPerPattern:
      return "heldout_configs_per_pattern";
    case Split::kPatterns:
      return "heldout_patterns";
    case Split::kTemporal:
      return "temporal";
  }
  return "?";
}

void ValidateSplit(Split split, size_t num_workloads) {
  if (split == Split::kPatterns && num_workloads < kMinWorkloadsForPatternSplit) {
    throw core::InputError("evaluation.split_mode: heldout_patterns needs at least " +
                           std::to_string(kMinWorkloadsForPatternSplit) +
                           " workloads (some to hold out, at least 2 to train and search "
                           "neighbours in), got " +
                           std::to_string(num_workloads) +
                           "; use heldout_configs_per_pattern or temporal");
  }
}

SplitAssignment MakeSplit(const state::StudyState& st, const EvalParams& p, core::Rng& rng) {
  ValidateSplit(p.split, st.num_workloads());
  const size_t nw = st.num_workloads();
  SplitAssignment s;
  s.heldout.resize(nw);
  s.train.resize(nw);
  s.workload_heldout.assign(nw, false);
  switch (p.split) {
    case Split::kConfigsPerPattern:
      SplitConfigsPerPattern(st, p, rng, s);
      break;
    case Split::kPatterns: {
      std::vector<size_t> order(nw);
      std::iota(order.begin(), order.end(), 0);
      rng.Shuffle(order);
      const size_t n_hold =
          std::clamp<size_t>(RoundCount(p.holdout_fraction_patterns, nw), 1, nw - 2);
      for (size_t i = 0; i < n_hold; ++i) s.workload_heldout[order[i]] = true;
      SplitBy(st, s, [&](size_t w, const state::ConfigStats&) { return s.workload_heldout[w]; });
      break;
    }
    case Split::kTemporal: {
      const int iters = std::max(0, st.iterations());
      const int n_hold =
          iters > 0
              ? std::max(1, static_cast<int>(std::llround(p.temporal_holdout_fraction * iters)))
              : 0;
      s.temporal_cut = iters - std::min(n_hold, iters);
      SplitBy(st, s, [&](size_t, const state::ConfigStats& c) {
        return iters > 0 && c.first_iteration > s.temporal_cut;
      });
      break;
    }
  }
  return s;
}

StrategyScore ScoreRanking(const std::vector<size_t>& order, const std::vector<double>& gains,
                           const std::vector<double>& scores, size_t k, double hit_tolerance) {
  StrategyScore s;
  if (gains.empty()) return s;
  const std::vector<double> rel = GainRelevance(gains, gains, kRelevanceMax);
  std::vector<double> ranked_gain, ranked_rel;
  for (size_t i : order) {
    ranked_gain.push_back(gains[i]);
    ranked_rel.push_back(rel[i]);
  }
  const double best = *std::max_element(gains.begin(), gains.end());
  s.ndcg = NdcgOfList(ranked_rel, rel, k);
  s.regret = GainRegretAtK(ranked_gain, best, k);
  s.hit = s.regret <= hit_tolerance ? 1.0 : 0.0;
  const size_t top = std::min(k, ranked_gain.size());
  s.chosen_gain = top ? *std::max_element(ranked_gain.begin(), ranked_gain.begin() + top) : 0.0;
  if (!scores.empty()) s.spearman = Spearman(scores, gains);
  return s;
}

EvalResult Evaluate(const state::StudyState& st, const deploy::RecommendationMatrix& matrix,
                    const EvalParams& p, core::Rng& rng) {
  core::Rng split_rng = rng.Fork("split");
  const SplitAssignment split = MakeSplit(st, p, split_rng);
  const size_t nw = st.num_workloads();
  EvalResult res;
  res.split = p.split;
  res.params = p;
  res.temporal_cut = split.temporal_cut;

  // The shipped model's training set, restricted to the training configs.
  const model::Dataset train = deploy::TrainingSet(st, [&](size_t w, size_t i) {
    return std::binary_search(split.train[w].begin(), split.train[w].end(), i);
  });
  res.train_rows = train.num_rows();
  for (size_t w = 0; w < nw; ++w) {
    for (size_t i : split.train[w]) res.train_runs += st.record(w).configs[i].perfs.size();
    for (size_t i : split.heldout[w]) res.heldout_runs += st.record(w).configs[i].perfs.size();
  }
  if (train.num_rows() == 0) {
    throw core::InputError("evaluation: the " + std::string(ToString(p.split)) +
                           " split leaves no training data");
  }
  model::XgbEnsemble model(p.ensemble);
  core::Rng model_rng = rng.Fork("model");
  model.Fit(train, model_rng);

  Context c{st,
            p,
            split,
            model,
            std::max<size_t>(1, p.top_k),
            {},
            deploy::FeatureScale(st.workload_set()),
            {},
            {}};
  c.train_index.resize(nw);
  std::vector<size_t> train_workloads;
  for (size_t w = 0; w < nw; ++w) {
    for (size_t i : split.train[w]) c.train_index[w].emplace(st.record(w).configs[i].config, i);
    if (split.workload_heldout[w]) {
      res.heldout_workloads.push_back(st.workload_set().workloads[w].id);
    } else {
      train_workloads.push_back(w);
      c.known.workloads.push_back(st.workload_set().workloads[w]);
    }
  }
  c.known.feature_names = st.workload_set().feature_names;
  if (p.split == Split::kPatterns) c.matrix = matrix.Subset(train_workloads);

  const core::Rng random_rng = rng.Fork("random");
  for (size_t w = 0; w < nw; ++w) {
    if (p.split == Split::kPatterns && !split.workload_heldout[w]) continue;
    if (split.heldout[w].size() < 2) {
      res.skipped.push_back({st.workload_set().workloads[w].id, split.heldout[w].size(),
                             "fewer than 2 held-out configs"});
      continue;
    }
    core::Rng wr = random_rng.Fork(static_cast<uint64_t>(w));
    res.workloads.push_back(EvaluateWorkload(w, c, wr));
    if (!res.workloads.back().positive_best) ++res.workloads_without_positive_gain;
  }
  AggregateAll(p, rng, res);
  return res;
}

}  // namespace iorec::eval

#include "iorec/eval/heldout.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "iorec/core/error.hpp"
#include "iorec/deploy/recommender.hpp"
#include "iorec/eval/contribution.hpp"
#include "iorec/eval/metrics.hpp"

namespace iorec::eval {
namespace {

using ConfigIndex = std::unordered_map<space::Config, size_t, space::ConfigHash>;

size_t RoundCount(double fraction, size_t n) {
  return static_cast<size_t>(std::llround(fraction * static_cast<double>(n)));
}

bool IsBaseline(const StudyData& data, const MeasuredConfig& m) {
  return m.first_source == Source::kBaseline || m.config == data.baseline;
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

SplitAssignment MakeSplit(const StudyData& data, const EvalParams& p, core::Rng& rng) {
  ValidateSplit(p.split, data.workloads.size());
  const size_t nw = data.workloads.size();
  SplitAssignment s;
  s.heldout.resize(nw);
  s.train.resize(nw);
  s.workload_heldout.assign(nw, false);
  switch (p.split) {
    case Split::kConfigsPerPattern:
      for (size_t w = 0; w < nw; ++w) {
        const auto& wd = data.workloads[w];
        std::vector<size_t> candidates;
        for (size_t i = 0; i < wd.configs.size(); ++i) {
          if (wd.configs[i].runs > 0 && !IsBaseline(data, wd.configs[i])) candidates.push_back(i);
        }
        core::Rng wr = rng.Fork(static_cast<uint64_t>(w));
        wr.Shuffle(candidates);
        const size_t n_hold =
            std::min(candidates.size(), RoundCount(p.holdout_fraction_configs, candidates.size()));
        std::vector<bool> hold(wd.configs.size(), false);
        for (size_t i = 0; i < n_hold; ++i) hold[candidates[i]] = true;
        for (size_t i = 0; i < wd.configs.size(); ++i) {
          if (wd.configs[i].runs == 0) continue;
          (hold[i] ? s.heldout[w] : s.train[w]).push_back(i);
        }
      }
      break;
    case Split::kPatterns: {
      std::vector<size_t> order(nw);
      std::iota(order.begin(), order.end(), 0);
      rng.Shuffle(order);
      const size_t n_hold =
          std::clamp<size_t>(RoundCount(p.holdout_fraction_patterns, nw), 1, nw - 2);
      for (size_t i = 0; i < n_hold; ++i) s.workload_heldout[order[i]] = true;
      for (size_t w = 0; w < nw; ++w) {
        const auto& wd = data.workloads[w];
        for (size_t i = 0; i < wd.configs.size(); ++i) {
          if (wd.configs[i].runs == 0) continue;
          (s.workload_heldout[w] ? s.heldout[w] : s.train[w]).push_back(i);
        }
      }
      break;
    }
    case Split::kTemporal: {
      const int iters = std::max(0, data.iterations_run);
      const int n_hold =
          iters > 0
              ? std::max(1, static_cast<int>(std::llround(p.temporal_holdout_fraction * iters)))
              : 0;
      s.temporal_cut = iters - std::min(n_hold, iters);
      for (size_t w = 0; w < nw; ++w) {
        const auto& wd = data.workloads[w];
        for (size_t i = 0; i < wd.configs.size(); ++i) {
          if (wd.configs[i].runs == 0) continue;
          const bool hold = iters > 0 && wd.configs[i].first_iteration > s.temporal_cut;
          (hold ? s.heldout[w] : s.train[w]).push_back(i);
        }
      }
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

EvalResult Evaluate(const StudyData& data, const EvalParams& p, core::Rng& rng) {
  core::Rng split_rng = rng.Fork("split");
  const SplitAssignment split = MakeSplit(data, p, split_rng);
  const size_t nw = data.workloads.size();
  const size_t width = data.feature_names.size() + data.space.ConfigWidth();
  const size_t k = std::max<size_t>(1, p.top_k);

  EvalResult res;
  res.split = p.split;
  res.params = p;
  res.temporal_cut = split.temporal_cut;

  // Training set: the training configs of every workload, target = relative gain.
  model::Dataset train;
  train.num_cols = width;
  for (size_t w = 0; w < nw; ++w) {
    std::vector<space::Config> configs;
    for (size_t i : split.train[w]) {
      configs.push_back(data.workloads[w].configs[i].config);
      train.gain.push_back(data.workloads[w].configs[i].gain);
      train.group.push_back(static_cast<uint32_t>(w));
    }
    const auto rows = deploy::EncodeRows(data.space, data.workloads[w].features, configs);
    train.x.insert(train.x.end(), rows.begin(), rows.end());
  }
  res.train_rows = train.num_rows();
  if (train.num_rows() == 0) {
    throw core::InputError("evaluation: the " + std::string(ToString(p.split)) +
                           " split leaves no training data");
  }
  model::XgbEnsemble model(p.ensemble);
  core::Rng model_rng = rng.Fork("model");
  model.Fit(train, model_rng);

  // Training configs per workload, for the nearest-workload baseline.
  std::vector<ConfigIndex> train_index(nw);
  for (size_t w = 0; w < nw; ++w) {
    for (size_t i : split.train[w]) train_index[w].emplace(data.workloads[w].configs[i].config, i);
  }
  // Neighbour distances scale each feature by its span over all workloads, as recommend does.
  space::WorkloadSet all;
  all.feature_names = data.feature_names;
  for (const auto& wd : data.workloads) all.workloads.push_back({wd.id, wd.features, "", {}});
  const deploy::FeatureScale scale(all);

  // kPatterns: a recommender that knows the training workloads only.
  space::WorkloadSet known;
  known.feature_names = data.feature_names;
  deploy::RecommendationMatrix matrix;
  if (p.split == Split::kPatterns) {
    for (size_t w = 0; w < nw; ++w) {
      if (split.workload_heldout[w]) {
        res.heldout_workloads.push_back(data.workloads[w].id);
        continue;
      }
      const auto& wd = data.workloads[w];
      known.workloads.push_back({wd.id, wd.features, "", {}});
      matrix.workload_ids.push_back(wd.id);
      std::vector<deploy::MatrixEntry> entries;
      for (size_t i : RankByRobustScore(wd, p.robust_z)) {
        if (entries.size() >= static_cast<size_t>(std::max(1, p.topk_per_pattern))) break;
        const auto& m = wd.configs[i];
        deploy::MatrixEntry e;
        e.config = m.config;
        e.mean_perf = m.mean_perf;
        e.std_perf = m.std_perf;
        e.mean_gain = m.mean_perf - wd.baseline_perf;
        e.robust_gain = m.mean_perf - p.robust_z * m.std_perf - wd.baseline_perf;
        e.runs = m.runs;
        entries.push_back(std::move(e));
      }
      matrix.top.push_back(std::move(entries));
    }
  }

  const core::Rng random_rng = rng.Fork("random");
  for (size_t w = 0; w < nw; ++w) {
    const auto& wd = data.workloads[w];
    const auto& held = split.heldout[w];
    if (p.split == Split::kPatterns && !split.workload_heldout[w]) continue;
    if (held.size() < 2) {
      res.skipped.push_back({wd.id, held.size(), "fewer than 2 held-out configs"});
      continue;
    }
    WorkloadEval e;
    e.id = wd.id;
    e.n_train = split.train[w].size();
    e.n_heldout = held.size();
    std::vector<space::Config> configs;
    for (size_t i : held) {
      configs.push_back(wd.configs[i].config);
      e.measured.push_back(wd.configs[i].gain);
    }
    const auto& gains = e.measured;
    e.best_heldout_gain = *std::max_element(gains.begin(), gains.end());
    e.positive_best = e.best_heldout_gain > 0.0;
    if (!e.positive_best) ++res.workloads_without_positive_gain;

    // The model.
    const auto x = deploy::EncodeRows(data.space, wd.features, configs);
    e.predicted = model.Predict(x.data(), configs.size(), width).mean;
    e.model = ScoreRanking(OrderByScore(e.predicted), gains, e.predicted, k, p.hit_tolerance);

    // Random order, averaged over seeded permutations.
    core::Rng wr = random_rng.Fork(static_cast<uint64_t>(w));
    double rho_sum = 0.0;
    for (int d = 0; d < kRandomDraws; ++d) {
      std::vector<size_t> order(gains.size());
      std::iota(order.begin(), order.end(), 0);
      wr.Shuffle(order);
      std::vector<double> scores(gains.size());
      for (size_t r = 0; r < order.size(); ++r) scores[order[r]] = -static_cast<double>(r);
      const StrategyScore s = ScoreRanking(order, gains, scores, k, p.hit_tolerance);
      e.random.ndcg += s.ndcg / kRandomDraws;
      e.random.regret += s.regret / kRandomDraws;
      e.random.hit += s.hit / kRandomDraws;
      e.random.chosen_gain += s.chosen_gain / kRandomDraws;
      rho_sum += s.spearman.value_or(0.0);
    }
    e.random.spearman = rho_sum / kRandomDraws;

    // Always the baseline config: a list of one, gain 0 by definition.
    {
      const std::vector<double> chosen = {0.0};
      e.baseline.ndcg = NdcgOfList(GainRelevance(chosen, gains, kRelevanceMax),
                                   GainRelevance(gains, gains, kRelevanceMax), k);
      e.baseline.regret = GainRegretAtK(chosen, e.best_heldout_gain, k);
      e.baseline.hit = e.baseline.regret <= p.hit_tolerance ? 1.0 : 0.0;
      e.baseline.chosen_gain = 0.0;
    }

    // Copy the nearest workload: held-out configs in the order of the nearest training
    // workload that measured them (closest neighbour first, then its measured gain).
    {
      std::vector<std::pair<double, size_t>> neighbours;
      for (size_t v = 0; v < nw; ++v) {
        if (v == w || train_index[v].empty()) continue;
        neighbours.emplace_back(scale.Distance(wd.features, data.workloads[v].features), v);
      }
      std::stable_sort(neighbours.begin(), neighbours.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      std::vector<std::pair<size_t, double>> key(configs.size(), {neighbours.size(), -INFINITY});
      for (size_t c = 0; c < configs.size(); ++c) {
        for (size_t r = 0; r < neighbours.size(); ++r) {
          const size_t v = neighbours[r].second;
          const auto it = train_index[v].find(configs[c]);
          if (it == train_index[v].end()) continue;
          key[c] = {r, data.workloads[v].configs[it->second].gain};
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
      e.nearest = ScoreRanking(order, gains, scores, k, p.hit_tolerance);
    }

    // Deployment to the unseen workload through the kNN recommender.
    if (p.split == Split::kPatterns) {
      deploy::Recommender rec(data.space, known, matrix, model, data.baseline,
                              {p.knn_neighbors, p.return_top_k});
      const deploy::Recommendation r = rec.Recommend(wd.features);
      DeploymentCheck dc;
      ConfigIndex own;
      for (size_t i = 0; i < wd.configs.size(); ++i) {
        if (wd.configs[i].runs > 0) own.emplace(wd.configs[i].config, i);
      }
      double best_own = 0.0;
      for (const auto& [c, i] : own) best_own = std::max(best_own, wd.configs[i].gain);
      for (const auto& n : r.neighbors) dc.neighbors.push_back(n.workload_id);
      for (const auto& rc : r.configs) {
        dc.recommended.push_back(rc.config);
        const auto it = own.find(rc.config);
        if (it == own.end()) continue;
        ++dc.measured;
        const double g = wd.configs[it->second].gain;
        dc.best_measured_gain = dc.best_measured_gain ? std::max(*dc.best_measured_gain, g) : g;
      }
      if (dc.best_measured_gain) {
        dc.regret = GainRegretAtK({*dc.best_measured_gain}, best_own, 1);
      }
      e.deployment = std::move(dc);
    }
    res.workloads.push_back(std::move(e));
  }

  const core::Rng boot = rng.Fork("bootstrap");
  res.model = Aggregate(res.workloads, &WorkloadEval::model, p, boot.Fork("model"));
  res.random = Aggregate(res.workloads, &WorkloadEval::random, p, boot.Fork("random"));
  res.baseline = Aggregate(res.workloads, &WorkloadEval::baseline, p, boot.Fork("baseline"));
  res.nearest = Aggregate(res.workloads, &WorkloadEval::nearest, p, boot.Fork("nearest"));
  res.lifts.push_back(
      MakeLift("random", res.workloads, &WorkloadEval::random, p, boot.Fork("lift_random")));
  res.lifts.push_back(MakeLift("baseline_config", res.workloads, &WorkloadEval::baseline, p,
                               boot.Fork("lift_baseline")));
  res.lifts.push_back(MakeLift("nearest_workload_best", res.workloads, &WorkloadEval::nearest, p,
                               boot.Fork("lift_nearest")));
  if (p.split == Split::kPatterns) {
    std::vector<double> regrets;
    for (const auto& e : res.workloads) {
      if (e.deployment && e.deployment->regret) regrets.push_back(*e.deployment->regret);
    }
    core::Rng dr = boot.Fork("deploy");
    if (!regrets.empty())
      res.deploy_regret = BootstrapMeanCi(regrets, p.bootstrap_iters, p.ci_level, dr);
  }
  return res;
}

}  // namespace iorec::eval

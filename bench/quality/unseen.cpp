#include "unseen.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>

#include "iorec/core/rng.hpp"

namespace iorec::bench {
namespace {

/// The feature groups whose members share one denominator (docs/features.md).
const std::vector<std::vector<std::string>>& GroupNames() {
  static const std::vector<std::vector<std::string>> kGroups = {
      {"pct_reads", "pct_writes"},
      {"pct_byte_reads", "pct_byte_writes"},
      {"pct_io_access", "pct_meta_open_access", "pct_meta_stat_access", "pct_meta_seek_access",
       "pct_meta_sync_access"},
      {"pct_read_0_100K", "pct_read_100K_10M", "pct_read_10M_1G_PLUS"},
      {"pct_write_0_100K", "pct_write_100K_10M", "pct_write_10M_1G_PLUS"},
      {"pct_shared_files", "pct_unique_files"},
      {"pct_bytes_shared_files", "pct_bytes_unique_files"},
      {"pct_read_only_files", "pct_read_write_files", "pct_write_only_files"},
      {"pct_bytes_read_only_files", "pct_bytes_read_write_files", "pct_bytes_write_only_files"}};
  return kGroups;
}

double Mean(const std::vector<double>& v) {
  return v.empty() ? NAN : std::accumulate(v.begin(), v.end(), 0.0) / v.size();
}

nlohmann::ordered_json Spread(const std::vector<double>& per_seed) {
  if (per_seed.empty()) return nullptr;
  return {{"mean", Mean(per_seed)},
          {"min", *std::min_element(per_seed.begin(), per_seed.end())},
          {"max", *std::max_element(per_seed.begin(), per_seed.end())}};
}

std::string FactorName(double f) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "x%g", f);
  return buf;
}

}  // namespace

std::vector<std::vector<size_t>> FeatureGroups(const std::vector<std::string>& names) {
  std::map<std::string, size_t> index;
  for (size_t j = 0; j < names.size(); ++j) index[names[j]] = j;
  std::vector<std::vector<size_t>> groups;
  std::vector<bool> grouped(names.size(), false);
  for (const auto& g : GroupNames()) {
    std::vector<size_t> members;
    for (const auto& n : g) {
      const auto it = index.find(n);
      if (it != index.end()) members.push_back(it->second);
    }
    if (members.empty()) continue;
    for (size_t j : members) grouped[j] = true;
    groups.push_back(std::move(members));
  }
  for (size_t j = 0; j < names.size(); ++j) {
    if (!grouped[j] && names[j].rfind("pct_", 0) == 0) groups.push_back({j});
  }
  return groups;
}

std::vector<UnseenWorkload> MakeUnseenSet(const space::WorkloadSet& training, int per_workload,
                                          const std::vector<double>& factors, double max_shift,
                                          uint64_t seed) {
  const auto groups = FeatureGroups(training.feature_names);
  const auto np = std::find(training.feature_names.begin(), training.feature_names.end(), "nprocs");
  const size_t nprocs = static_cast<size_t>(np - training.feature_names.begin());
  const size_t n = training.size() * static_cast<size_t>(std::max(0, per_workload));
  std::vector<double> factor_of(n);
  for (size_t i = 0; i < n; ++i) factor_of[i] = factors[i % factors.size()];
  core::Rng rng(seed, "quality_unseen");
  rng.Shuffle(factor_of);

  std::vector<UnseenWorkload> out;
  for (size_t w = 0; w < training.size(); ++w) {
    for (int j = 0; j < per_workload; ++j) {
      const auto& parent = training.workloads[w];
      UnseenWorkload u;
      u.parent = w;
      u.nprocs_factor = factor_of[out.size()];
      u.workload.features = parent.features;
      auto& f = u.workload.features;
      for (const auto& g : groups) {
        double before = 0.0, after = 0.0;
        for (size_t i : g) before += parent.features[i];
        if (g.size() > 1 && before <= 0.0) continue;  // an empty histogram stays empty
        for (size_t i : g) {
          f[i] = std::clamp(f[i] + max_shift * (2.0 * rng.Uniform() - 1.0), 0.0, 1.0);
          after += f[i];
        }
        if (g.size() > 1) {
          for (size_t i : g) f[i] = after > 0.0 ? f[i] / after : parent.features[i];
        }
      }
      if (nprocs < f.size()) f[nprocs] = std::max(1.0, std::round(f[nprocs] * u.nprocs_factor));
      u.workload.id = parent.id + "_u" + std::to_string(j) + "_" + FactorName(u.nprocs_factor);
      u.workload.attributes = parent.attributes;
      out.push_back(std::move(u));
    }
  }
  return out;
}

UnseenScores ScoreUnseen(const BenchTestbed& tb, const space::WorkloadSet& training,
                         const std::vector<UnseenWorkload>& unseen, const space::Config& baseline,
                         const std::function<Picks(const std::vector<double>&)>& recommend,
                         const std::function<size_t(const std::vector<double>&)>& nearest) {
  UnseenScores s;
  std::map<size_t, space::Config> train_opt;
  auto optimum_of = [&](size_t t) -> const space::Config& {
    auto it = train_opt.find(t);
    if (it == train_opt.end())
      it = train_opt.emplace(t, tb.FindOptimum(training.workloads[t].features).config).first;
    return it->second;
  };
  for (const auto& u : unseen) {
    const auto& f = u.workload.features;
    const double best = tb.FindOptimum(f).perf;
    auto regret = [&](const space::Config& c) {
      return std::max(0.0, (best - tb.TruePerf(f, c)) / best);
    };
    const double base_perf = tb.TruePerf(f, baseline);
    const Picks p = recommend(f);
    double b3 = 1.0;
    int b3_worse = 1;
    for (const auto& c : p.configs) {
      b3 = std::min(b3, regret(c));
      b3_worse = b3_worse && tb.TruePerf(f, c) < base_perf;
    }
    s.top1.push_back(regret(p.configs.front()));
    s.best3.push_back(b3);
    s.top1_worse.push_back(tb.TruePerf(f, p.configs.front()) < base_perf);
    s.best3_worse.push_back(b3_worse);
    s.flagged.push_back(p.flagged);
    s.baseline.push_back(regret(baseline));
    s.copy_nearest_true.push_back(regret(optimum_of(nearest(f))));
    s.copy_parent_true.push_back(regret(optimum_of(u.parent)));
    s.factor.push_back(u.nprocs_factor);
  }
  return s;
}

void UnseenTable::Add(const UnseenScores& s) { seeds_.push_back(s); }

std::string UnseenTable::Line(const UnseenScores& s) {
  char buf[320];
  const double worse = std::accumulate(s.top1_worse.begin(), s.top1_worse.end(), 0.0);
  std::snprintf(buf, sizeof buf,
                "top1 %.4f best3 %.4f top1-worse-than-baseline %.0f of %zu baseline %.4f "
                "copy-nearest-true %.4f copy-parent-true %.4f flagged %.0f",
                Mean(s.top1), Mean(s.best3), worse, s.top1.size(), Mean(s.baseline),
                Mean(s.copy_nearest_true), Mean(s.copy_parent_true),
                std::accumulate(s.flagged.begin(), s.flagged.end(), 0.0));
  std::string line = buf;
  for (const auto& [k, v] : s.diagnostics) {
    std::snprintf(buf, sizeof buf, " %s %.3f", k.c_str(), v);
    line += buf;
  }
  return line;
}

nlohmann::ordered_json UnseenTable::Json() const {
  // Per seed: means over all unseen workloads, and over each nprocs factor's subset.
  std::map<std::string, std::map<std::string, std::vector<double>>> by;  // subset -> metric
  for (const auto& s : seeds_) {
    std::map<std::string, std::vector<size_t>> subsets;
    for (size_t i = 0; i < s.top1.size(); ++i) {
      subsets["all"].push_back(i);
      subsets[FactorName(s.factor[i])].push_back(i);
    }
    for (const auto& [name, idx] : subsets) {
      auto pick = [&](const auto& v) {
        std::vector<double> out;
        for (size_t i : idx) out.push_back(static_cast<double>(v[i]));
        return out;
      };
      auto& m = by[name];
      m["workloads"].push_back(static_cast<double>(idx.size()));
      m["top1_regret"].push_back(Mean(pick(s.top1)));
      m["best_of_3_regret"].push_back(Mean(pick(s.best3)));
      const auto worse = pick(s.top1_worse);
      m["top1_worse_than_baseline"].push_back(std::accumulate(worse.begin(), worse.end(), 0.0));
      const auto worse3 = pick(s.best3_worse);
      m["all_3_worse_than_baseline"].push_back(std::accumulate(worse3.begin(), worse3.end(), 0.0));
      const auto flagged = pick(s.flagged);
      m["flagged"].push_back(std::accumulate(flagged.begin(), flagged.end(), 0.0));
      m["baseline_config_regret"].push_back(Mean(pick(s.baseline)));
      m["copy_nearest_true_optimum_regret"].push_back(Mean(pick(s.copy_nearest_true)));
      m["copy_parent_true_optimum_regret"].push_back(Mean(pick(s.copy_parent_true)));
      if (name == "all") {
        for (const auto& [k, v] : s.diagnostics) m[k].push_back(v);
      }
    }
  }
  nlohmann::ordered_json j;
  for (const auto& [name, metrics] : by) {
    for (const auto& [metric, per_seed] : metrics) j[name][metric] = Spread(per_seed);
  }
  return j;
}

}  // namespace iorec::bench

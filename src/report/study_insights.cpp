#include "iorec/report/study_insights.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "iorec/eval/bootstrap.hpp"

namespace iorec::report {
namespace {

using Json = nlohmann::ordered_json;

const char* PhaseName(state::Source s) {
  switch (s) {
    case state::Source::kBaseline:
      return "baseline";
    case state::Source::kWarm:
      return "warm_start";
    case state::Source::kActive:
      return "active";
    case state::Source::kReplicate:
      return "replicates";
    case state::Source::kImported:
      return "imported";
  }
  return "";
}

/// Relative sample stddev of a matrix entry; nullopt for a single run.
std::optional<double> RelativeStd(const deploy::MatrixEntry& e) {
  if (e.runs < 2 || !(e.mean_perf.value > 0.0)) return std::nullopt;
  return e.std_perf / e.mean_perf.value;
}

/// Per feature column of a workload set: mean and spread; columns without spread are dropped.
struct Standardizer {
  std::vector<size_t> columns;
  std::vector<double> mean, sd;

  explicit Standardizer(const space::WorkloadSet& ws) {
    const double n = static_cast<double>(ws.size());
    for (size_t f = 0; f < ws.feature_names.size(); ++f) {
      double m = 0.0, var = 0.0;
      for (const auto& w : ws.workloads) m += w.features[f];
      m /= n;
      for (const auto& w : ws.workloads) var += (w.features[f] - m) * (w.features[f] - m);
      const double s = std::sqrt(var / n);
      if (!(s > 1e-12)) continue;
      columns.push_back(f);
      mean.push_back(m);
      sd.push_back(s);
    }
  }
  std::vector<double> Row(const std::vector<double>& features) const {
    std::vector<double> row;
    for (size_t i = 0; i < columns.size(); ++i)
      row.push_back((features[columns[i]] - mean[i]) / sd[i]);
    return row;
  }
};

/// The leading eigenvector of X^T X orthogonal to `skip` (power iteration from a fixed
/// start, so the map is deterministic). Empty when X has no such direction.
std::vector<double> Component(const std::vector<std::vector<double>>& x,
                              const std::vector<double>& skip) {
  const size_t d = x.empty() ? 0 : x.front().size();
  std::vector<double> v(d);
  for (size_t i = 0; i < d; ++i) v[i] = 1.0 + 0.01 * static_cast<double>(i);
  auto orthogonalize = [&](std::vector<double>& u) {
    double dot = 0.0;
    for (size_t i = 0; i < skip.size(); ++i) dot += u[i] * skip[i];
    for (size_t i = 0; i < skip.size(); ++i) u[i] -= dot * skip[i];
    double norm = 0.0;
    for (double c : u) norm += c * c;
    norm = std::sqrt(norm);
    if (norm < 1e-12) return false;
    for (double& c : u) c /= norm;
    return true;
  };
  if (!orthogonalize(v)) return {};
  for (int it = 0; it < 200; ++it) {
    std::vector<double> next(d, 0.0);
    for (const auto& row : x) {
      double proj = 0.0;
      for (size_t i = 0; i < d; ++i) proj += row[i] * v[i];
      for (size_t i = 0; i < d; ++i) next[i] += proj * row[i];
    }
    if (!orthogonalize(next)) return {};
    v = std::move(next);
  }
  return v;
}

double Project(const std::vector<double>& row, const std::vector<double>& axis) {
  double s = 0.0;
  for (size_t i = 0; i < axis.size(); ++i) s += row[i] * axis[i];
  return s;
}

/// One workload's configs so far: the best mean perf over them.
class RunningBest {
 public:
  void Add(const state::Trial& t) {
    if (!t.ok) return;
    auto& s = sums_[t.config];
    s.first += t.perf.value;
    s.second += 1;
  }
  std::optional<state::Perf> Best() const {
    std::optional<state::Perf> best;
    for (const auto& [cfg, s] : sums_) {
      const double mean = s.first / s.second;
      if (!best || mean > best->value) best = state::Perf{mean};
    }
    return best;
  }

 private:
  std::map<space::Config, std::pair<double, int>> sums_;  ///< sum of perfs, runs
};

Json Nullable(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

}  // namespace

deploy::MetricInfo MetricOf(const config::StudyConfig& cfg, const state::StudyState& st) {
  return {st.direction(), cfg.runner.MetricName(), cfg.runner.MetricUnit()};
}

bool IsSynthetic(const config::StudyConfig& cfg) {
  return cfg.runner.mode == config::RunnerMode::kStub;
}

std::string SyntheticTag(const config::StudyConfig& cfg) {
  return IsSynthetic(cfg) ? " [synthetic: stub testbed]" : "";
}

bool MetricsAgainstTruth(const loop::StudyResult& res) {
  return !res.history.empty() && res.history.front().against_truth;
}

std::string MetricsReferenceNote(bool against_truth) {
  if (against_truth) {
    return "regret@3, hit@3 and NDCG@3 compare each workload's top-3 with the stub's true "
           "optimum (active.oracle_mode: heldout).";
  }
  return "regret@3, hit@3 and NDCG@3 compare each workload's top-3 with its best warm-start "
         "result, because nothing better is known on this testbed: regret@3 stays 0 and hit@3 "
         "1 (up to noise in replicated results) at every iteration whatever the loop finds, so "
         "they say nothing about how good the recommendation is. Read the best measured value "
         "per workload instead.";
}

std::vector<PhaseRuns> RunsByPhase(const state::StudyState& st) {
  std::vector<PhaseRuns> out;
  for (state::Source s : {state::Source::kBaseline, state::Source::kWarm, state::Source::kActive,
                          state::Source::kReplicate}) {
    out.push_back({PhaseName(s), 0, 0.0});
  }
  size_t imported = 0;
  for (const auto& t : st.trials()) {
    if (t.source == state::Source::kImported) {
      ++imported;
    } else {
      ++out[static_cast<size_t>(t.source)].runs;
    }
  }
  if (imported) out.push_back({PhaseName(state::Source::kImported), imported, 0.0});
  const double total = static_cast<double>(st.trials().size());
  for (auto& p : out) p.share = total > 0 ? static_cast<double>(p.runs) / total : 0.0;
  return out;
}

std::vector<std::vector<std::optional<state::Perf>>> BestPerfByIteration(
    const state::StudyState& st) {
  const size_t nw = st.num_workloads();
  const int iters = std::max(0, st.iterations());
  std::vector<std::vector<std::optional<state::Perf>>> best(static_cast<size_t>(iters) + 1);
  std::vector<RunningBest> running(nw);
  size_t o = 0;
  for (int t = 0; t <= iters; ++t) {
    for (; o < st.trials().size() && st.trials()[o].iteration <= t; ++o) {
      running[st.trials()[o].workload].Add(st.trials()[o]);
    }
    auto& row = best[static_cast<size_t>(t)];
    for (size_t w = 0; w < nw; ++w) row.push_back(running[w].Best());
  }
  return best;
}

std::vector<std::vector<std::optional<state::Perf>>> BestPerfByTrial(const state::StudyState& st) {
  std::vector<std::vector<std::optional<state::Perf>>> best(st.num_workloads());
  std::vector<RunningBest> running(st.num_workloads());
  for (const auto& t : st.trials()) {
    running[t.workload].Add(t);
    best[t.workload].push_back(running[t.workload].Best());
  }
  return best;
}

StudyNoise NoiseOfStudy(const state::StudyState& st, const deploy::RecommendationMatrix& m) {
  StudyNoise out;
  out.noise = deploy::NoiseOf(st);
  for (size_t w = 0; w < m.size(); ++w) {
    if (m.top[w].empty()) continue;
    WorkloadNoise wn;
    wn.workload = m.workload_ids[w];
    wn.top_runs = m.top[w].front().runs;
    wn.top_relative_std = RelativeStd(m.top[w].front());
    const auto first = deploy::ExpectMeasured(m, w, m.top[w].front(), out.noise);
    for (size_t i = 1; i < std::min<size_t>(3, m.top[w].size()); ++i) {
      const auto other = deploy::ExpectMeasured(m, w, m.top[w][i], out.noise);
      const auto cmp = deploy::CompareWithNoise(first, other, out.noise);
      if (!cmp.comparable) continue;
      wn.compared.push_back({static_cast<int>(i + 1), cmp.within, cmp.difference, cmp.threshold});
    }
    out.workloads.push_back(std::move(wn));
  }
  return out;
}

std::vector<KnobEffect> KnobEffects(const state::StudyState& st) {
  const auto& space = st.space();
  std::vector<KnobEffect> out;
  for (size_t k = 0; k < space.num_knobs(); ++k) {
    std::vector<std::vector<double>> gains(space.levels(k));
    for (const auto& rec : st.records()) {
      if (!rec.has_baseline()) continue;
      for (const auto& c : rec.configs) {
        if (c.measured()) gains[c.config[k]].push_back(rec.Gain(c.Mean()).value);
      }
    }
    KnobEffect e;
    e.knob = space.knobs()[k].name;
    for (size_t l = 0; l < gains.size(); ++l) {
      LevelEffect le;
      le.value = space.knobs()[k].values[l].text();
      le.configs = gains[l].size();
      if (!gains[l].empty()) {
        std::sort(gains[l].begin(), gains[l].end());
        le.median = eval::SortedQuantile(gains[l], 0.5);
        le.q25 = eval::SortedQuantile(gains[l], 0.25);
        le.q75 = eval::SortedQuantile(gains[l], 0.75);
      }
      e.levels.push_back(std::move(le));
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<WorkloadPoint> WorkloadMap(const space::WorkloadSet& ws,
                                       const std::vector<space::Workload>& added) {
  const Standardizer z(ws);
  std::vector<std::vector<double>> x;
  for (const auto& w : ws.workloads) x.push_back(z.Row(w.features));
  const auto first = Component(x, {});
  const auto second = first.empty() ? first : Component(x, first);
  std::vector<WorkloadPoint> out;
  auto add = [&](const space::Workload& w) {
    const auto row = z.Row(w.features);
    out.push_back({w.id, first.empty() ? 0.0 : Project(row, first),
                   second.empty() ? 0.0 : Project(row, second)});
  };
  for (const auto& w : ws.workloads) add(w);
  for (const auto& w : added) add(w);
  return out;
}

void AddInsightsJson(const config::StudyConfig& cfg, const loop::StudyResult& res, Json& j) {
  const auto& st = res.state;
  const auto metric = MetricOf(cfg, st);
  j["synthetic"] = IsSynthetic(cfg);
  j["metric"] = {{"name", metric.name},
                 {"unit", metric.unit},
                 {"direction", state::ToString(metric.direction)}};
  const bool truth = MetricsAgainstTruth(res);
  j["metrics_reference"] = {{"against", truth ? "true_optimum" : "best_warm_start"},
                            {"note", MetricsReferenceNote(truth)}};
  j["runs_by_phase"] = Json::object();
  for (const auto& p : RunsByPhase(st)) {
    j["runs_by_phase"][p.phase] = {{"runs", p.runs}, {"share", p.share}};
  }
  const StudyNoise sn = NoiseOfStudy(st, res.matrix);
  Json noise = {{"replicated_configs", sn.noise.relative_std.size()},
                {"median_relative_std", sn.noise.known() ? Json(sn.noise.Median()) : Json()},
                {"max_relative_std", sn.noise.known() ? Json(sn.noise.Max()) : Json()},
                {"pooled_relative_std", sn.noise.known() ? Json(sn.noise.pooled) : Json()}};
  noise["per_workload"] = Json::object();
  for (const auto& w : sn.workloads) {
    Json compared = Json::array();
    for (const auto& r : w.compared) {
      compared.push_back({{"rank", r.rank},
                          {"within_noise", r.within},
                          {"difference", r.difference},
                          {"threshold", r.threshold}});
    }
    noise["per_workload"][w.workload] = {{"top_runs", w.top_runs},
                                         {"top_relative_std", Nullable(w.top_relative_std)},
                                         {"compared_with_top", std::move(compared)}};
  }
  j["noise"] = std::move(noise);
  const auto best = BestPerfByIteration(st);
  Json curves = Json::object();
  for (size_t w = 0; w < st.num_workloads(); ++w) {
    Json row = Json::array();
    for (const auto& per_iter : best) {
      row.push_back(per_iter[w] ? Json(state::MetricFromPerf(*per_iter[w], st.direction()))
                                : Json(nullptr));
    }
    curves[st.workload_set().workloads[w].id] = std::move(row);
  }
  j["best_measured_by_iteration"] = std::move(curves);
}

}  // namespace iorec::report

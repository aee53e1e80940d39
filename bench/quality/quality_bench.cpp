// Recommendation-quality benchmark on the stub testbed (docs/QUALITY.md).
//
//   build/bench/quality_bench --config examples/config.yaml --seeds 7,8,9 --output-dir q
//
// For each seed it measures, against the stub's true optimum:
//  1. difficulty: per workload, the share of random configs within 5% of the optimum;
//  2. tuning by budget (runs per workload): true regret of the best observed config and of
//     the config `recommend` would deploy (top-1 by robust score), for iorec's loop,
//     random search and warm-start only;
//  3. deployment to unseen workloads: 20% of workloads held out and never run; top-1 and
//     best-of-3 regret of the consensus rule (deploy::Recommender), of deploy::ZeroShot
//     (fitted on the training study only) and of their combinations (deploy::NewWorkloadConfigs;
//     the same-scale one is what `recommend` uses for an unmeasured workload) against the baseline
//     config, one global best config, a copy of the nearest training workload's best measured
//     config and of its true optimum;
//  4. deployment to scaled unseen workloads (unseen.hpp): the study runs on every workload;
//     `recommend` is asked for workloads derived from them with perturbed features and
//     nprocs scaled by 1/2, 2, 4 or 8, split by the factor.
// `--testbed lustre` runs everything on a Lustre / MPI-IO performance model (testbeds.hpp)
// instead of the stub. Everything is seeded; the numbers are reproducible.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "iorec/config/study_config.hpp"
#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/deploy/model_bundle.hpp"
#include "iorec/deploy/new_workload.hpp"
#include "iorec/deploy/onboard.hpp"
#include "iorec/deploy/recommender.hpp"
#include "iorec/deploy/zero_shot.hpp"
#include "iorec/loop/local_model.hpp"
#include "iorec/loop/study.hpp"
#include "iorec/report/plot.hpp"
#include "iorec/runner/stub_testbed.hpp"
#include "iorec/sampling/warm_start.hpp"
#include "testbeds.hpp"
#include "unseen.hpp"

namespace fs = std::filesystem;
using namespace iorec;

namespace {

struct Args {
  std::string config = "examples/config.yaml";
  std::vector<uint64_t> seeds = {7, 8, 9};
  std::vector<int> budgets = {20, 45, 69, 100};
  std::string out_dir = "quality-out";
  double noise = 0.03;
  std::string only;  // "tuning", "deploy", "difficulty", "unseen" or empty for all
  double warm_share = 45.0 / 69.0;
  std::string testbed = "stub";            // or "lustre"
  int unseen_per_workload = 2;             // scaled unseen workloads per training workload
  std::vector<int> unseen_budgets = {69};  // runs per training workload behind recommend
  // deploy::ZeroShot safety_z values to score; negative: the same z with the most likely
  // config first when the evidence is weak (the baseline kept among the three).
  std::vector<double> zero_shot_z = {2.0};
  int onboard_runs = 0;
  bool zero_shot_levers = false;  // also score: uniform feature weights, no nearest-loss veto
  // Directory of finished studies' trials (one file per testbed, seed and budget): a study
  // found there is replayed into its state instead of run, and the consensus rule (which
  // needs the loop's final model) is not scored. For iterating on deploy::ZeroShot and
  // deploy::Onboarding only.
  std::string study_cache;
  // Extra deploy::ZeroShotRule variants to score (stderr only), '/'-separated; each a
  // ','-separated list of key=value changing the default rule: z (safety_z), wz (weak_z),
  // wn (weak_neighbours), apart (min_knobs_apart).
  std::vector<std::string> zero_shot_variants;
  // deploy::OnboardParams variants to simulate (stderr only), '/'-separated key=value lists
  // changing the defaults: beta (explore_beta), pairs (pair_moves, 0/1), cz (confidence_z),
  // and the zero-shot rule's z, wz, apart.
  std::vector<std::string> onboard_variants;
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(item);
  return out;
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw core::InputError("missing value for " + k);
      return argv[++i];
    };
    if (k == "--config")
      a.config = next();
    else if (k == "--seeds") {
      a.seeds.clear();
      for (const auto& s : Split(next())) a.seeds.push_back(std::stoull(s));
    } else if (k == "--budgets") {
      a.budgets.clear();
      for (const auto& s : Split(next())) a.budgets.push_back(std::stoi(s));
    } else if (k == "--output-dir")
      a.out_dir = next();
    else if (k == "--noise")
      a.noise = std::stod(next());
    else if (k == "--only")
      a.only = next();
    else if (k == "--warm-share")
      a.warm_share = std::stod(next());
    else if (k == "--testbed")
      a.testbed = next();
    else if (k == "--zero-shot-levers")
      a.zero_shot_levers = true;
    else if (k == "--zero-shot-variants") {
      std::stringstream ss(next());
      for (std::string v; std::getline(ss, v, '/');) a.zero_shot_variants.push_back(v);
    } else if (k == "--onboard-variants") {
      std::stringstream ss(next());
      for (std::string v; std::getline(ss, v, '/');) a.onboard_variants.push_back(v);
    } else if (k == "--study-cache")
      a.study_cache = next();
    else if (k == "--onboard-runs")
      a.onboard_runs = std::stoi(next());
    else if (k == "--zero-shot-z") {
      a.zero_shot_z.clear();
      for (const auto& s : Split(next())) a.zero_shot_z.push_back(std::stod(s));
    } else if (k == "--unseen-per-workload")
      a.unseen_per_workload = std::stoi(next());
    else if (k == "--unseen-budgets") {
      a.unseen_budgets.clear();
      for (const auto& s : Split(next())) a.unseen_budgets.push_back(std::stoi(s));
    } else
      throw core::InputError("unknown argument " + k);
  }
  return a;
}

struct Stat {
  std::vector<double> v;
  void Add(double x) { v.push_back(x); }
  double Mean() const {
    return v.empty() ? NAN : std::accumulate(v.begin(), v.end(), 0.0) / v.size();
  }
  double Min() const { return v.empty() ? NAN : *std::min_element(v.begin(), v.end()); }
  double Max() const { return v.empty() ? NAN : *std::max_element(v.begin(), v.end()); }
  double Median() const {
    if (v.empty()) return NAN;
    auto c = v;
    std::sort(c.begin(), c.end());
    return c.size() % 2 ? c[c.size() / 2] : 0.5 * (c[c.size() / 2 - 1] + c[c.size() / 2]);
  }
};

nlohmann::ordered_json StatJson(const Stat& s) {
  return {{"mean", s.Mean()}, {"min", s.Min()}, {"max", s.Max()}};
}

/// Loop settings for a budget of B runs per workload (replicates included).
/// `warm_share` of the budget goes to the warm start (45/69 is the default study's split).
config::StudyConfig BudgetConfig(config::StudyConfig cfg, int budget, double warm_share) {
  const int batch = cfg.active.batch_per_iter;
  const int reps_per_iter = cfg.active.replicate_top_n * cfg.active.replicate_repeats;
  int warm =
      std::min(cfg.warm_start.target_size, std::max(8, static_cast<int>(budget * warm_share)));
  warm = std::max<int>(warm, static_cast<int>(config::CountAnchors(cfg.space, cfg.baseline)) + 1);
  const int per_iter = batch + reps_per_iter;
  const int iters = std::max(0, (budget - warm) / per_iter);
  cfg.warm_start.target_size = budget - iters * per_iter;  // spend the remainder on warm start
  cfg.active.iterations = iters;
  cfg.active.early_stop_rounds = 0;
  cfg.active.low_sigma_threshold = 0.0;
  return cfg;
}

double TrueRegret(const bench::BenchTestbed& tb, const space::Workload& w, const space::Config& c,
                  double best) {
  return std::max(0.0, (best - tb.TruePerf(w.features, c)) / best);
}

constexpr double kNoVetoKey = 1002, kUniformWeightsKey = 1003, kCombinedKey = 1004,
                 kCombinedSameScaleKey = 1005;

/// How the zero-shot variants are named in quality.json and on stderr.
std::string ZeroShotKey(double z) {
  if (z == kNoVetoKey) return "z2_no_nearest_loss_veto";
  if (z == kUniformWeightsKey) return "z2_uniform_feature_weights";
  if (z == kCombinedKey) return "combined";
  if (z == kCombinedSameScaleKey) return "combined_same_scale";
  char key[32];
  std::snprintf(key, sizeof key, "z%g", z);
  return key;
}

/// A ZeroShotRule from a --zero-shot-variants spec ("z=2,wz=1.5,apart=3").
deploy::ZeroShotRule RuleOf(const std::string& spec, int top_k) {
  deploy::ZeroShotRule r;
  r.top_k = top_k;
  for (const auto& kv : Split(spec)) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) throw core::InputError("--zero-shot-variants: no '=' in " + kv);
    const std::string k = kv.substr(0, eq);
    const double v = std::stod(kv.substr(eq + 1));
    if (k == "z")
      r.safety_z = v;
    else if (k == "wz")
      r.weak_z = v;
    else if (k == "wn")
      r.weak_neighbours = static_cast<int>(v);
    else if (k == "apart")
      r.min_knobs_apart = static_cast<int>(v);
    else
      throw core::InputError("--zero-shot-variants: unknown key " + k);
  }
  return r;
}

/// OnboardParams from an --onboard-variants spec ("beta=0.3,apart=0").
deploy::OnboardParams OnboardParamsOf(const std::string& spec, int top_k) {
  deploy::OnboardParams o;
  o.zero_shot.top_k = top_k;
  for (const auto& kv : Split(spec)) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) throw core::InputError("--onboard-variants: no '=' in " + kv);
    const std::string k = kv.substr(0, eq);
    const double v = std::stod(kv.substr(eq + 1));
    if (k == "beta")
      o.explore_beta = v;
    else if (k == "pairs")
      o.pair_moves = v != 0.0;
    else if (k == "cz")
      o.confidence_z = v;
    else if (k == "z")
      o.zero_shot.safety_z = v;
    else if (k == "wz")
      o.zero_shot.weak_z = v;
    else if (k == "apart")
      o.zero_shot.min_knobs_apart = static_cast<int>(v);
    else
      throw core::InputError("--onboard-variants: unknown key " + k);
  }
  return o;
}

/// Simulated onboarding (deploy::Onboarding) of each unseen workload for `runs` runs on the
/// testbed. Per checkpoint (runs so far): mean true regret of the best measured config and of
/// the chosen one, and how many chosen configs are truly worse than the baseline.
nlohmann::ordered_json SimulateOnboarding(bench::BenchTestbed& tb,
                                          const std::vector<bench::UnseenWorkload>& unseen,
                                          const deploy::ZeroShot& zs, const space::Config& baseline,
                                          int runs, uint64_t seed,
                                          const deploy::OnboardParams& params = {},
                                          const std::string& label = "") {
  const std::vector<int> checkpoints = {5, runs};
  std::map<int, Stat> best_measured, chosen, chosen_worse, chosen_baseline;
  for (size_t u = 0; u < unseen.size(); ++u) {
    const auto& w = unseen[u].workload;
    const double best = tb.FindOptimum(w.features).perf;
    const double base = tb.TruePerf(w.features, baseline);
    const deploy::Onboarding ob(zs, w.features, params);
    std::vector<deploy::OnboardRun> done;
    for (int r = 0; r < runs; ++r) {
      const auto next = ob.Next(done);
      if (!next) break;
      runner::TrialRequest req;
      req.workload_index = static_cast<uint32_t>(1000000 + u);
      req.workload = &w;
      req.config = *next;
      done.push_back({*next, state::Perf{tb.Run(req).value}});
      if (std::find(checkpoints.begin(), checkpoints.end(), r + 1) == checkpoints.end()) continue;
      const auto top = std::max_element(done.begin(), done.end(), [](const auto& a, const auto& b) {
        return a.perf.value < b.perf.value;
      });
      best_measured[r + 1].Add(std::max(0.0, 1.0 - tb.TruePerf(w.features, top->config) / best));
      const auto choice = ob.Choose(done);
      const double cp = tb.TruePerf(w.features, choice.config);
      chosen[r + 1].Add(std::max(0.0, 1.0 - cp / best));
      chosen_worse[r + 1].Add(cp < base ? 1.0 : 0.0);
      chosen_baseline[r + 1].Add(choice.is_baseline ? 1.0 : 0.0);
    }
  }
  nlohmann::ordered_json j;
  for (int c : checkpoints) {
    auto& e = j[std::to_string(c)];
    e["best_measured_regret"] = best_measured[c].Mean();
    e["chosen_regret"] = chosen[c].Mean();
    e["chosen_worse_than_baseline"] = chosen_worse[c].Mean() * chosen_worse[c].v.size();
    e["chosen_is_baseline"] = chosen_baseline[c].Mean() * chosen_baseline[c].v.size();
    e["workloads"] = chosen[c].v.size();
    std::fprintf(
        stderr,
        "[quality] seed %llu onboarding%s %d runs: best-measured regret %.4f chosen regret "
        "%.4f chosen worse than baseline %.0f chosen baseline %.0f of %zu\n",
        static_cast<unsigned long long>(seed), label.c_str(), c, best_measured[c].Mean(),
        chosen[c].Mean(), chosen_worse[c].Mean() * chosen_worse[c].v.size(),
        chosen_baseline[c].Mean() * chosen_baseline[c].v.size(), chosen[c].v.size());
  }
  return j;
}

/// Squared distance with nprocs on log2 and every other feature as it is.
double PlainDistance(const space::WorkloadSet& ws, const std::vector<double>& a,
                     const std::vector<double>& b) {
  double d = 0.0;
  for (size_t j = 0; j < a.size(); ++j) {
    const bool log = ws.feature_names[j] == "nprocs";
    const double x = log ? std::log2(std::max(1.0, a[j])) : a[j];
    const double y = log ? std::log2(std::max(1.0, b[j])) : b[j];
    d += (x - y) * (x - y);
  }
  return d;
}

/// A finished study's trials, one per line: workload, source, iteration, replicate, ok,
/// metric (%.17g), config levels.
void WriteStudyCache(const std::string& path, const state::StudyState& st) {
  std::string out;
  char buf[96];
  for (const auto& t : st.trials()) {
    std::snprintf(buf, sizeof buf, "%u\t%d\t%d\t%d\t%d\t%.17g", t.workload,
                  static_cast<int>(t.source), t.iteration, t.replicate, t.ok ? 1 : 0, t.metric);
    out += buf;
    for (size_t k = 0; k < t.config.size(); ++k) out += "\t" + std::to_string(t.config[k]);
    out += "\n";
  }
  core::WriteFileAtomic(path, out);
}

/// Replays WriteStudyCache's file into a state as the loop recorded it.
state::StudyState ReadStudyCache(const std::string& path, const config::StudyConfig& cfg,
                                 const space::WorkloadSet& ws) {
  state::StudyState st(cfg.space, cfg.baseline, ws, cfg.runner.objective);
  std::istringstream in(core::ReadFile(path));
  std::string line;
  uint64_t id = 1;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    state::Trial t;
    int source = 0, ok = 0;
    f >> t.workload >> source >> t.iteration >> t.replicate >> ok >> t.metric;
    std::vector<uint8_t> levels;
    for (int l; f >> l;) levels.push_back(static_cast<uint8_t>(l));
    t.trial_id = id++;
    t.source = static_cast<state::Source>(source);
    t.ok = ok != 0;
    t.config = space::Config(std::move(levels));
    st.Record(std::move(t));
  }
  st.SubstituteMissingBaselines();
  return st;
}

/// ScaledUnseen's deploy::ZeroShot part, fitted on the study's `state`: onboarding
/// simulations, zero-shot's scores per safety_z (and variants) and, when the consensus
/// recommender `rec` exists, the combined rule's.
void ZeroShotUnseen(const Args& args, const config::StudyConfig& cfg, const space::WorkloadSet& ws,
                    bench::BenchTestbed& tb, uint64_t seed, const state::StudyState& state,
                    const std::vector<bench::UnseenWorkload>& unseen,
                    const deploy::Recommender* rec,
                    const std::function<size_t(const std::vector<double>&)>& nearest,
                    std::map<double, bench::UnseenScores>& zero_shot,
                    nlohmann::ordered_json& onboarding) {
  core::Rng rng(seed, "zero_shot");
  const deploy::ZeroShot zs(state, {}, rng);
  if (args.onboard_runs > 0) {
    onboarding = SimulateOnboarding(tb, unseen, zs, cfg.baseline, args.onboard_runs, seed);
  }
  for (const auto& spec : args.onboard_variants) {
    SimulateOnboarding(tb, unseen, zs, cfg.baseline, std::max(10, args.onboard_runs), seed,
                       OnboardParamsOf(spec, cfg.deploy.return_top_k), " variant " + spec);
  }
  auto score = [&](const deploy::ZeroShot& model, const deploy::ZeroShotRule& rule) {
    return bench::ScoreUnseen(
        tb, ws, unseen, cfg.baseline,
        [&](const std::vector<double>& f) {
          const auto r = model.Recommend(f, rule);
          bench::Picks p;
          for (const auto& c : r.configs) p.configs.push_back(c.config);
          p.flagged = r.weak_evidence;
          return p;
        },
        nearest);
  };
  if (args.zero_shot_levers) {
    // Keyed as ZeroShotKey names them.
    deploy::ZeroShotRule no_veto;
    no_veto.veto_nearest_losses = false;
    no_veto.top_k = cfg.deploy.return_top_k;
    zero_shot[kNoVetoKey] = score(zs, no_veto);
    core::Rng rng_uniform(seed, "zero_shot");
    deploy::ZeroShotParams uniform;
    uniform.learn_feature_weights = false;
    deploy::ZeroShotRule rule;
    rule.top_k = cfg.deploy.return_top_k;
    zero_shot[kUniformWeightsKey] = score(deploy::ZeroShot(state, uniform, rng_uniform), rule);
  }
  for (const auto& spec : args.zero_shot_variants) {
    const auto s = score(zs, RuleOf(spec, cfg.deploy.return_top_k));
    std::fprintf(stderr, "[quality] seed %llu zero-shot variant %s: %s\n",
                 static_cast<unsigned long long>(seed), spec.c_str(),
                 bench::UnseenTable::Line(s).c_str());
  }
  for (double z : args.zero_shot_z) {
    deploy::ZeroShotRule rule;
    rule.safety_z = std::abs(z);
    rule.baseline_when_weak = z >= 0.0;
    rule.top_k = cfg.deploy.return_top_k;
    zero_shot[z] = score(zs, rule);
  }
  if (rec) {
    // The rule recommend deploys (deploy::NewWorkloadConfigs), beside zero-shot's own.
    for (const double key : {kCombinedKey, kCombinedSameScaleKey}) {
      const deploy::NewWorkloadRule nw{key == kCombinedSameScaleKey};
      deploy::ZeroShotRule rule;
      rule.top_k = cfg.deploy.return_top_k;
      zero_shot[key] = bench::ScoreUnseen(
          tb, ws, unseen, cfg.baseline,
          [&](const std::vector<double>& f) {
            const auto z = zs.Recommend(f, rule);
            const auto consensus = rec->Recommend(f);
            bench::Picks p;
            p.configs = deploy::NewWorkloadConfigs(z, consensus, cfg.baseline, nw,
                                                   static_cast<size_t>(rule.top_k));
            p.flagged = z.weak_evidence && !deploy::ConsensusLeads(z, consensus, cfg.baseline, nw);
            return p;
          },
          nearest);
    }
  }
}

/// Section 4: the study runs on every workload at `budget` runs each, then `recommend` is
/// asked for workloads derived from them (perturbed features, nprocs x1/2 .. x8).
/// `zero_shot` receives, per safety_z in args.zero_shot_z, the scores of deploy::ZeroShot
/// fitted on the same study.
bench::UnseenScores ScaledUnseen(const Args& args, const config::StudyConfig& cfg,
                                 const space::WorkloadSet& ws, bench::BenchTestbed& tb,
                                 uint64_t seed, int budget,
                                 std::map<double, bench::UnseenScores>& zero_shot,
                                 nlohmann::ordered_json& onboarding) {
  const config::StudyConfig bc = BudgetConfig(cfg, budget, args.warm_share);
  const auto unseen =
      bench::MakeUnseenSet(ws, args.unseen_per_workload, {0.5, 2.0, 4.0, 8.0}, 0.15, seed);
  const std::string cache =
      args.study_cache.empty()
          ? std::string()
          : (fs::path(args.study_cache) / (args.testbed + "_seed" + std::to_string(seed) + "_b" +
                                           std::to_string(budget) + ".tsv"))
                .string();
  std::optional<loop::StudyResult> res;
  state::StudyState state;
  if (!cache.empty() && fs::exists(cache)) {
    state = ReadStudyCache(cache, bc, ws);
  } else {
    runner::SerialExecutor exec(tb);
    res = loop::RunStudy(bc, ws, exec, nullptr, {});
    state = res->state;
    if (!cache.empty()) WriteStudyCache(cache, state);
  }
  bench::UnseenScores scores;
  std::unique_ptr<deploy::Recommender> rec;
  if (res) {
    rec = std::make_unique<deploy::Recommender>(
        cfg.space, ws, res->matrix, *res->model, cfg.baseline,
        deploy::RecommenderParams{cfg.deploy.knn_neighbors, cfg.deploy.return_top_k});
  }
  // The training workload the consensus recommender calls nearest (a replayed study has no
  // recommender: plain distance, nprocs on log2, for the copy-the-neighbour reference only).
  auto nearest = [&](const std::vector<double>& f) {
    size_t nn = 0;
    double nd = INFINITY;
    for (size_t t = 0; t < ws.size(); ++t) {
      const double d = rec ? rec->Distance(f, ws.workloads[t].features)
                           : PlainDistance(ws, f, ws.workloads[t].features);
      if (d < nd) nd = d, nn = t;
    }
    return nn;
  };
  if (res) {
    std::map<std::string, size_t> index_of;
    for (size_t t = 0; t < ws.size(); ++t) index_of[ws.workloads[t].id] = t;
    // Diagnostic for the consensus rule: how many of the configs the neighbours list were
    // measured (listed) at two or more of them.
    double listed_twice = 0.0;
    auto recommend = [&](const std::vector<double>& f) {
      const auto r = rec->Recommend(f);
      bench::Picks p;
      for (const auto& c : r.configs) p.configs.push_back(c.config);
      p.flagged = !r.warnings.empty();
      std::map<space::Config, int> listed;
      for (const auto& n : r.neighbors) {
        for (const auto& e : res->matrix.top[index_of.at(n.workload_id)]) ++listed[e.config];
      }
      for (const auto& [c, count] : listed) listed_twice += count >= 2;
      return p;
    };
    scores = bench::ScoreUnseen(tb, ws, unseen, cfg.baseline, recommend, nearest);
    scores.diagnostics["neighbour_configs_listed_at_2plus"] =
        unseen.empty() ? 0.0 : listed_twice / static_cast<double>(unseen.size());
    // Share of the recommendation matrix that is warm-start configs (measured everywhere).
    std::set<space::Config> warm(res->warm.configs.begin(), res->warm.configs.end());
    double entries = 0.0, warm_entries = 0.0;
    for (const auto& top : res->matrix.top) {
      for (const auto& e : top) entries += 1.0, warm_entries += warm.count(e.config);
    }
    scores.diagnostics["matrix_warm_share"] = entries > 0.0 ? warm_entries / entries : 0.0;
  }
  if (!args.zero_shot_z.empty() || args.onboard_runs > 0) {
    ZeroShotUnseen(args, cfg, ws, tb, seed, state, unseen, rec.get(), nearest, zero_shot,
                   onboarding);
  }
  return scores;
}

/// Section 3's scores of one rule's picks over the held-out workloads.
struct HeldOutPicks {
  Stat top1, best3, worse, baseline_first;
  void Add(const bench::BenchTestbed& tb, const space::Workload& wl,
           const std::vector<space::Config>& configs, const space::Config& baseline, double best) {
    double b3 = 1.0;
    for (const auto& c : configs) b3 = std::min(b3, TrueRegret(tb, wl, c, best));
    top1.Add(TrueRegret(tb, wl, configs.front(), best));
    best3.Add(b3);
    worse.Add(tb.TruePerf(wl.features, configs.front()) < tb.TruePerf(wl.features, baseline));
    baseline_first.Add(configs.front() == baseline);
  }
  /// Per-seed means as quality.json keys, prefixed.
  void Into(const std::string& prefix, std::map<std::string, double>& out) const {
    out[prefix + "_top1_regret"] = top1.Mean();
    out[prefix + "_best_of_3_regret"] = best3.Mean();
    out[prefix + "_top1_worse_than_baseline_rate"] = worse.Mean();
    out[prefix + "_baseline_first_rate"] = baseline_first.Mean();
  }
};

/// Section 3's zero-shot scores for the held-out workloads: what `iorec recommend` deploys
/// for a workload the study did not measure. deploy::ZeroShot is fitted as recommend fits it
/// from the model bundle (the measured means of the training study `res`, rng seed 0, default
/// params, top_k = return_top_k); a pick counts as flagged when recommend would warn (weak
/// evidence, or the consensus recommender calls the workload far). Returns per-seed means by
/// quality.json key. Throws if a held-out workload is in the training study (leakage).
std::map<std::string, double> HeldOutZeroShot(
    const config::StudyConfig& cfg, const loop::StudyResult& res, const deploy::Recommender& rec,
    const space::WorkloadSet& ws, const std::vector<uint32_t>& held, const bench::BenchTestbed& tb,
    const std::vector<double>& best) {
  deploy::ModelBundle b;
  b.space = cfg.space;
  b.baseline = cfg.baseline;
  b.known = res.state.workload_set();
  b.matrix = res.matrix;
  b.params = {cfg.deploy.knn_neighbors, cfg.deploy.return_top_k};
  b.measured = deploy::MeasuredMeans(res.state);
  for (uint32_t w : held) {
    for (const auto& k : b.known.workloads) {
      if (k.id == ws.workloads[w].id) {
        throw std::logic_error("held-out workload " + k.id + " is in the training study");
      }
    }
  }
  const state::StudyState st = deploy::MeasuredState(b);
  core::Rng rng(0, "zero_shot");
  const deploy::ZeroShot zs(st, {}, rng);
  deploy::ZeroShotRule rule;
  rule.top_k = b.params.return_top_k;
  HeldOutPicks zero_shot, combined, combined_same_scale;
  Stat flagged, exact;
  for (uint32_t w : held) {
    const auto& wl = ws.workloads[w];
    const auto z = zs.Recommend(wl.features, rule);
    const auto consensus = rec.Recommend(wl.features);
    std::vector<space::Config> configs;
    for (const auto& c : z.configs) configs.push_back(c.config);
    zero_shot.Add(tb, wl, configs, cfg.baseline, best[w]);
    const size_t k = static_cast<size_t>(rule.top_k);
    combined.Add(tb, wl, deploy::NewWorkloadConfigs(z, consensus, cfg.baseline, {false}, k),
                 cfg.baseline, best[w]);
    combined_same_scale.Add(tb, wl,
                            deploy::NewWorkloadConfigs(z, consensus, cfg.baseline, {true}, k),
                            cfg.baseline, best[w]);
    flagged.Add(z.weak_evidence || (consensus.far && !consensus.neighbors.empty()));
    exact.Add(consensus.exact_match);  // recommend would return the measured configs
  }
  std::map<std::string, double> out = {
      {"zero_shot_flagged_rate", flagged.Mean()},
      {"held_out_exact_match_rate", exact.Mean()},
      {"zero_shot_fitted_workloads", static_cast<double>(st.num_workloads())}};
  zero_shot.Into("zero_shot", out);
  combined.Into("combined", out);
  combined_same_scale.Into("combined_same_scale", out);
  return out;
}

struct TuningCell {
  Stat best_observed, deployed, within5_observed, within5_deployed, best_measured_true, gp_pick;
};

}  // namespace

int main(int argc, char** argv) try {
  const Args args = ParseArgs(argc, argv);
  config::StudyConfig base_cfg = config::LoadStudyConfig(args.config);
  base_cfg.runner.noise_std = args.noise;
  base_cfg.active.oracle_mode = config::OracleMode::kHeldout;
  fs::create_directories(args.out_dir);

  nlohmann::ordered_json report;
  report["config"] = args.config;
  report["noise_std"] = args.noise;
  report["seeds"] = args.seeds;
  report["budgets"] = args.budgets;
  report["warm_share"] = args.warm_share;
  report["testbed"] = args.testbed;

  // method -> budget -> cell (aggregated over seeds; each seed contributes its mean).
  std::map<std::string, std::map<int, TuningCell>> tuning;
  std::map<std::string, Stat> deploy_stats;
  Stat difficulty_median, difficulty_mean;
  std::map<int, bench::UnseenTable> unseen_tables;  // by runs per training workload
  std::map<int, std::map<double, bench::UnseenTable>> zero_shot_tables;  // budget, safety_z

  for (uint64_t seed : args.seeds) {
    config::StudyConfig cfg = base_cfg;
    cfg.seed = seed;
    const space::WorkloadSet ws = config::LoadWorkloads(cfg);
    const auto tb_owner =
        bench::MakeTestbed(args.testbed, cfg.space, ws, seed, args.noise,
                           cfg.active.oracle_enum_threshold, cfg.active.oracle_sampled);
    bench::BenchTestbed& tb = *tb_owner;
    std::vector<double> best(ws.size());
    for (uint32_t w = 0; w < ws.size(); ++w) {
      best[w] = tb.FindOptimum(ws.workloads[w].features).perf;
    }
    std::fprintf(stderr, "[quality] seed %llu: optima found\n",
                 static_cast<unsigned long long>(seed));

    if (args.only.empty() || args.only == "difficulty") {
      Stat frac;
      core::Rng rng(seed, "quality_difficulty");
      for (uint32_t w = 0; w < ws.size(); ++w) {
        int near = 0;
        const int n = 20000;
        for (int i = 0; i < n; ++i)
          near += tb.TruePerf(ws.workloads[w].features, cfg.space.Random(rng)) >= 0.95 * best[w];
        frac.Add(static_cast<double>(near) / n);
      }
      difficulty_median.Add(frac.Median());
      difficulty_mean.Add(frac.Mean());
    }

    if (args.only.empty() || args.only == "tuning") {
      for (int budget : args.budgets) {
        // iorec's loop.
        const config::StudyConfig bc = BudgetConfig(cfg, budget, args.warm_share);
        runner::SerialExecutor exec(tb);
        struct Oracle final : loop::Oracle {
          const bench::BenchTestbed& tb;
          const space::WorkloadSet& ws;
          const std::vector<double>& best;
          Oracle(const bench::BenchTestbed& t, const space::WorkloadSet& s,
                 const std::vector<double>& b)
              : tb(t), ws(s), best(b) {}
          double TrueMetric(uint32_t w, const space::Config& c) const override {
            return tb.TruePerf(ws.workloads[w].features, c);
          }
          double BestMetric(uint32_t w) const override { return best[w]; }
        } oracle(tb, ws, best);
        const auto res = loop::RunStudy(bc, ws, exec, &oracle, {});
        Stat obs, dep, obs5, dep5, oracle_pick, gp_pick;
        model::GpHyper hyper;
        const auto local = loop::FitLocalModels(res.state, hyper);
        for (uint32_t w = 0; w < ws.size(); ++w) {
          {
            // Diagnostic: the measured config with the best GP posterior mean (the noise of
            // its run averaged with its neighbours').
            std::vector<space::Config> cs;
            for (const auto& c : res.state.record(w).configs) {
              if (c.measured()) cs.push_back(c.config);
            }
            const auto p = local.Predict(w, cs);
            const size_t i = std::max_element(p.mean.begin(), p.mean.end()) - p.mean.begin();
            gp_pick.Add(TrueRegret(tb, ws.workloads[w], cs[i], best[w]));
          }
          // Diagnostic: the truly best config among those measured (search vs selection).
          double ob = 1.0;
          for (const auto& c : res.state.record(w).configs) {
            if (c.measured()) ob = std::min(ob, TrueRegret(tb, ws.workloads[w], c.config, best[w]));
          }
          oracle_pick.Add(ob);
          // (a) the measured config with the best mean observed perf (its single run unless
          // replicated); (b) top-1 by robust score (what recommend deploys).
          const state::ConfigStats* top = nullptr;
          for (const auto& c : res.state.record(w).configs) {
            if (c.measured() && (!top || c.Mean().value > top->Mean().value)) top = &c;
          }
          const double ra = TrueRegret(tb, ws.workloads[w], top->config, best[w]);
          const auto ranked = res.state.record(w).Ranked(bc.active.robust_score_z);
          const double rb = TrueRegret(tb, ws.workloads[w], ranked.front()->config, best[w]);
          obs.Add(ra);
          dep.Add(rb);
          obs5.Add(ra <= 0.05);
          dep5.Add(rb <= 0.05);
        }
        auto& cell = tuning["iorec"][budget];
        cell.best_observed.Add(obs.Mean());
        cell.deployed.Add(dep.Mean());
        cell.within5_observed.Add(obs5.Mean());
        cell.within5_deployed.Add(dep5.Mean());
        cell.best_measured_true.Add(oracle_pick.Mean());
        cell.gp_pick.Add(gp_pick.Mean());
        std::fprintf(stderr,
                     "[quality] seed %llu budget %d: iorec best-observed %.4f (median %.4f, "
                     "max %.4f) deployed %.4f truly-best-measured %.4f gp-pick %.4f\n",
                     static_cast<unsigned long long>(seed), budget, obs.Mean(), obs.Median(),
                     obs.Max(), dep.Mean(), oracle_pick.Mean(), gp_pick.Mean());

        // Random search and warm-start only, same budget, same noise.
        for (const std::string method : {"random", "warm_only"}) {
          Stat o2, o25;
          for (uint32_t w = 0; w < ws.size(); ++w) {
            std::vector<space::Config> configs;
            if (method == "random") {
              core::Rng rng = core::Rng(seed, "quality_random").Fork(w).Fork(budget);
              std::unordered_set<space::Config, space::ConfigHash> seen = {cfg.baseline};
              configs.push_back(cfg.baseline);
              while (configs.size() < static_cast<size_t>(budget)) {
                auto c = cfg.space.Random(rng);
                if (seen.insert(c).second) configs.push_back(c);
              }
            } else {
              core::Rng rng(seed, "warm_start");
              configs = sampling::BuildWarmStart(cfg.space, cfg.baseline, budget, rng).configs;
            }
            double best_measured = -1;
            space::Config chosen;
            for (const auto& c : configs) {
              runner::TrialRequest r;
              r.workload_index = w;
              r.workload = &ws.workloads[w];
              r.config = c;
              const double v = tb.Run(r).value;
              if (v > best_measured) best_measured = v, chosen = c;
            }
            const double reg = TrueRegret(tb, ws.workloads[w], chosen, best[w]);
            o2.Add(reg);
            o25.Add(reg <= 0.05);
          }
          auto& c2 = tuning[method][budget];
          c2.best_observed.Add(o2.Mean());
          c2.deployed.Add(o2.Mean());
          c2.within5_observed.Add(o25.Mean());
          c2.within5_deployed.Add(o25.Mean());
        }
      }
    }

    if (args.only.empty() || args.only == "deploy") {
      // Hold out 20% of the workloads; they are never run.
      std::vector<uint32_t> order(ws.size());
      std::iota(order.begin(), order.end(), 0);
      core::Rng split_rng(seed, "quality_holdout");
      split_rng.Shuffle(order);
      const size_t n_held = std::max<size_t>(1, ws.size() / 5);
      std::vector<uint32_t> held(order.begin(), order.begin() + n_held);
      std::vector<uint32_t> train(order.begin() + n_held, order.end());
      std::sort(held.begin(), held.end());
      std::sort(train.begin(), train.end());
      space::WorkloadSet train_ws;
      train_ws.feature_names = ws.feature_names;
      for (uint32_t w : train) train_ws.workloads.push_back(ws.workloads[w]);
      const auto train_tb =
          bench::MakeTestbed(args.testbed, cfg.space, train_ws, seed, args.noise,
                             cfg.active.oracle_enum_threshold, cfg.active.oracle_sampled);
      runner::SerialExecutor exec(*train_tb);
      const config::StudyConfig bc = BudgetConfig(cfg, 69, args.warm_share);
      const auto res = loop::RunStudy(bc, train_ws, exec, nullptr, {});
      deploy::Recommender rec(cfg.space, train_ws, res.matrix, *res.model, cfg.baseline,
                              {cfg.deploy.knn_neighbors, cfg.deploy.return_top_k});
      // One global best config: the measured config with the best mean true perf ratio over
      // the training workloads (a generous baseline: it uses the truth).
      space::Config global_best = cfg.baseline;
      {
        double best_score = -1;
        std::unordered_set<space::Config, space::ConfigHash> cands;
        for (const auto& top : res.matrix.top) {
          for (const auto& e : top) cands.insert(e.config);
        }
        std::vector<space::Config> sorted(cands.begin(), cands.end());
        std::sort(sorted.begin(), sorted.end());
        for (const auto& c : sorted) {
          double s = 0;
          for (uint32_t t = 0; t < train.size(); ++t)
            s += train_tb->TruePerf(train_ws.workloads[t].features, c) / best[train[t]];
          if (s > best_score) best_score = s, global_best = c;
        }
      }
      Stat top1, best3, worse_than_base, base_reg, global_reg, copy_meas, copy_true, flagged;
      for (uint32_t w : held) {
        const auto r = rec.Recommend(ws.workloads[w].features);
        const double base_perf = tb.TruePerf(ws.workloads[w].features, cfg.baseline);
        const double t1 = TrueRegret(tb, ws.workloads[w], r.configs.front().config, best[w]);
        double b3 = 1.0;
        for (const auto& c : r.configs)
          b3 = std::min(b3, TrueRegret(tb, ws.workloads[w], c.config, best[w]));
        top1.Add(t1);
        best3.Add(b3);
        worse_than_base.Add(
            tb.TruePerf(ws.workloads[w].features, r.configs.front().config) < base_perf ? 1.0
                                                                                        : 0.0);
        flagged.Add(r.warnings.empty() ? 0.0 : 1.0);
        base_reg.Add(TrueRegret(tb, ws.workloads[w], cfg.baseline, best[w]));
        global_reg.Add(TrueRegret(tb, ws.workloads[w], global_best, best[w]));
        // Nearest training workload by the recommender's distance.
        size_t nn = 0;
        double nd = INFINITY;
        for (size_t t = 0; t < train.size(); ++t) {
          const double d = rec.Distance(ws.workloads[w].features, train_ws.workloads[t].features);
          if (d < nd) nd = d, nn = t;
        }
        copy_meas.Add(TrueRegret(tb, ws.workloads[w], res.matrix.top[nn].front().config, best[w]));
        const auto opt = train_tb->FindOptimum(train_ws.workloads[nn].features);
        copy_true.Add(TrueRegret(tb, ws.workloads[w], opt.config, best[w]));
      }
      deploy_stats["iorec_top1_regret"].Add(top1.Mean());
      deploy_stats["iorec_best_of_3_regret"].Add(best3.Mean());
      deploy_stats["iorec_top1_worse_than_baseline_rate"].Add(worse_than_base.Mean());
      deploy_stats["iorec_flagged_rate"].Add(flagged.Mean());
      deploy_stats["baseline_config_regret"].Add(base_reg.Mean());
      deploy_stats["global_best_config_regret"].Add(global_reg.Mean());
      deploy_stats["copy_nearest_measured_best_regret"].Add(copy_meas.Mean());
      deploy_stats["copy_nearest_true_optimum_regret"].Add(copy_true.Mean());
      const auto zero_shot = HeldOutZeroShot(cfg, res, rec, ws, held, tb, best);
      for (const auto& [k, v] : zero_shot) deploy_stats[k].Add(v);
      std::fprintf(
          stderr,
          "[quality] seed %llu deploy: top1 %.4f best3 %.4f worse-than-base %.2f copy-true %.4f\n",
          static_cast<unsigned long long>(seed), top1.Mean(), best3.Mean(), worse_than_base.Mean(),
          copy_true.Mean());
      std::fprintf(stderr,
                   "[quality] seed %llu deploy zero-shot alone: top1 %.4f best3 "
                   "%.4f worse-than-base %.2f flagged %.2f baseline-first %.2f\n",
                   static_cast<unsigned long long>(seed), zero_shot.at("zero_shot_top1_regret"),
                   zero_shot.at("zero_shot_best_of_3_regret"),
                   zero_shot.at("zero_shot_top1_worse_than_baseline_rate"),
                   zero_shot.at("zero_shot_flagged_rate"),
                   zero_shot.at("zero_shot_baseline_first_rate"));
      for (const char* rule : {"combined", "combined_same_scale"}) {
        const std::string p = rule;
        std::fprintf(stderr,
                     "[quality] seed %llu deploy %s: top1 %.4f best3 %.4f worse-than-base %.2f "
                     "baseline-first %.2f\n",
                     static_cast<unsigned long long>(seed), rule, zero_shot.at(p + "_top1_regret"),
                     zero_shot.at(p + "_best_of_3_regret"),
                     zero_shot.at(p + "_top1_worse_than_baseline_rate"),
                     zero_shot.at(p + "_baseline_first_rate"));
      }
    }

    if (args.only.empty() || args.only == "unseen") {
      for (int budget : args.unseen_budgets) {
        std::map<double, bench::UnseenScores> zero_shot;
        nlohmann::ordered_json onboarding;
        const auto scores = ScaledUnseen(args, cfg, ws, tb, seed, budget, zero_shot, onboarding);
        if (!onboarding.is_null()) {
          report["onboarding"][std::to_string(budget)]["seed " + std::to_string(seed)] = onboarding;
        }
        if (!scores.top1.empty()) {  // empty: a replayed study (--study-cache)
          unseen_tables[budget].Add(scores);
          std::fprintf(stderr, "[quality] seed %llu scaled unseen (%d runs/workload): %s\n",
                       static_cast<unsigned long long>(seed), budget,
                       bench::UnseenTable::Line(scores).c_str());
        }
        for (const auto& [z, zs] : zero_shot) {
          zero_shot_tables[budget][z].Add(zs);
          std::fprintf(stderr, "[quality] seed %llu zero-shot %s (%d runs/workload): %s\n",
                       static_cast<unsigned long long>(seed), ZeroShotKey(z).c_str(), budget,
                       bench::UnseenTable::Line(zs).c_str());
        }
      }
    }
  }

  for (const auto& [budget, table] : unseen_tables) {
    report["deployment_scaled_unseen"][std::to_string(budget)] = table.Json();
  }
  for (const auto& [budget, by_z] : zero_shot_tables) {
    for (const auto& [z, table] : by_z) {
      report["deployment_scaled_unseen_zero_shot"][std::to_string(budget)][ZeroShotKey(z)] =
          table.Json();
    }
  }
  if (!difficulty_median.v.empty()) {
    report["difficulty"] = {{"median_share_within_5pct", StatJson(difficulty_median)},
                            {"mean_share_within_5pct", StatJson(difficulty_mean)}};
  }
  for (const auto& [method, by_budget] : tuning) {
    for (const auto& [budget, cell] : by_budget) {
      auto& j = report["tuning"][method][std::to_string(budget)];
      j["best_observed_regret"] = StatJson(cell.best_observed);
      j["deployed_top1_regret"] = StatJson(cell.deployed);
      j["best_observed_within_5pct"] = StatJson(cell.within5_observed);
      j["deployed_within_5pct"] = StatJson(cell.within5_deployed);
      if (!cell.best_measured_true.v.empty())
        j["truly_best_measured_regret"] = StatJson(cell.best_measured_true);
      if (!cell.gp_pick.v.empty()) j["gp_posterior_pick_regret"] = StatJson(cell.gp_pick);
    }
  }
  for (const auto& [k, s] : deploy_stats) report["deployment_unseen"][k] = StatJson(s);
  core::WriteFileAtomic(fs::path(args.out_dir) / "quality.json", report.dump(2) + "\n");

  if (!tuning.empty()) {
    report::LinePlot p;
    p.name = "regret_vs_runs";
    p.title = "true regret of the best observed config vs runs per workload (mean over seeds)";
    p.xlabel = "runs per workload";
    p.ylabel = "regret (fraction of optimum)";
    for (int b : args.budgets) p.x.push_back(b);
    for (const auto& [method, by_budget] : tuning) {
      report::Series s{method, {}};
      for (int b : args.budgets) s.y.push_back(by_budget.at(b).best_observed.Mean());
      p.series.push_back(s);
    }
    report::Series dep{"iorec (deployed top-1)", {}};
    for (int b : args.budgets) dep.y.push_back(tuning["iorec"][b].deployed.Mean());
    p.series.push_back(dep);
    p.y_from_zero = true;
    const std::string warn = report::WriteLinePlot(args.out_dir, p);
    if (!warn.empty()) std::fprintf(stderr, "[quality] %s\n", warn.c_str());
  }
  std::printf("%s\n", report.dump(2).c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "quality_bench: error: %s\n", e.what());
  return 2;
}

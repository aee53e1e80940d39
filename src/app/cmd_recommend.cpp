// `iorec recommend`: settings for a workload from a trained model directory.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <tuple>

#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "input.hpp"
#include "iorec/apply/describe.hpp"
#include "iorec/config/study_config.hpp"
#include "iorec/core/error.hpp"
#include "iorec/core/units.hpp"
#include "iorec/darshan/features.hpp"
#include "iorec/deploy/model_bundle.hpp"
#include "iorec/deploy/new_workload.hpp"
#include "iorec/deploy/recommender.hpp"
#include "iorec/deploy/zero_shot.hpp"
#include "iorec/report/evaluation_outputs.hpp"
#include "iorec/space/config_id.hpp"
#include "iorec/space/json.hpp"
#include "iorec/store/sqlite_store.hpp"
#include "onboarding.hpp"
#include "recommend_emit.hpp"

namespace iorec::app {
namespace {

/// Where the recommendation comes from.
enum class Method { kMeasured, kZeroShot, kConsensus, kOnboarded };

const char* MethodName(Method m) {
  switch (m) {
    case Method::kMeasured:
      return "measured";
    case Method::kZeroShot:
      return "zero_shot";
    case Method::kConsensus:
      return "consensus";
    case Method::kOnboarded:
      return "onboarded";
  }
  return "";
}

struct RecommendOptions {
  std::string model_dir;
  std::string workload_file;
  std::string darshan_log;
  std::string module = "auto";
  int top_k = 0;
  bool json = false;
  std::optional<double> current;
  std::string map_png;
  EmitOptions emit;
};

/// --map must name a PNG in an existing directory.
void CheckMapOption(const std::string& png) {
  if (png.empty()) return;
  const std::filesystem::path p(png);
  if (p.extension() != ".png")
    throw core::InputError("recommend: --map: the map is a PNG file ending in .png, got '" + png +
                           "'");
  const auto dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(dir))
    throw core::InputError("recommend: --map: directory '" + dir.string() + "' does not exist");
}

/// The map of the model's measured workloads with this one, its nearest ones standing out.
void WriteMap(const std::string& png, const deploy::ModelBundle& b, const space::Workload& w,
              const deploy::Recommendation& r) {
  std::vector<std::string> nearest;
  for (const auto& n : r.neighbors) nearest.push_back(n.workload_id);
  const std::string warning = report::WriteWorkloadMapPlot(
      png, b.known, w, nearest, b.runner_mode == "stub" ? " [synthetic: stub testbed]" : "");
  if (!warning.empty()) {
    spdlog::warn("--map: {} (its data and gnuplot script are beside it)", warning);
  } else {
    spdlog::info("workload map: {}", png);
  }
}

/// "ran with 1 × 1M, recommended 8 × 4M": the log's layout next to the top config's striping.
std::string RanWithLine(const std::optional<darshan::LustreLayout>& ran, const space::Space& sp,
                        const space::Config& top) {
  if (!ran)
    return "layout: the log has no LUSTRE records (file system not Lustre, or Darshan's "
           "LUSTRE module off)";
  std::string line =
      "layout: ran with " + darshan::DescribeLayout(ran->stripe_count, ran->stripe_size);
  line += " (its busiest files on " + std::to_string(ran->ost_count) + " OST" +
          (ran->ost_count == 1 ? ")" : "s)");
  std::optional<int64_t> count, size;
  for (size_t k = 0; k < sp.num_knobs(); ++k) {
    const space::KnobValue& v = sp.Value(top, k);
    if (sp.knobs()[k].name == "stripe_count" && v.kind() == space::KnobValue::Kind::kInt)
      count = v.as_int();
    if (sp.knobs()[k].name == "stripe_size") {
      if (auto bytes = core::ParseSize(v.text())) size = static_cast<int64_t>(*bytes);
    }
  }
  if (count && size) line += ", recommended " + darshan::DescribeLayout(*count, *size);
  return line;
}

void PrintJson(const deploy::ModelBundle& b, const space::Workload& w,
               const deploy::Recommendation& r, const Explained& ex,
               const std::optional<darshan::LustreLayout>& ran_with, std::optional<double> current,
               Method method) {
  nlohmann::ordered_json j;
  j["workload"] = w.id;
  j["exact_match"] = r.exact_match;
  j["method"] = MethodName(method);
  j["synthetic"] = b.runner_mode == "stub";
  j["neighbors"] = nlohmann::ordered_json::array();
  for (const auto& n : r.neighbors) {
    j["neighbors"].push_back({{"workload", n.workload_id}, {"distance", n.distance}});
  }
  j["recommendations"] = nlohmann::ordered_json::array();
  for (size_t i = 0; i < r.configs.size(); ++i) {
    const auto& c = r.configs[i];
    j["recommendations"].push_back(
        {{"rank", i + 1},
         {"config_id", space::ConfigId(b.space, c.config)},
         {"config", space::ConfigJson(b.space, c.config)},
         {"predicted_score", c.model_score},
         {"predicted_std", c.model_std},
         {"measured", c.measured},
         {"measured_gain",
          c.measured ? nlohmann::ordered_json(c.measured_gain.value) : nlohmann::ordered_json()},
         {"neighbor_consensus", c.consensus},
         {"source", c.source},
         {"expected", apply::ExpectationJson(ex.expected[i], b.metric, current)}});
    if (method == Method::kOnboarded) j["recommendations"].back()["runs"] = ex.expected[i].runs;
  }
  j["noise"] = {
      {"replicated_configs", ex.noise.relative_std.size()},
      {"median_relative_std",
       ex.noise.known() ? nlohmann::ordered_json(ex.noise.Median()) : nullptr},
      {"max_relative_std", ex.noise.known() ? nlohmann::ordered_json(ex.noise.Max()) : nullptr},
      {"pooled_relative_std",
       ex.noise.known() ? nlohmann::ordered_json(ex.noise.pooled) : nullptr}};
  j["within_noise"] = ex.within_noise;
  if (ran_with)
    j["ran_with"] = {{"stripe_count", ran_with->stripe_count},
                     {"stripe_size", ran_with->stripe_size},
                     {"ost_count", ran_with->ost_count}};
  j["notes"] = ex.notes;
  j["warnings"] = r.warnings;
  std::cout << j.dump(2) << "\n";
}

void PrintText(const deploy::ModelBundle& b, const space::Workload& w,
               const deploy::Recommendation& r, const Explained& ex, const RecommendOptions& opt,
               Method method) {
  const bool zero_shot = method == Method::kZeroShot;
  if (method == Method::kOnboarded) {
    // The runs behind every config are the onboarded workload's (same features, any name).
    const std::string as = ex.expected.empty() ? w.id : ex.expected.front().measured_on;
    std::printf(
        "workload %s: onboarded into this study as %s (`iorec onboard`); its best measured "
        "configs, #1 the one to apply (the baseline unless a config beat it beyond noise)\n",
        w.id.c_str(), as.c_str());
  } else if (r.exact_match && !r.neighbors.empty()) {
    std::printf(
        "workload %s: same features as measured workload %s; its best measured configs "
        "come first\n",
        w.id.c_str(), r.neighbors.front().workload_id.c_str());
  } else if (zero_shot) {
    const bool weak = std::any_of(r.warnings.begin(), r.warnings.end(),
                                  [](const auto& s) { return s.rfind("weak evidence", 0) == 0; });
    std::printf(
        "workload %s: not measured; configs predicted at its features and scale by one model "
        "over every measured workload and config (%s)\n",
        w.id.c_str(),
        weak ? "the evidence is weak here: see the warning below"
             : "#1 predicted to beat the current settings by 2 standard deviations");
  } else {
    std::printf(
        "workload %s: not measured; configs from its nearest workloads, ranked by how well "
        "they ran there (consensus: share of each neighbour's best, nearest weighted most)\n",
        w.id.c_str());
  }
  std::printf("nearest workloads:");
  for (const auto& n : r.neighbors) std::printf(" %s (%.3f)", n.workload_id.c_str(), n.distance);
  std::printf("\n");
  for (size_t i = 0; i < r.configs.size(); ++i) {
    const auto& c = r.configs[i];
    std::printf("#%zu  %s\n", i + 1, b.space.Describe(c.config).c_str());
    std::printf("    %s\n",
                apply::DescribeExpectation(ex.expected[i], b.metric, opt.current).c_str());
    std::printf("    source: %s; ", apply::DescribeSource(ex.expected[i]).c_str());
    if (zero_shot) {
      std::printf("predicted log gain %.3f ± %.3f [%s]\n", c.model_score, c.model_std,
                  c.source.c_str());
      continue;
    }
    if (method == Method::kOnboarded) {
      std::printf("measured gain %+.1f%% [%s]\n", 100.0 * c.measured_gain.value, c.source.c_str());
      continue;
    }
    if (!r.exact_match) std::printf("consensus %.1f%%, ", 100.0 * c.consensus);
    std::printf("model score %.4f ± %.4f\n", c.model_score, c.model_std);
  }
  std::printf("%s\n", NoiseLine(ex.noise).c_str());
  for (const auto& line : ex.within_noise) std::printf("%s\n", line.c_str());
  for (const auto& note : ex.notes) std::printf("note: %s\n", note.c_str());
}

/// A new workload, with a bundle that carries every measured config: deploy::ZeroShot's picks
/// (one GP over every measured workload and config; its safety rule, see ZeroShotRule), or,
/// when its evidence is weak and the unflagged consensus's nearest neighbour is at the same
/// scale, the consensus top-1 first (deploy::NewWorkloadConfigs), as a recommendation whose
/// model scores are the GP's predicted log gains. The neighbours stay those of `consensus`.
deploy::Recommendation ZeroShotRecommendation(const deploy::ModelBundle& b,
                                              const space::Workload& w,
                                              const deploy::Recommendation& consensus) {
  const state::StudyState st = deploy::MeasuredState(b);
  core::Rng rng(0, "zero_shot");
  const deploy::ZeroShot zs(st, {}, rng);
  deploy::ZeroShotRule rule;
  rule.top_k = b.params.return_top_k;
  const auto z = zs.Recommend(w.features, rule);
  const deploy::NewWorkloadRule new_rule{.same_scale_only = true};
  const bool consensus_leads = deploy::ConsensusLeads(z, consensus, b.baseline, new_rule);
  const auto configs = deploy::NewWorkloadConfigs(z, consensus, b.baseline, new_rule,
                                                  static_cast<size_t>(rule.top_k));
  std::vector<double> mean, stddev;
  zs.Predict(w.features, configs, mean, &stddev);
  for (const auto& p : z.configs) {  // zero-shot's own picks keep its figures
    const size_t i =
        static_cast<size_t>(std::find(configs.begin(), configs.end(), p.config) - configs.begin());
    if (i < configs.size()) mean[i] = p.mean.value, stddev[i] = p.stddev;
  }
  deploy::Recommendation r;
  r.neighbors = consensus.neighbors;
  for (size_t i = 0; i < configs.size(); ++i) {
    deploy::RecommendedConfig c;
    c.config = configs[i];
    c.model_score = mean[i];
    c.model_std = stddev[i];
    c.source = configs[i] == b.baseline                      ? "baseline"
               : consensus_leads && configs[i] == configs[0] ? consensus.configs.front().source
                                                             : "zero-shot";
    r.configs.push_back(std::move(c));
  }
  if (consensus_leads) {
    r.warnings.push_back(
        "weak evidence: no config is predicted to beat the baseline by 2 standard deviations at "
        "this workload; #1 is the nearest workloads' consensus pick instead (they run at the "
        "same rank count, and it beat the baseline wherever it was measured)");
  } else if (z.weak_evidence) {
    r.warnings.push_back("weak evidence: " + z.note);
  }
  if (consensus.far && !consensus.neighbors.empty()) {
    r.warnings.push_back("the nearest measured workload (" +
                         consensus.neighbors.front().workload_id +
                         ") is farther from this one than the study's workloads are from each "
                         "other: the predictions extrapolate; `iorec onboard` measures it");
  }
  return r;
}

/// An onboarded workload's measured configs: Onboarding::Choose first, then the others by
/// mean perf; each expectation rests on its runs there.
std::pair<deploy::Recommendation, Explained> OnboardedRecommendation(
    const deploy::ModelBundle& b, const space::Workload& w, const OnboardOutcome& o,
    const deploy::Recommendation& consensus) {
  deploy::Recommendation r;
  r.neighbors = consensus.neighbors;
  std::vector<deploy::Expectation> expected;
  const deploy::Noise noise = deploy::NoiseOf(b.matrix);
  const state::Perf base = o.baseline_perf;
  for (const auto& m : o.measured) {
    if (r.configs.size() >= static_cast<size_t>(b.params.return_top_k)) break;
    deploy::RecommendedConfig c;
    c.config = m.config;
    c.measured = true;
    c.measured_gain = m.gain;
    c.model_score = std::log1p(m.gain.value);
    c.source = m.config == b.baseline ? "baseline" : "onboarded";
    r.configs.push_back(c);
    deploy::Expectation e;
    e.basis = m.config == b.baseline ? deploy::Basis::kCurrent : deploy::Basis::kMeasuredHere;
    e.measured_on = o.id;  // the onboarded workload, whatever this one is named
    e.runs = static_cast<int>(m.runs);
    e.has_gain = e.has_perf = true;
    e.gain = e.gain_lo = e.gain_hi = m.gain;
    e.perf = e.perf_lo = e.perf_hi = m.mean_perf;
    e.baseline = base;
    if (noise.known()) {
      const double spread = deploy::kIntervalZ * noise.pooled;
      e.has_interval = true;
      e.perf_lo.value = m.mean_perf.value * std::max(0.0, 1.0 - spread);
      e.perf_hi.value = m.mean_perf.value * (1.0 + spread);
      e.gain_lo = state::Relative(e.perf_lo, base);
      e.gain_hi = state::Relative(e.perf_hi, base);
    }
    expected.push_back(e);
  }
  if (o.finished < static_cast<size_t>(o.budget)) {
    r.warnings.push_back("onboarding of " + o.id + " is not finished (" +
                         std::to_string(o.finished) + " of " + std::to_string(o.budget) +
                         " runs); run `iorec onboard` again to finish it");
  }
  Explained ex = ExplainExpected(b, w, r, std::move(expected));
  return {std::move(r), std::move(ex)};
}

/// The onboarding result of `w` when the study behind the model directory onboarded it
/// (same features; see MatchOnboarded) and its baseline ran.
std::optional<OnboardOutcome> OnboardedOutcome(const std::filesystem::path& model_dir,
                                               const space::Workload& w) {
  const std::filesystem::path study = model_dir.parent_path();
  if (!std::filesystem::exists(study / store::kStudyDbName)) return std::nullopt;
  auto db = store::SqliteStore::Open(study / store::kStudyDbName,
                                     store::SqliteStore::Mode::kReadOnly, false);
  const auto onboarded = LoadOnboarded(*db);
  const OnboardedWorkload* match = MatchOnboarded(onboarded, w);
  const auto info = db->Study();
  if (match == nullptr || !info) return std::nullopt;
  const config::StudyConfig cfg = config::ParseStudyConfig(info->config_yaml, info->config_path);
  const OnboardModel model(study, cfg.seed);
  OnboardOutcome o = SummarizeOnboarded(model, *match, cfg.runner.objective);
  if (!o.choice) {
    spdlog::warn(
        "workload {}: onboarded, but its baseline has not run successfully yet; "
        "recommending without its runs",
        match->record.workload.id);
    return std::nullopt;
  }
  return o;
}

/// A model directory, or a study directory holding one in model/.
std::filesystem::path ModelDirOf(const std::string& arg) {
  std::filesystem::path p = std::filesystem::path(arg).lexically_normal();
  if (p.has_filename() == false) p = p.parent_path();
  if (!std::filesystem::exists(p / "model.json") &&
      std::filesystem::exists(p / "model" / "model.json"))
    return p / "model";
  return p;
}

struct Recommended {
  deploy::Recommendation r;
  Explained ex;
  Method method = Method::kConsensus;
};

Recommended Recommend(const deploy::ModelBundle& b, const std::filesystem::path& model_dir,
                      const space::Workload& w) {
  Recommended out;
  deploy::Recommender rec(b.space, b.known, b.matrix, *b.model, b.baseline, b.params);
  out.r = rec.Recommend(w.features);
  // Its own runs first: an onboarded workload may also be close to a study workload.
  if (const auto o = OnboardedOutcome(std::filesystem::absolute(model_dir), w)) {
    out.method = Method::kOnboarded;
    std::tie(out.r, out.ex) = OnboardedRecommendation(b, w, *o, out.r);
    return out;
  }
  out.method = out.r.exact_match    ? Method::kMeasured
               : b.measured.empty() ? Method::kConsensus
                                    : Method::kZeroShot;
  if (out.method == Method::kZeroShot) out.r = ZeroShotRecommendation(b, w, out.r);
  const bool log_gains = out.method == Method::kZeroShot ||
                         b.model->params().objective == model::Objective::kRegression;
  out.ex = Explain(b, w, out.r, log_gains);
  return out;
}

void RunRecommend(const RecommendOptions& opt, const GlobalOptions& g) {
  SetupLogging(g);
  CheckMapOption(opt.map_png);
  const std::filesystem::path model_dir = ModelDirOf(opt.model_dir);
  deploy::ModelBundle b = deploy::LoadModelBundle(model_dir);
  if (opt.top_k > 0) b.params.return_top_k = opt.top_k;
  std::optional<darshan::LustreLayout> ran_with;
  const space::Workload w =
      opt.darshan_log.empty()
          ? LoadWorkloadArg(opt.workload_file, b.known.feature_names, b.feature_prefix)
          : DarshanWorkloadArg(opt.darshan_log, opt.module, b.known.feature_names, &ran_with);
  const Recommended rd = Recommend(b, model_dir, w);
  const deploy::Recommendation& r = rd.r;
  const Explained& ex = rd.ex;
  if (!opt.map_png.empty()) WriteMap(opt.map_png, b, w, r);
  if (!opt.emit.formats.empty()) {
    CheckEmitOptions(opt.emit, r.configs.size());
    EmitRecommendation(opt.emit, b, w, r, ex, opt.current);
    if (opt.emit.emit_dir.empty()) {
      for (const auto& warn : r.warnings) std::fprintf(stderr, "warning: %s\n", warn.c_str());
      return;
    }
  }
  if (opt.json) {
    PrintJson(b, w, r, ex, ran_with, opt.current, rd.method);
  } else {
    PrintText(b, w, r, ex, opt, rd.method);
    if (!opt.darshan_log.empty() && !r.configs.empty())
      std::printf("%s\n", RanWithLine(ran_with, b.space, r.configs.front().config).c_str());
    for (const auto& warn : r.warnings) std::printf("warning: %s\n", warn.c_str());
  }
}

}  // namespace

void AddRecommendCommand(CLI::App& root, GlobalOptions& g) {
  auto opt = std::make_shared<RecommendOptions>();
  auto* cmd = root.add_subcommand(
      "recommend", "Recommend settings for a workload (features or a Darshan log) from a study");
  cmd->add_option("-m,--model", opt->model_dir,
                  "The model directory of a finished study (<output-dir>/model), or the study's "
                  "directory")
      ->type_name("DIR")
      ->required();
  auto* workload = cmd->add_option("-w,--workload", opt->workload_file,
                                   "The workload's features as JSON (what `iorec features` prints, "
                                   "as in examples/workloads/); - reads standard input")
                       ->type_name("FILE");
  auto* darshan = cmd->add_option("--darshan", opt->darshan_log,
                                  "The application's Darshan log (binary, or darshan-parser "
                                  "text) instead of --workload; - reads standard input")
                      ->type_name("LOG");
  workload->excludes(darshan);
  cmd->add_option("--module", opt->module,
                  "Which counters a --darshan log's features come from: auto (MPI-IO when it "
                  "moved bytes, else POSIX), posix or mpiio (default: auto)")
      ->type_name("MODULE")
      ->check(CLI::IsMember({"auto", "posix", "mpiio"}))
      ->needs(darshan);
  cmd->add_option("-k,--top-k", opt->top_k,
                  "How many configs to print, 1 to 1000 (default: the study's deploy.return_top_k)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000));
  AddJsonFlag(cmd, opt->json, "the recommendations");
  auto* emit =
      cmd->add_option(
             "--emit", opt->emit.formats,
             "Print config #1 (or --rank N) as settings to apply: lfs (lfs setstripe lines), "
             "romio-hints (a ROMIO hints file and ROMIO_HINTS/MPICH_MPIIO_HINTS), lctl "
             "(lctl set_param lines: node-wide, root), slurm (a job-script fragment with all "
             "of it), json; several with commas or repeated")
          ->type_name("FORMAT:{lfs,romio-hints,lctl,slurm,json}")
          ->delimiter(',');
  cmd->add_option("--dir", opt->emit.dirs,
                  "An output directory of the job, for the lfs setstripe lines (repeatable; "
                  "default: ask for $OUTPUT_DIR)")
      ->type_name("DIR")
      ->needs(emit);
  cmd->add_option("--rank", opt->emit.rank, "Which ranked config --emit writes (default: 1)")
      ->type_name("N")
      ->needs(emit);
  cmd->add_option("--hints-file", opt->emit.hints_file,
                  "Where the ROMIO hints file is written (default: romio-hints.<workload> in the "
                  "current directory, or the job's submit directory for slurm)")
      ->type_name("PATH")
      ->needs(emit);
  cmd->add_option("--emit-dir", opt->emit.emit_dir,
                  "Write each --emit format to a file in DIR (lfs.sh, romio-hints.sh, lctl.sh, "
                  "slurm.sh, settings.json) instead of standard output")
      ->type_name("DIR")
      ->needs(emit);
  cmd->add_option("--current", opt->current,
                  "Your job's metric with its present settings (e.g. its MiB/s, or its run time "
                  "for a minimized metric): expected values are then given in absolute terms")
      ->type_name("VALUE")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--map", opt->map_png,
                  "Draw where the workload falls among the study's measured workloads (its "
                  "nearest ones highlighted) into FILE.png, with its .dat and .gp beside")
      ->type_name("FILE.png");
  AddCommonFlags(cmd, g);
  cmd->callback([opt, &g] {
    if (opt->workload_file.empty() == opt->darshan_log.empty()) {
      throw core::InputError(
          "recommend: name the workload with --workload FILE (its features) or --darshan LOG "
          "(its Darshan log)");
    }
    if (opt->json && !opt->emit.formats.empty() && opt->emit.emit_dir.empty()) {
      throw core::InputError(
          "recommend: --json and --emit both print to standard output; use --emit json, or "
          "--emit-dir DIR to write the --emit formats to files");
    }
    RunRecommend(*opt, g);
  });
}

}  // namespace iorec::app

// Study config: YAML parsing and validation. Every problem is collected (never stop at the
// first) and reported as "<file>: <key path>: <message>" in one core::InputError.
#include "iorec/config/study_config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/sampling/warm_start.hpp"

namespace iorec::config {
namespace {

namespace fs = std::filesystem;

using core::ConfigMap;
using core::ConfigNode;
using core::ConfigReader;

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  return ConfigReader::Join(items, sep);
}

std::string Quote(const std::string& s) { return ConfigReader::Quote(s); }

bool IsQuotedOrStrTagged(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  return tag == "!" || tag == "tag:yaml.org,2002:str";
}

/// The YAML document as a plain tree (quoted and !!str scalars keep that mark). Nesting is
/// bounded: an alias can make a node contain itself.
ConfigNode ToConfigNode(const YAML::Node& node, const std::string& origin, int depth = 0) {
  constexpr int kMaxDepth = 64;
  if (depth > kMaxDepth) {
    throw core::InputError(origin + ": values nest deeper than " + std::to_string(kMaxDepth) +
                           " levels (a recursive alias?)");
  }
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return ConfigNode::Scalar(node.Scalar(), IsQuotedOrStrTagged(node));
    case YAML::NodeType::Sequence: {
      std::vector<ConfigNode> items;
      for (const auto& item : node) items.push_back(ToConfigNode(item, origin, depth + 1));
      return ConfigNode::List(std::move(items));
    }
    case YAML::NodeType::Map: {
      std::vector<ConfigNode> keys, values;
      for (auto it = node.begin(); it != node.end(); ++it) {
        // Copy the pair: operator-> returns a proxy that dies at the end of the expression.
        const auto entry = *it;
        keys.push_back(ToConfigNode(entry.first, origin, depth + 1));
        values.push_back(ToConfigNode(entry.second, origin, depth + 1));
      }
      return ConfigNode::Map(std::move(keys), std::move(values));
    }
    default:
      return ConfigNode();
  }
}

// ---- Sections -------------------------------------------------------------------------

/// Parses one knob value as written: quoted scalars stay strings, plain ones are typed.
std::optional<space::KnobValue> ParseKnobValue(ConfigReader& p, const ConfigNode& node,
                                               const std::string& path) {
  if (node.IsNull()) {
    p.Add(path, "empty value");
    return std::nullopt;
  }
  if (!node.IsScalar()) {
    p.Add(path, "expected a scalar value (integer, float or string), got " + node.Describe());
    return std::nullopt;
  }
  const std::string& text = node.text();
  if (text.empty()) {
    p.Add(path, "empty value");
    return std::nullopt;
  }
  if (node.quoted()) return space::KnobValue::String(text);
  return space::KnobValue::FromText(text);
}

bool SameValue(const space::KnobValue& a, const space::KnobValue& b) {
  if (a == b) return true;
  const bool a_num = a.kind() != space::KnobValue::Kind::kString;
  const bool b_num = b.kind() != space::KnobValue::Kind::kString;
  if (!a_num || !b_num) return false;
  if (a.kind() == space::KnobValue::Kind::kInt && b.kind() == space::KnobValue::Kind::kInt) {
    return a.as_int() == b.as_int();
  }
  return a.as_double() == b.as_double();
}

/// The `parameters` list, or null (with the problem added) when it is missing, empty, not a
/// list or too long.
const ConfigNode* ParametersNode(ConfigReader& p, const ConfigMap& root) {
  const ConfigNode* node = root.Find("parameters");
  if (!node) {
    p.Add("parameters", "required key missing (list the knobs: name, values, is_ordered)");
    return nullptr;
  }
  if (node->IsNull() || (node->IsList() && node->size() == 0)) {
    p.Add("parameters", "must list at least one knob");
    return nullptr;
  }
  if (!node->IsList()) {
    p.Add("parameters", "expected a list of knobs, got " + node->Describe());
    return nullptr;
  }
  if (node->size() > kMaxKnobs) {
    p.Add("parameters", "has " + std::to_string(node->size()) + " knobs; at most " +
                            std::to_string(kMaxKnobs) + " are supported");
    return nullptr;
  }
  return node;
}

/// A knob's name into `knob`: not empty, no separators, not a name `knobs` already has
/// (`names_path`: where each of those was given).
void ParseKnobName(ConfigReader& p, const ConfigMap& m, const std::string& name_path,
                   const std::vector<space::Knob>& knobs,
                   const std::vector<std::string>& names_path, space::Knob& knob) {
  const ConfigNode* name = m.Find("name");
  if (!name) {
    p.Add(name_path, "required key missing");
    return;
  }
  auto s = p.String(*name, name_path);
  if (!s) return;
  if (s->empty()) {
    p.Add(name_path, "must not be empty");
  } else if (s->find_first_of(" \t\r\n=,") != std::string::npos) {
    p.Add(name_path, "knob name " + Quote(*s) + " must not contain whitespace, '=' or ','");
  } else {
    knob.name = *s;
    for (size_t j = 0; j < knobs.size(); ++j) {
      if (knobs[j].name == knob.name) {
        p.Add(name_path,
              "duplicate knob name " + Quote(knob.name) + " (also " + names_path[j] + ")");
      }
    }
  }
}

/// A knob's values into `knob`: a non-empty list, not too long, no value twice.
void ParseKnobValues(ConfigReader& p, const ConfigMap& m, const std::string& item_path,
                     space::Knob& knob) {
  const std::string knob_label = knob.name.empty() ? "" : " for knob " + Quote(knob.name);
  const std::string values_path = ConfigReader::Child(item_path, "values");
  const ConfigNode* values = m.Find("values");
  if (!values) {
    p.Add(values_path, "required key missing" + knob_label);
    return;
  }
  if (values->IsNull() || (values->IsList() && values->size() == 0)) {
    p.Add(values_path, "empty" + knob_label);
    return;
  }
  if (!values->IsList()) {
    p.Add(values_path, "expected a list of values" + knob_label + ", got " + values->Describe());
    return;
  }
  if (values->size() > space::kMaxLevels) {
    p.Add(values_path, "has " + std::to_string(values->size()) + " values" + knob_label +
                           "; at most " + std::to_string(space::kMaxLevels) +
                           " per knob are supported");
  }
  for (size_t j = 0; j < values->size(); ++j) {
    const std::string vpath = ConfigReader::Index(values_path, j);
    auto v = ParseKnobValue(p, (*values)[j], vpath);
    if (!v) continue;
    for (size_t k = 0; k < knob.values.size(); ++k) {
      if (SameValue(knob.values[k], *v)) {
        p.Add(vpath, "duplicate value " + Quote(v->text()) + knob_label + " (same as " +
                         ConfigReader::Index(values_path, k) + " " + Quote(knob.values[k].text()) +
                         ")");
        break;
      }
    }
    knob.values.push_back(std::move(*v));
  }
}

/// Returns the knobs, or nullopt when any knob had a problem.
std::optional<std::vector<space::Knob>> ParseParameters(ConfigReader& p, const ConfigMap& root) {
  const ConfigNode* node = ParametersNode(p, root);
  if (!node) return std::nullopt;
  bool ok = true;
  std::vector<space::Knob> knobs;
  std::vector<std::string> names_path;  // path of each accepted name, for duplicate messages
  for (size_t i = 0; i < node->size(); ++i) {
    const std::string item_path = ConfigReader::Index("parameters", i);
    const ConfigNode& item = (*node)[i];
    if (!item.IsMap()) {
      p.Add(item_path, "expected a mapping with name, values, is_ordered, got " + item.Describe());
      ok = false;
      continue;
    }
    const size_t before = p.problems().size();
    ConfigMap m = p.Map(item, item_path, {"name", "values", "is_ordered"});
    space::Knob knob;
    const std::string name_path = ConfigReader::Child(item_path, "name");
    ParseKnobName(p, m, name_path, knobs, names_path, knob);
    ParseKnobValues(p, m, item_path, knob);
    if (const ConfigNode* ord = m.Find("is_ordered")) {
      if (auto b = p.Bool(*ord, ConfigReader::Child(item_path, "is_ordered"))) knob.is_ordered = *b;
    }
    if (p.problems().size() != before) ok = false;
    names_path.push_back(name_path);
    knobs.push_back(std::move(knob));
  }
  if (!ok) return std::nullopt;
  return knobs;
}

std::optional<space::Config> ParseBaseline(ConfigReader& p, const ConfigMap& root,
                                           const space::Space& space) {
  std::vector<uint8_t> levels(space.num_knobs(), 0);
  const ConfigNode* node = root.Find("baseline");
  if (!node) return space::Config(levels);
  ConfigMap m = p.Map(*node, "baseline", {});
  if (!m.valid) return std::nullopt;
  bool ok = true;
  std::vector<std::string> names;
  for (const auto& k : space.knobs()) names.push_back(k.name);
  for (const auto& [name, value] : m.entries()) {
    const std::string path = ConfigReader::Child("baseline", name);
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      p.Add(path, "unknown knob " + Quote(name) + "; knobs are: " + Join(names, ", "));
      ok = false;
      continue;
    }
    const size_t k = static_cast<size_t>(it - names.begin());
    auto v = ParseKnobValue(p, *value, path);
    if (!v) {
      ok = false;
      continue;
    }
    const space::Knob& knob = space.knob(space::KnobIndex(k));
    std::optional<size_t> level;
    if (auto l = space.FindLevel(space::KnobIndex(k), *v)) level = l->value;
    // Lenient fallbacks: the same text with another kind (1 vs "1"), or equal numbers.
    for (size_t j = 0; !level && j < knob.values.size(); ++j) {
      if (knob.values[j].text() == v->text()) level = j;
    }
    for (size_t j = 0; !level && j < knob.values.size(); ++j) {
      if (SameValue(knob.values[j], *v)) level = j;
    }
    if (!level) {
      std::vector<std::string> texts;
      for (const auto& kv : knob.values) texts.push_back(kv.text());
      p.Add(path, "value " + Quote(v->text()) + " is not one of knob " + Quote(name) +
                      "'s values [" + Join(texts, ", ") + "]");
      ok = false;
      continue;
    }
    levels[k] = static_cast<uint8_t>(*level);
  }
  if (!ok) return std::nullopt;
  return space::Config(levels);
}

void ParseData(ConfigReader& p, const ConfigMap& root, DataConfig& d) {
  const ConfigNode* node = root.Find("data");
  if (!node) return;
  ConfigMap m = p.Map(*node, "data", {"input_dir", "n_patterns", "n_features", "feature_prefix"});
  p.StringField(m, "data", "input_dir", d.input_dir);
  p.IntField(m, "data", "n_patterns", d.n_patterns, 1, kMaxWorkloads);
  d.n_patterns_given = m.Find("n_patterns") != nullptr;
  p.IntField(m, "data", "n_features", d.n_features, 1, kMaxFeatures);
  p.StringField(m, "data", "feature_prefix", d.feature_prefix, /*allow_empty=*/false);
}

void ParseModel(ConfigReader& p, const ConfigMap& root, ModelConfig& c) {
  const ConfigNode* node = root.Find("model");
  if (!node) return;
  const std::string s = "model";
  ConfigMap m = p.Map(*node, s,
                      {"mode", "relevance_levels", "use_lightgbm", "num_rounds", "max_depth",
                       "learning_rate", "subsample_fraction", "min_child_weight", "local_gp"});
  p.EnumField(m, s, "mode", c.mode, {"ranking", "regression"},
              {ModelMode::kRanking, ModelMode::kRegression});
  // XGBoost's rank:ndcg uses exponential gain and rejects labels >= 32.
  p.IntField(m, s, "relevance_levels", c.relevance_levels, 2, 31);
  if (const ConfigNode* n = m.Find("use_lightgbm")) {
    if (auto b = p.Bool(*n, "model.use_lightgbm")) {
      if (!*b) {
        p.Add("model.use_lightgbm",
              "only gradient-boosted trees are supported (iorec uses XGBoost GBDT); set it to "
              "true or remove it");
      }
      c.use_lightgbm = true;
    }
  }
  p.IntField(m, s, "num_rounds", c.num_rounds, 1, 10000);
  p.IntField(m, s, "max_depth", c.max_depth, 1, 64);
  p.DoubleField(m, s, "learning_rate", c.learning_rate, ConfigReader::HalfOpen01());
  p.DoubleField(m, s, "subsample_fraction", c.subsample_fraction, ConfigReader::HalfOpen01());
  p.DoubleField(m, s, "min_child_weight", c.min_child_weight, ConfigReader::Between(0.0, 1e6));
  p.BoolField(m, s, "local_gp", c.local_gp);
}

void ParseActive(ConfigReader& p, const ConfigMap& root, ActiveConfig& a) {
  const ConfigNode* node = root.Find("active");
  if (!node) return;
  const std::string s = "active";
  ConfigMap m = p.Map(*node, s,
                      {"ensemble_size",
                       "iterations",
                       "batch_per_iter",
                       "beta_start",
                       "beta_end",
                       "lambda_redundancy",
                       "explore_mode",
                       "early_stop_rounds",
                       "low_sigma_threshold",
                       "oracle_mode",
                       "oracle_enum_threshold",
                       "oracle_sampled",
                       "enum_threshold_hard",
                       "candidate_max_pool",
                       "replicate_top_n",
                       "replicate_repeats",
                       "robust_score_z",
                       "transfer_seeds",
                       "model_ascent_steps",
                       "diversify_top_fraction",
                       "trust_region_knobs"});
  p.IntField(m, s, "ensemble_size", a.ensemble_size, 1, 1000);
  p.IntField(m, s, "iterations", a.iterations, 0, 1000);
  p.IntField(m, s, "batch_per_iter", a.batch_per_iter, 1, 1000);
  p.DoubleField(m, s, "beta_start", a.beta_start, ConfigReader::Between(0.0, 100.0));
  p.DoubleField(m, s, "beta_end", a.beta_end, ConfigReader::Between(0.0, 100.0));
  p.DoubleField(m, s, "lambda_redundancy", a.lambda_redundancy, ConfigReader::Between(0.0, 100.0));
  p.EnumField(m, s, "explore_mode", a.explore_mode, {"ucb", "thompson"},
              {ExploreMode::kUcb, ExploreMode::kThompson});
  p.IntField(m, s, "early_stop_rounds", a.early_stop_rounds, 0, 1000);
  p.DoubleField(m, s, "low_sigma_threshold", a.low_sigma_threshold,
                ConfigReader::Between(0.0, 100.0));
  p.EnumField(m, s, "oracle_mode", a.oracle_mode, {"warm_only", "heldout"},
              {OracleMode::kWarmOnly, OracleMode::kHeldout});
  // The oracle enumerates or samples the stub's space for every workload; the candidate pool
  // is scored for every workload in every iteration.
  p.UintField(m, s, "oracle_enum_threshold", a.oracle_enum_threshold, 10000000);
  p.IntField(m, s, "oracle_sampled", a.oracle_sampled, 1, 10000000);
  p.UintField(m, s, "enum_threshold_hard", a.enum_threshold_hard, 1000000);
  p.IntField(m, s, "candidate_max_pool", a.candidate_max_pool, 1, 1000000);
  p.IntField(m, s, "replicate_top_n", a.replicate_top_n, 0, 1000);
  p.IntField(m, s, "replicate_repeats", a.replicate_repeats, 0, 100);
  p.DoubleField(m, s, "robust_score_z", a.robust_score_z, ConfigReader::Between(0.0, 10.0));
  p.BoolField(m, s, "transfer_seeds", a.transfer_seeds);
  p.IntField(m, s, "model_ascent_steps", a.model_ascent_steps, 0, 1000);
  p.DoubleField(m, s, "diversify_top_fraction", a.diversify_top_fraction,
                ConfigReader::HalfOpen01());
  p.IntField(m, s, "trust_region_knobs", a.trust_region_knobs, 0, 255);
}

void ParseDeploy(ConfigReader& p, const ConfigMap& root, DeployConfig& d) {
  const ConfigNode* node = root.Find("deploy");
  if (!node) return;
  ConfigMap m = p.Map(*node, "deploy", {"topk_per_pattern", "knn_neighbors", "return_top_k"});
  p.IntField(m, "deploy", "topk_per_pattern", d.topk_per_pattern, 1, 10000);
  p.IntField(m, "deploy", "knn_neighbors", d.knn_neighbors, 1, 1000);
  p.IntField(m, "deploy", "return_top_k", d.return_top_k, 1, 1000);
}

void ParseEvaluation(ConfigReader& p, const ConfigMap& root, EvaluationConfig& e) {
  const ConfigNode* node = root.Find("evaluation");
  if (!node) return;
  const std::string s = "evaluation";
  ConfigMap m = p.Map(*node, s,
                      {"enabled", "split_mode", "temporal_split", "holdout_fraction_configs",
                       "holdout_fraction_patterns", "temporal_holdout_fraction", "top_k",
                       "hit_tolerance", "bootstrap_iters", "ci_level"});
  p.BoolField(m, s, "enabled", e.enabled);
  p.EnumField(
      m, s, "split_mode", e.split_mode,
      {"heldout_configs_per_pattern", "heldout_patterns", "temporal"},
      {SplitMode::kHeldoutConfigsPerPattern, SplitMode::kHeldoutPatterns, SplitMode::kTemporal});
  p.BoolField(m, s, "temporal_split", e.temporal_split);
  p.DoubleField(m, s, "holdout_fraction_configs", e.holdout_fraction_configs,
                ConfigReader::Open01());
  p.DoubleField(m, s, "holdout_fraction_patterns", e.holdout_fraction_patterns,
                ConfigReader::Open01());
  p.DoubleField(m, s, "temporal_holdout_fraction", e.temporal_holdout_fraction,
                ConfigReader::Open01());
  p.IntField(m, s, "top_k", e.top_k, 1, 1000);
  p.DoubleField(m, s, "hit_tolerance", e.hit_tolerance, ConfigReader::Between(0.0, 10.0));
  p.IntField(m, s, "bootstrap_iters", e.bootstrap_iters, 1, 100000);
  p.DoubleField(m, s, "ci_level", e.ci_level, ConfigReader::Open01());
}

void ParseReporting(ConfigReader& p, const ConfigMap& root, ReportingConfig& r) {
  const ConfigNode* node = root.Find("reporting");
  if (!node) return;
  ConfigMap m = p.Map(*node, "reporting", {"write_markdown_summary", "plots"});
  p.BoolField(m, "reporting", "write_markdown_summary", r.write_markdown_summary);
  p.BoolField(m, "reporting", "plots", r.plots);
}

/// A study whose trials would not fit (kMaxTrialsPerWorkload, kMaxTrials) is refused before
/// it starts; the total for workload files is checked when they are loaded.
void CheckTrialBudget(ConfigReader& p, const StudyConfig& cfg) {
  const int64_t per_workload = MaxTrialsPerWorkload(cfg);
  const ActiveConfig& a = cfg.active;
  const std::string formula = "warm_start.target_size " +
                              std::to_string(cfg.warm_start.target_size) + " + active.iterations " +
                              std::to_string(a.iterations) + " x (batch_per_iter " +
                              std::to_string(a.batch_per_iter) + " + replicate_top_n " +
                              std::to_string(std::min(a.replicate_top_n, a.batch_per_iter)) +
                              " x replicate_repeats " + std::to_string(a.replicate_repeats) + ")";
  if (per_workload > kMaxTrialsPerWorkload) {
    p.Add("active", "up to " + std::to_string(per_workload) + " trials per workload (" + formula +
                        "); at most " + std::to_string(kMaxTrialsPerWorkload) +
                        " are supported: lower active.iterations or active.batch_per_iter");
    return;
  }
  if (cfg.data.input_dir.empty() && per_workload * cfg.data.n_patterns > kMaxTrials) {
    p.Add("data.n_patterns", std::to_string(cfg.data.n_patterns) + " workloads x up to " +
                                 std::to_string(per_workload) + " trials each (" + formula +
                                 ") exceed " + std::to_string(kMaxTrials) + " trials");
  }
}

/// Checks the workload directory exists and holds JSON files (the files themselves are read
/// by LoadWorkloads).
void CheckInputDir(ConfigReader& p, const std::string& configured, const fs::path& resolved,
                   const fs::path& also_tried) {
  std::error_code ec;
  const std::string shown = configured == resolved.string()
                                ? Quote(configured)
                                : Quote(configured) + " (" + resolved.string() + ")";
  if (!fs::exists(resolved, ec)) {
    p.Add("data.input_dir", "workload directory " + shown + " does not exist" +
                                (also_tried.empty() ? ""
                                                    : ", nor under runner.io_synth_root (" +
                                                          also_tried.string() + ")"));
    return;
  }
  if (!fs::is_directory(resolved, ec)) {
    p.Add("data.input_dir", shown + " is not a directory");
    return;
  }
  bool any = false;
  fs::directory_iterator it(resolved, ec), end;
  if (ec) {
    p.Add("data.input_dir", "cannot list workload directory " + shown + ": " + ec.message());
    return;
  }
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    if (it->path().extension() == ".json" && it->is_regular_file(ec)) {
      any = true;
      break;
    }
  }
  if (!any) p.Add("data.input_dir", "workload directory " + shown + " holds no *.json files");
}

fs::path AgainstConfigDir(const fs::path& configured, const fs::path& origin) {
  if (configured.is_absolute() || !origin.has_parent_path()) return configured;
  return (origin.parent_path() / configured).lexically_normal();
}

/// A relative data.input_dir names a directory beside the config file; when there is none
/// there and runner.io_synth_root is set, the one under io_synth_root (the reference's rule).
/// `under_root` is set to the io_synth_root candidate when it was looked for.
fs::path ResolveInputDir(const std::string& input_dir, const fs::path& origin,
                         const RunnerConfig& runner, fs::path& under_root) {
  const fs::path configured(input_dir);
  const fs::path beside = AgainstConfigDir(configured, origin);
  std::error_code ec;
  if (configured.is_absolute() || fs::exists(beside, ec) || runner.real.io_synth_root.empty()) {
    return beside;
  }
  const fs::path root = AgainstConfigDir(runner.real.io_synth_root, origin);
  under_root = (root / configured).lexically_normal();
  return fs::exists(under_root, ec) ? under_root : beside;
}

/// The config's one YAML document as a mapping of sections. Malformed YAML throws at once;
/// a document that is not a mapping throws with every problem found so far.
ConfigNode LoadRootNode(ConfigReader& p, const std::string& yaml_text,
                        const std::string& origin_text) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(yaml_text);
  } catch (const YAML::ParserException& e) {
    std::string msg = e.msg;
    if (!msg.empty()) msg[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(msg[0])));
    throw core::InputError(origin_text + ": line " + std::to_string(e.mark.line + 1) + ", column " +
                           std::to_string(e.mark.column + 1) + ": malformed YAML: " + msg);
  }
  if (docs.size() > 1) {
    p.Add("", "holds " + std::to_string(docs.size()) + " YAML documents; a config is one document");
  }
  ConfigNode root_node = docs.empty() ? ConfigNode() : ToConfigNode(docs.front(), origin_text);
  p.CheckUtf8(root_node, "");
  if (!root_node.IsMap()) {
    if (root_node.IsNull()) {
      p.Add("parameters", "required key missing (the config is empty)");
    } else {
      p.Add("",
            "expected a mapping of sections (seed, parameters, ...), got " + root_node.Describe());
    }
    p.problems().ThrowIfAny();
  }
  return root_node;
}

/// `warm_start`, and its size against the anchors when the baseline parsed.
void ParseWarmStart(ConfigReader& p, const ConfigMap& root, bool have_baseline, StudyConfig& cfg) {
  if (const ConfigNode* n = root.Find("warm_start")) {
    ConfigMap m = p.Map(*n, "warm_start", {"target_size"});
    p.IntField(m, "warm_start", "target_size", cfg.warm_start.target_size, 1,
               kMaxTrialsPerWorkload);
  }
  if (!have_baseline) return;
  const size_t anchors = CountAnchors(cfg.space, cfg.baseline);
  const int t = cfg.warm_start.target_size;
  if (t >= 1 && static_cast<size_t>(t) < anchors) {
    p.Add("warm_start.target_size", "must be >= the number of anchor configs (" +
                                        std::to_string(anchors) + "), got " + std::to_string(t));
  }
}

/// Checks across sections, and data.input_dir resolved against the config's place.
void CheckAcrossSections(ConfigReader& p, const fs::path& origin, StudyConfig& cfg) {
  if (cfg.active.candidate_max_pool < cfg.active.batch_per_iter) {
    p.Add("active.candidate_max_pool", "must be >= active.batch_per_iter (" +
                                           std::to_string(cfg.active.batch_per_iter) + "), got " +
                                           std::to_string(cfg.active.candidate_max_pool));
  }
  CheckTrialBudget(p, cfg);
  if (!cfg.data.input_dir.empty()) {
    fs::path under_root;
    const fs::path resolved = ResolveInputDir(cfg.data.input_dir, origin, cfg.runner, under_root);
    CheckInputDir(p, cfg.data.input_dir, resolved,
                  resolved == under_root ? fs::path() : under_root);
    cfg.data.input_dir = resolved.string();
  }
}

StudyConfig ParseImpl(const std::string& yaml_text, const fs::path& origin) {
  const std::string origin_text = origin.string();
  ConfigReader p(origin_text);
  StudyConfig cfg;
  cfg.source_path = origin;
  const ConfigNode root_node = LoadRootNode(p, yaml_text, origin_text);
  const ConfigMap root =
      p.Map(root_node, "",
            {"seed", "parameters", "baseline", "data", "warm_start", "model", "active", "deploy",
             "runner", "evaluation", "contribution", "reporting"});

  if (const ConfigNode* n = root.Find("seed")) {
    if (auto v = p.Uint(*n, "seed")) cfg.seed = *v;
  }
  auto knobs = ParseParameters(p, root);
  std::optional<space::Config> baseline;
  if (knobs) {
    cfg.space = space::Space(std::move(*knobs));
    baseline = ParseBaseline(p, root, cfg.space);
    if (baseline) cfg.baseline = *baseline;
  } else if (const ConfigNode* b = root.Find("baseline")) {
    // The knobs are broken, but the baseline's shape can still be checked.
    p.Map(*b, "baseline", {});
  }
  ParseData(p, root, cfg.data);
  ParseWarmStart(p, root, baseline.has_value(), cfg);
  ParseModel(p, root, cfg.model);
  ParseActive(p, root, cfg.active);
  ParseDeploy(p, root, cfg.deploy);
  if (const ConfigNode* n = root.Find("runner")) {
    cfg.runner = runner::ParseRunnerSettings(p, *n, knobs ? &cfg.space : nullptr, origin);
  }
  ParseEvaluation(p, root, cfg.evaluation);
  if (const ConfigNode* n = root.Find("contribution")) {
    const ConfigMap m = p.Map(*n, "contribution", {"top_k"});
    p.IntField(m, "contribution", "top_k", cfg.contribution.top_k, 1, 1000);
  }
  ParseReporting(p, root, cfg.reporting);

  CheckAcrossSections(p, origin, cfg);
  p.problems().ThrowIfAny();
  return cfg;
}

}  // namespace

StudyConfig ParseStudyConfig(const std::string& yaml_text, const std::filesystem::path& origin) {
  try {
    return ParseImpl(yaml_text, origin);
  } catch (const core::InputError&) {
    throw;
  } catch (const YAML::Exception& e) {
    throw core::InputError(origin.string() + ": line " + std::to_string(e.mark.line + 1) +
                           ": malformed YAML: " + e.msg);
  } catch (const std::exception& e) {
    throw core::InputError(origin.string() + ": cannot read config: " + e.what());
  }
}

StudyConfig LoadStudyConfig(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw core::InputError(path.string() + ": config file does not exist");
  }
  if (std::filesystem::is_directory(path, ec)) {
    throw core::InputError(path.string() + ": is a directory, expected a YAML config file");
  }
  return ParseStudyConfig(core::ReadInputFile(path, core::kMaxInputFileBytes, "a config file"),
                          path);
}

int64_t MaxTrialsPerWorkload(const StudyConfig& cfg) {
  const ActiveConfig& a = cfg.active;
  const int64_t replicates =
      static_cast<int64_t>(std::min(a.replicate_top_n, a.batch_per_iter)) * a.replicate_repeats;
  return cfg.warm_start.target_size +
         static_cast<int64_t>(a.iterations) * (static_cast<int64_t>(a.batch_per_iter) + replicates);
}

size_t CountAnchors(const space::Space& space, const space::Config& baseline) {
  if (space.num_knobs() == 0) return 0;
  return sampling::Anchors(space, baseline).size();
}

const char* ToString(ModelMode m) {
  switch (m) {
    case ModelMode::kRanking:
      return "ranking";
    case ModelMode::kRegression:
      return "regression";
  }
  return "unknown";
}

const char* ToString(ExploreMode m) {
  switch (m) {
    case ExploreMode::kUcb:
      return "ucb";
    case ExploreMode::kThompson:
      return "thompson";
  }
  return "unknown";
}

const char* ToString(OracleMode m) {
  switch (m) {
    case OracleMode::kWarmOnly:
      return "warm_only";
    case OracleMode::kHeldout:
      return "heldout";
  }
  return "unknown";
}

const char* ToString(SplitMode m) {
  switch (m) {
    case SplitMode::kHeldoutConfigsPerPattern:
      return "heldout_configs_per_pattern";
    case SplitMode::kHeldoutPatterns:
      return "heldout_patterns";
    case SplitMode::kTemporal:
      return "temporal";
  }
  return "unknown";
}

}  // namespace iorec::config

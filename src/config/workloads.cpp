// Workloads for a study: JSON files in a directory, or seeded synthetic ones.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "iorec/config/study_config.hpp"
#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/core/rng.hpp"
#include "iorec/core/text.hpp"
#include "iorec/runner/command_runner.hpp"

namespace iorec::config {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kNprocs = "nprocs";

std::string JoinNames(const std::vector<std::string>& names, size_t max_shown = 12) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < max_shown; ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  if (names.size() > max_shown) {
    out += ", ... (" + std::to_string(names.size() - max_shown) + " more)";
  }
  return out;
}

const char* JsonTypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "a number";
  }
}

/// One workload file, read but not yet checked against a feature list.
struct ParsedWorkload {
  std::map<std::string, double> features;  ///< numeric prefix fields and nprocs
  std::map<std::string, std::string> attributes;
  bool ok = false;
};

/// `file` names the text in messages.
ParsedWorkload ParseWorkloadJson(const std::string& text, const std::string& file,
                                 const std::string& prefix, core::ProblemList& problems) {
  ParsedWorkload out;
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    // Parse again with exceptions on to get the position of the error.
    try {
      doc = json::parse(text);
    } catch (const json::exception& e) {
      // parse_error, or out_of_range for a number beyond double's range ("1e400").
      std::string what = e.what();
      const auto pos = what.find("] ");
      problems.Add(file +
                   ": malformed JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2)));
      return out;
    }
  }
  if (doc.is_array() && doc.size() == 1 && doc[0].is_object()) doc = doc[0];
  if (!doc.is_object()) {
    problems.Add(file + ": expected a JSON object of workload features, got " +
                 std::string(JsonTypeName(doc)) +
                 (doc.is_array() ? " (arrays must hold exactly one object)" : ""));
    return out;
  }
  const size_t before = problems.size();
  size_t n_features = 0;
  for (const auto& [key, value] : doc.items()) {
    n_features += key == kNprocs || key.rfind(prefix, 0) == 0;
  }
  if (n_features > static_cast<size_t>(kMaxFeatures) + 1) {
    problems.Add(file + ": has " + std::to_string(n_features) + " features; at most " +
                 std::to_string(kMaxFeatures) + " plus 'nprocs' are supported");
    return out;
  }
  for (const auto& [key, value] : doc.items()) {
    const bool is_feature = key == kNprocs || (key.rfind(prefix, 0) == 0);
    if (is_feature) {
      if (!value.is_number()) {
        problems.Add(file + ": feature '" + key + "' must be a number, got " + JsonTypeName(value));
        continue;
      }
      const double v = value.get<double>();
      if (const std::string why = FeatureValueProblem(key, v); !why.empty()) {
        problems.Add(file + ": " + why);
        continue;
      }
      out.features[key] = v;
    } else {
      out.attributes[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  out.ok = problems.size() == before;
  return out;
}

/// "" when the file name can be a workload id (which every output names), else why not.
std::string FileNameProblem(const fs::path& path) {
  const std::string why = core::Utf8Problem(path.stem().string());
  return why.empty() ? why : path.string() + ": the file name " + why + "; rename the file";
}

ParsedWorkload ReadWorkloadJson(const fs::path& path, const std::string& prefix,
                                core::ProblemList& problems) {
  if (const std::string why = FileNameProblem(path); !why.empty()) {
    problems.Add(why);
    return {};
  }
  try {
    return ParseWorkloadJson(core::ReadInputFile(path, core::kMaxInputFileBytes, "a workload file"),
                             path.string(), prefix, problems);
  } catch (const core::InputError& e) {
    problems.Add(e.what());
    return {};
  }
}

/// Features of `found` missing from / extra to `expected`, as a message fragment ("" if equal).
std::string CompareFeatures(const std::vector<std::string>& expected,
                            const std::map<std::string, double>& found) {
  std::vector<std::string> missing, extra;
  const std::set<std::string> want(expected.begin(), expected.end());
  for (const auto& name : expected) {
    if (!found.count(name)) missing.push_back(name);
  }
  for (const auto& [name, value] : found) {
    if (!want.count(name)) extra.push_back(name);
  }
  std::string msg;
  if (!missing.empty()) msg += "missing features: " + JoinNames(missing);
  if (!extra.empty())
    msg += std::string(msg.empty() ? "" : "; ") + "extra features: " + JoinNames(extra);
  return msg;
}

std::string ZeroPad(int value, int width) {
  std::string s = std::to_string(value);
  if (static_cast<int>(s.size()) < width) s.insert(0, static_cast<size_t>(width) - s.size(), '0');
  return s;
}

int DigitWidth(int n) {
  return std::max(2, static_cast<int>(std::to_string(std::max(n, 0)).size()));
}

/// Two workloads must never share a trial directory (one would run the other's benchmark).
void CheckTrialDirNames(const space::WorkloadSet& set, core::ProblemList& problems) {
  std::map<std::string, const space::Workload*> by_dir;
  for (const auto& w : set.workloads) {
    const std::string dir = runner::SafeDirName(w.id);
    const auto [it, inserted] = by_dir.emplace(dir, &w);
    if (!inserted) {
      problems.Add(w.source_file + ": workload '" + w.id + "' would share the trial directory '" +
                   dir + "' with workload '" + it->second->id + "' (" + it->second->source_file +
                   "); rename one of the files");
    }
  }
}

/// The study's trials must fit (kMaxWorkloads, kMaxTrials); `what` names the directory.
void CheckWorkloadCount(const StudyConfig& cfg, size_t n, const std::string& what) {
  if (n > static_cast<size_t>(kMaxWorkloads)) {
    throw core::InputError(what + " holds " + std::to_string(n) + " workload files; at most " +
                           std::to_string(kMaxWorkloads) + " are supported");
  }
  const int64_t per_workload = MaxTrialsPerWorkload(cfg);
  if (static_cast<int64_t>(n) * per_workload > kMaxTrials) {
    throw core::InputError(what + ": " + std::to_string(n) + " workloads x up to " +
                           std::to_string(per_workload) + " trials each exceed " +
                           std::to_string(kMaxTrials) +
                           " trials; lower warm_start.target_size, active.iterations or "
                           "active.batch_per_iter");
  }
}

}  // namespace

std::string FeatureValueProblem(const std::string& name, double value) {
  char buf[64];
  const std::string got(buf, std::to_chars(buf, buf + sizeof buf, value).ptr);
  const std::string shown = "feature '" + name + "'";
  if (!std::isfinite(value)) return shown + " must be a finite number, got " + got;
  if (name == kNprocs && value < 1) return shown + " must be >= 1, got " + got;
  if (std::fabs(value) > kMaxFeatureMagnitude) return shown + " must be within +-1e12, got " + got;
  return "";
}

space::Workload ParseWorkloadText(const std::string& json_text, const std::filesystem::path& origin,
                                  const std::vector<std::string>& feature_names,
                                  const std::string& feature_prefix) {
  if (const std::string why = FileNameProblem(origin); !why.empty()) throw core::InputError(why);
  core::ProblemList problems;
  ParsedWorkload parsed = ParseWorkloadJson(json_text, origin.string(), feature_prefix, problems);
  problems.ThrowIfAny();
  const std::string diff = CompareFeatures(feature_names, parsed.features);
  if (!diff.empty()) {
    throw core::InputError(origin.string() + ": features do not match the expected set: " + diff);
  }
  space::Workload w;
  w.id = origin.stem().string();
  w.source_file = origin.string();
  w.attributes = std::move(parsed.attributes);
  for (const auto& name : feature_names) w.features.push_back(parsed.features.at(name));
  return w;
}

space::Workload LoadWorkloadFile(const std::filesystem::path& path,
                                 const std::vector<std::string>& feature_names,
                                 const std::string& feature_prefix) {
  return ParseWorkloadText(core::ReadInputFile(path, core::kMaxInputFileBytes, "a workload file"),
                           path, feature_names, feature_prefix);
}

space::WorkloadSet LoadWorkloads(const StudyConfig& cfg) {
  if (cfg.data.input_dir.empty()) {
    return SyntheticWorkloads(cfg.seed, cfg.data.n_patterns, cfg.data.n_features,
                              cfg.data.feature_prefix);
  }
  const fs::path dir(cfg.data.input_dir);
  const std::string where =
      (cfg.source_path.empty() ? std::string() : cfg.source_path.string() + ": ") +
      "data.input_dir: ";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw core::InputError(where + "workload directory '" + dir.string() + "' does not exist");
  }
  std::vector<fs::path> files;
  fs::directory_iterator it(dir, ec), end;
  if (ec) {
    throw core::InputError(where + "cannot list '" + dir.string() + "': " + ec.message());
  }
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    if (it->path().extension() == ".json" && it->is_regular_file(ec)) files.push_back(it->path());
  }
  if (files.empty()) {
    throw core::InputError(where + "workload directory '" + dir.string() +
                           "' holds no *.json files");
  }
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    return a.filename().string() < b.filename().string();
  });
  // data.n_patterns next to input_dir keeps the first files by name, as the reference does.
  if (cfg.data.n_patterns_given && files.size() > static_cast<size_t>(cfg.data.n_patterns)) {
    files.resize(static_cast<size_t>(cfg.data.n_patterns));
  }
  CheckWorkloadCount(cfg, files.size(), where + "workload directory '" + dir.string() + "'");

  core::ProblemList problems;
  space::WorkloadSet set;
  const std::string& prefix = cfg.data.feature_prefix;
  std::string reference_file;  // the first good file; it defines the feature set
  for (const auto& file : files) {
    ParsedWorkload parsed = ReadWorkloadJson(file, prefix, problems);
    if (!parsed.ok) continue;
    const size_t n_prefixed = parsed.features.size() - parsed.features.count(kNprocs);
    if (n_prefixed == 0) {
      problems.Add(file.string() + ": no numeric fields whose name starts with '" + prefix + "'");
      continue;
    }
    if (!parsed.features.count(kNprocs)) {
      problems.Add(file.string() + ": missing required numeric field 'nprocs'");
      continue;
    }
    if (reference_file.empty()) {
      reference_file = file.filename().string();
      for (const auto& [name, value] : parsed.features) {
        if (name != kNprocs) set.feature_names.push_back(name);  // std::map: sorted
      }
      set.feature_names.push_back(kNprocs);
    } else {
      const std::string diff = CompareFeatures(set.feature_names, parsed.features);
      if (!diff.empty()) {
        problems.Add(file.string() + ": feature set differs from " + reference_file + ": " + diff);
        continue;
      }
    }
    space::Workload w;
    w.id = file.stem().string();
    w.source_file = file.string();
    w.attributes = std::move(parsed.attributes);
    for (const auto& name : set.feature_names) w.features.push_back(parsed.features.at(name));
    set.workloads.push_back(std::move(w));
  }
  CheckTrialDirNames(set, problems);
  problems.ThrowIfAny();
  return set;
}

space::WorkloadSet SyntheticWorkloads(uint64_t seed, int n_patterns, int n_features,
                                      const std::string& feature_prefix) {
  if (n_patterns < 1 || n_features < 1) {
    throw core::InputError("synthetic workloads: n_patterns and n_features must be >= 1, got " +
                           std::to_string(n_patterns) + " and " + std::to_string(n_features));
  }
  core::Rng rng(seed, "synthetic_workloads");
  const int n_clusters = std::min(5, n_patterns);
  // Cluster centres, each feature uniform in [0.1, 0.9] so jitter stays mostly inside [0, 1].
  std::vector<std::vector<double>> centres(static_cast<size_t>(n_clusters));
  for (auto& c : centres) {
    c.resize(static_cast<size_t>(n_features));
    for (auto& x : c) x = 0.1 + 0.8 * rng.Uniform();
  }
  space::WorkloadSet set;
  const int fw = DigitWidth(n_features - 1);
  for (int f = 0; f < n_features; ++f)
    set.feature_names.push_back(feature_prefix + "f" + ZeroPad(f, fw));
  const int iw = DigitWidth(n_patterns - 1);
  constexpr double kJitter = 0.05;
  for (int i = 0; i < n_patterns; ++i) {
    space::Workload w;
    w.id = "synthetic_" + ZeroPad(i, iw);
    const auto& centre = centres[static_cast<size_t>(i % n_clusters)];
    w.features.reserve(static_cast<size_t>(n_features));
    for (int f = 0; f < n_features; ++f) {
      const double x = centre[static_cast<size_t>(f)] + rng.Normal(0.0, kJitter);
      w.features.push_back(std::clamp(x, 0.0, 1.0));
    }
    set.workloads.push_back(std::move(w));
  }
  return set;
}

}  // namespace iorec::config

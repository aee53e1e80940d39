#include "iorec/deploy/model_bundle.hpp"

#include <nlohmann/json.hpp>

#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/core/hash.hpp"
#include "iorec/space/json.hpp"

namespace iorec::deploy {
namespace {

/// 2: each workload carries its baseline perf and entries their robust perf (format 1 held
/// perf - baseline differences, from which both are recovered).
/// 3: each member file is listed with its size and SHA-1, checked before XGBoost reads it.
constexpr int kBundleFormat = 3;

using Json = nlohmann::ordered_json;

const char* KindName(space::KnobValue::Kind k) {
  switch (k) {
    case space::KnobValue::Kind::kInt:
      return "int";
    case space::KnobValue::Kind::kFloat:
      return "float";
    case space::KnobValue::Kind::kString:
      return "string";
  }
  return "string";
}

space::KnobValue ValueFrom(const std::string& kind, const std::string& text) {
  if (kind == "int") return space::KnobValue::Int(std::stoll(text), text);
  if (kind == "float") return space::KnobValue::Float(std::stod(text), text);
  return space::KnobValue::String(text);
}

Json LevelsJson(const space::Config& c) {
  Json j = Json::array();
  for (uint8_t l : c.levels()) j.push_back(l);
  return j;
}

space::Config LevelsFrom(const nlohmann::json& j, const space::Space& s) {
  std::vector<uint8_t> lv;
  for (const auto& v : j) lv.push_back(v.get<uint8_t>());
  if (lv.size() != s.num_knobs()) throw core::Error("config has wrong number of levels");
  for (size_t k = 0; k < lv.size(); ++k) {
    if (lv[k] >= s.levels(k)) throw core::Error("level index out of range");
  }
  return space::Config(std::move(lv));
}

Json EnsembleJson(const model::EnsembleParams& p) {
  return Json{{"members", p.members},
              {"relevance_levels", p.relevance_levels},
              {"num_rounds", p.num_rounds},
              {"max_depth", p.max_depth},
              {"learning_rate", p.learning_rate},
              {"subsample_fraction", p.subsample_fraction},
              {"min_child_weight", p.min_child_weight}};
}

Json KnobsJson(const space::Space& space) {
  Json knobs = Json::array();
  for (const auto& k : space.knobs()) {
    Json kj;
    kj["name"] = k.name;
    kj["is_ordered"] = k.is_ordered;
    for (const auto& v : k.values) {
      kj["values"].push_back(space::KnobValueJson(v));
      kj["value_kinds"].push_back(KindName(v.kind()));
      kj["value_texts"].push_back(v.text());
    }
    knobs.push_back(kj);
  }
  return knobs;
}

Json WorkloadsJson(const ModelBundle& b) {
  Json wl = Json::array();
  for (size_t w = 0; w < b.known.workloads.size(); ++w) {
    const auto& wk = b.known.workloads[w];
    Json e;
    e["id"] = wk.id;
    e["features"] = wk.features;
    const bool has_base = w < b.matrix.size() && b.matrix.has_baseline[w];
    e["baseline_perf"] = has_base ? Json(b.matrix.baseline[w].value) : Json(nullptr);
    auto& top = e["top"] = Json::array();
    for (size_t i = 0; has_base && i < b.matrix.top[w].size(); ++i) {
      const auto& m = b.matrix.top[w][i];
      top.push_back({{"levels", LevelsJson(m.config)},
                     {"mean_perf", m.mean_perf.value},
                     {"std_perf", m.std_perf},
                     {"robust_perf", m.robust_perf.value},
                     {"runs", m.runs},
                     {"mean_gain", b.matrix.MeanGain(w, m).value},
                     {"robust_gain", b.matrix.RobustGain(w, m).value}});
    }
    if (w < b.measured.size()) {
      auto& measured = e["measured"] = Json::array();
      for (const auto& m : b.measured[w]) {
        measured.push_back({{"levels", LevelsJson(m.config)}, {"mean_perf", m.mean_perf.value}});
      }
    }
    wl.push_back(e);
  }
  return wl;
}

std::vector<space::Knob> KnobsFrom(const nlohmann::json& j) {
  std::vector<space::Knob> knobs;
  for (const auto& kj : j) {
    space::Knob k;
    k.name = kj.at("name").get<std::string>();
    k.is_ordered = kj.at("is_ordered").get<bool>();
    const auto& kinds = kj.at("value_kinds");
    const auto& texts = kj.at("value_texts");
    for (size_t i = 0; i < texts.size(); ++i) {
      k.values.push_back(ValueFrom(kinds.at(i).get<std::string>(), texts.at(i).get<std::string>()));
    }
    knobs.push_back(std::move(k));
  }
  return knobs;
}

/// One workload's matrix row. Format 1 stored mean_gain = mean_perf - baseline and
/// robust_gain = robust_perf - baseline.
void MatrixRowFrom(const nlohmann::json& e, int format, const space::Space& space,
                   RecommendationMatrix& m) {
  std::vector<MatrixEntry> top;
  for (const auto& j : e.at("top")) {
    MatrixEntry me;
    me.config = LevelsFrom(j.at("levels"), space);
    me.mean_perf.value = j.at("mean_perf").get<double>();
    me.std_perf = j.at("std_perf").get<double>();
    me.robust_perf.value = format == 1 ? me.mean_perf.value - (j.at("mean_gain").get<double>() -
                                                               j.at("robust_gain").get<double>())
                                       : j.at("robust_perf").get<double>();
    me.runs = j.at("runs").get<int>();
    top.push_back(std::move(me));
  }
  state::Perf base;
  bool has_base = false;
  if (format == 1 && !top.empty()) {
    const auto& first = e.at("top").at(0);
    base.value = first.at("mean_perf").get<double>() - first.at("mean_gain").get<double>();
    has_base = true;
  } else if (format != 1 && !e.at("baseline_perf").is_null()) {
    base.value = e.at("baseline_perf").get<double>();
    has_base = true;
  }
  m.workload_ids.push_back(e.at("id").get<std::string>());
  m.baseline.push_back(base);
  m.has_baseline.push_back(has_base);
  m.top.push_back(std::move(top));
}

/// A member file's bytes. Format 3 entries ({file, bytes, sha1}) are checked: a file of another
/// size or content is damage, reported before XGBoost (which crashes or runs out of memory on
/// some damaged models) sees it. Earlier formats list bare names and are read unchecked.
std::string ReadMember(const nlohmann::json& entry, const std::filesystem::path& dir, int format) {
  const bool checked = format >= 3;
  const std::string name = checked ? entry.at("file").get<std::string>() : entry.get<std::string>();
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    throw core::Error("member file '" + name + "' is not a file name in the model directory");
  }
  const std::filesystem::path path = dir / name;
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::is_regular_file(status)) {
    throw core::InputError(
        path.string() + ": model member file " +
        (std::filesystem::exists(status) ? "is not a regular file" : "is missing") +
        "; the model directory is damaged (run the study again or restore "
        "the directory)");
  }
  if (!checked) return core::ReadFile(path);
  const auto expected_bytes = entry.at("bytes").get<uint64_t>();
  const auto expected_sha1 = entry.at("sha1").get<std::string>();
  const uint64_t actual_bytes = std::filesystem::file_size(path, ec);
  const auto damaged = [&](const std::string& what) {
    return core::InputError(path.string() + ": model member file is damaged (" + what +
                            "); run the study again or restore the model directory");
  };
  if (ec || actual_bytes != expected_bytes) {
    throw damaged(std::to_string(actual_bytes) + " bytes, model.json records " +
                  std::to_string(expected_bytes));
  }
  std::string bytes = core::ReadFile(path);
  if (bytes.size() != expected_bytes || core::Sha1Hex(bytes) != expected_sha1) {
    throw damaged("its SHA-1 differs from the one model.json records");
  }
  return bytes;
}

std::shared_ptr<model::XgbEnsemble> EnsembleFrom(const nlohmann::json& j,
                                                 const std::filesystem::path& dir, size_t width) {
  model::EnsembleParams p;
  p.objective = j.at("objective").get<std::string>() == "ranking" ? model::Objective::kRanking
                                                                  : model::Objective::kRegression;
  const auto& ej = j.at("ensemble");
  p.members = ej.at("members").get<int>();
  p.relevance_levels = ej.at("relevance_levels").get<int>();
  p.num_rounds = ej.at("num_rounds").get<int>();
  p.max_depth = ej.at("max_depth").get<int>();
  p.learning_rate = ej.at("learning_rate").get<double>();
  p.subsample_fraction = ej.at("subsample_fraction").get<double>();
  p.min_child_weight = ej.at("min_child_weight").get<double>();
  std::vector<std::string> members;
  for (const auto& m : j.at("members"))
    members.push_back(ReadMember(m, dir, j.at("format").get<int>()));
  auto model = std::make_shared<model::XgbEnsemble>(p);
  model->LoadMembers(members, width);
  return model;
}

ModelBundle BundleFrom(const nlohmann::json& j, const std::filesystem::path& dir) {
  const int format = j.at("format").get<int>();
  if (format < 1 || format > kBundleFormat) {
    throw core::Error("unsupported bundle format " + j.at("format").dump());
  }
  ModelBundle b;
  b.space = space::Space(KnobsFrom(j.at("knobs")));
  b.baseline = LevelsFrom(j.at("baseline"), b.space);
  b.feature_prefix = j.value("feature_prefix", "pct_");
  b.runner_mode = j.value("runner_mode", "");
  if (j.contains("metric")) {
    const auto& mj = j.at("metric");
    const std::string dir = mj.value("direction", "maximize");
    if (dir != "maximize" && dir != "minimize")
      throw core::Error("metric.direction must be maximize or minimize, got '" + dir + "'");
    b.metric.direction =
        dir == "minimize" ? state::Direction::kMinimize : state::Direction::kMaximize;
    b.metric.name = mj.value("name", "");
    b.metric.unit = mj.value("unit", "");
  }
  b.known.feature_names = j.at("feature_names").get<std::vector<std::string>>();
  for (const auto& e : j.at("workloads")) {
    space::Workload w;
    w.id = e.at("id").get<std::string>();
    w.features = e.at("features").get<std::vector<double>>();
    if (w.features.size() != b.known.feature_names.size()) {
      throw core::Error("workload '" + w.id + "' has the wrong number of features");
    }
    b.known.workloads.push_back(std::move(w));
    MatrixRowFrom(e, format, b.space, b.matrix);
    if (e.contains("measured")) {
      auto& row = b.measured.emplace_back();
      for (const auto& m : e.at("measured")) {
        row.push_back({LevelsFrom(m.at("levels"), b.space), {m.at("mean_perf").get<double>()}});
      }
    }
  }
  if (!b.measured.empty() && b.measured.size() != b.known.workloads.size()) {
    throw core::Error("some workloads carry their measured configs and some do not");
  }
  b.params.knn_neighbors = j.at("deploy").at("knn_neighbors").get<int>();
  b.params.return_top_k = j.at("deploy").at("return_top_k").get<int>();
  b.model = EnsembleFrom(j, dir, b.known.feature_names.size() + b.space.ConfigWidth());
  return b;
}

}  // namespace

void SaveModelBundle(const std::filesystem::path& dir, const ModelBundle& b) {
  Json j;
  j["format"] = kBundleFormat;
  j["iorec_version"] = IOREC_VERSION;
  j["objective"] =
      b.model->params().objective == model::Objective::kRanking ? "ranking" : "regression";
  j["ensemble"] = EnsembleJson(b.model->params());
  j["deploy"] = {{"knn_neighbors", b.params.knn_neighbors},
                 {"return_top_k", b.params.return_top_k}};
  j["feature_prefix"] = b.feature_prefix;
  j["runner_mode"] = b.runner_mode;
  j["metric"] = {{"direction", state::ToString(b.metric.direction)},
                 {"name", b.metric.name},
                 {"unit", b.metric.unit}};
  j["feature_names"] = b.known.feature_names;
  j["knobs"] = KnobsJson(b.space);
  j["baseline"] = LevelsJson(b.baseline);
  j["workloads"] = WorkloadsJson(b);
  const auto members = b.model->SerializeMembers();
  for (size_t i = 0; i < members.size(); ++i) {
    const std::string name = "member_" + std::to_string(i) + ".ubj";
    core::WriteFileAtomic(dir / name, members[i]);
    j["members"].push_back(
        {{"file", name}, {"bytes", members[i].size()}, {"sha1", core::Sha1Hex(members[i])}});
  }
  core::WriteFileAtomic(dir / "model.json", j.dump(2) + "\n");
}

ModelBundle LoadModelBundle(const std::filesystem::path& dir) {
  const auto path = dir / "model.json";
  if (!std::filesystem::exists(path)) {
    throw core::InputError(dir.string() + ": not a model directory (no model.json)");
  }
  const std::string text = core::ReadFile(path);
  try {
    return BundleFrom(nlohmann::json::parse(text), dir);
  } catch (const core::InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw core::InputError(path.string() + ": invalid model bundle: " + e.what());
  }
}

state::StudyState MeasuredState(const ModelBundle& b) {
  state::StudyState st(b.space, b.baseline, b.known, state::Direction::kMaximize);
  uint64_t id = 1;
  for (size_t w = 0; w < b.measured.size(); ++w) {
    auto record = [&](const space::Config& c, double perf, state::Source source) {
      state::Trial t;
      t.trial_id = id++;
      t.workload = static_cast<uint32_t>(w);
      t.config = c;
      t.source = source;
      t.ok = true;
      t.metric = perf;
      st.Record(std::move(t));
    };
    if (b.matrix.has_baseline[w]) {
      record(b.baseline, b.matrix.baseline[w].value, state::Source::kBaseline);
    }
    for (const auto& m : b.measured[w]) {
      if (m.config != b.baseline) record(m.config, m.mean_perf.value, state::Source::kWarm);
    }
  }
  return st;
}

std::vector<std::vector<MeasuredMean>> MeasuredMeans(const state::StudyState& state) {
  std::vector<std::vector<MeasuredMean>> out(state.num_workloads());
  for (size_t w = 0; w < state.num_workloads(); ++w) {
    for (const auto& c : state.record(w).configs) {
      if (c.measured()) out[w].push_back({c.config, c.Mean()});
    }
  }
  return out;
}

}  // namespace iorec::deploy

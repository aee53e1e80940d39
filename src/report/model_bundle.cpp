#include "iorec/report/model_bundle.hpp"

#include <nlohmann/json.hpp>

#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/report/json_util.hpp"

namespace iorec::report {
namespace {

constexpr int kBundleFormat = 1;

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

nlohmann::ordered_json LevelsJson(const space::Config& c) {
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
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

}  // namespace

void SaveModelBundle(const std::filesystem::path& dir, const ModelBundle& b) {
  nlohmann::ordered_json j;
  j["format"] = kBundleFormat;
  j["iorec_version"] = IOREC_VERSION;
  j["objective"] =
      b.model->params().objective == model::Objective::kRanking ? "ranking" : "regression";
  j["ensemble"] = {{"members", b.model->params().members},
                   {"relevance_levels", b.model->params().relevance_levels},
                   {"num_rounds", b.model->params().num_rounds},
                   {"max_depth", b.model->params().max_depth},
                   {"learning_rate", b.model->params().learning_rate},
                   {"subsample_fraction", b.model->params().subsample_fraction},
                   {"min_child_weight", b.model->params().min_child_weight}};
  j["deploy"] = {{"knn_neighbors", b.params.knn_neighbors},
                 {"return_top_k", b.params.return_top_k}};
  j["feature_prefix"] = b.feature_prefix;
  j["feature_names"] = b.known.feature_names;
  auto& knobs = j["knobs"] = nlohmann::ordered_json::array();
  for (const auto& k : b.space.knobs()) {
    nlohmann::ordered_json kj;
    kj["name"] = k.name;
    kj["is_ordered"] = k.is_ordered;
    for (const auto& v : k.values) {
      kj["values"].push_back(KnobValueJson(v));
      kj["value_kinds"].push_back(KindName(v.kind()));
      kj["value_texts"].push_back(v.text());
    }
    knobs.push_back(kj);
  }
  j["baseline"] = LevelsJson(b.baseline);
  auto& wl = j["workloads"] = nlohmann::ordered_json::array();
  for (size_t w = 0; w < b.known.workloads.size(); ++w) {
    const auto& wk = b.known.workloads[w];
    nlohmann::ordered_json e;
    e["id"] = wk.id;
    e["features"] = wk.features;
    auto& top = e["top"] = nlohmann::ordered_json::array();
    if (w < b.matrix.top.size()) {
      for (const auto& m : b.matrix.top[w]) {
        top.push_back({{"levels", LevelsJson(m.config)},
                       {"mean_gain", m.mean_gain},
                       {"mean_perf", m.mean_perf},
                       {"std_perf", m.std_perf},
                       {"robust_gain", m.robust_gain},
                       {"runs", m.runs}});
      }
    }
    wl.push_back(e);
  }
  const auto members = b.model->SerializeMembers();
  for (size_t i = 0; i < members.size(); ++i) {
    const std::string name = "member_" + std::to_string(i) + ".ubj";
    core::WriteFileAtomic(dir / name, members[i]);
    j["members"].push_back(name);
  }
  core::WriteFileAtomic(dir / "model.json", j.dump(2) + "\n");
}

ModelBundle LoadModelBundle(const std::filesystem::path& dir) {
  const auto path = dir / "model.json";
  if (!std::filesystem::exists(path)) {
    throw core::InputError(dir.string() + ": not a model directory (no model.json)");
  }
  const std::string text = core::ReadFile(path);
  ModelBundle b;
  try {
    const auto j = nlohmann::json::parse(text);
    if (j.at("format").get<int>() != kBundleFormat) {
      throw core::Error("unsupported bundle format " + j.at("format").dump());
    }
    std::vector<space::Knob> knobs;
    for (const auto& kj : j.at("knobs")) {
      space::Knob k;
      k.name = kj.at("name").get<std::string>();
      k.is_ordered = kj.at("is_ordered").get<bool>();
      const auto& kinds = kj.at("value_kinds");
      const auto& texts = kj.at("value_texts");
      for (size_t i = 0; i < texts.size(); ++i) {
        k.values.push_back(
            ValueFrom(kinds.at(i).get<std::string>(), texts.at(i).get<std::string>()));
      }
      knobs.push_back(std::move(k));
    }
    b.space = space::Space(std::move(knobs));
    b.baseline = LevelsFrom(j.at("baseline"), b.space);
    b.feature_prefix = j.value("feature_prefix", "pct_");
    b.known.feature_names = j.at("feature_names").get<std::vector<std::string>>();
    for (const auto& e : j.at("workloads")) {
      space::Workload w;
      w.id = e.at("id").get<std::string>();
      w.features = e.at("features").get<std::vector<double>>();
      if (w.features.size() != b.known.feature_names.size()) {
        throw core::Error("workload '" + w.id + "' has the wrong number of features");
      }
      b.known.workloads.push_back(std::move(w));
      std::vector<deploy::MatrixEntry> top;
      for (const auto& m : e.at("top")) {
        deploy::MatrixEntry me;
        me.config = LevelsFrom(m.at("levels"), b.space);
        me.mean_gain = m.at("mean_gain").get<double>();
        me.mean_perf = m.at("mean_perf").get<double>();
        me.std_perf = m.at("std_perf").get<double>();
        me.robust_gain = m.at("robust_gain").get<double>();
        me.runs = m.at("runs").get<int>();
        top.push_back(std::move(me));
      }
      b.matrix.workload_ids.push_back(b.known.workloads.back().id);
      b.matrix.top.push_back(std::move(top));
    }
    b.params.knn_neighbors = j.at("deploy").at("knn_neighbors").get<int>();
    b.params.return_top_k = j.at("deploy").at("return_top_k").get<int>();
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
      members.push_back(core::ReadFile(dir / m.get<std::string>()));
    b.model = std::make_shared<model::XgbEnsemble>(p);
    b.model->LoadMembers(members, b.known.feature_names.size() + b.space.ConfigWidth());
  } catch (const core::InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw core::InputError(path.string() + ": invalid model bundle: " + e.what());
  }
  return b;
}

}  // namespace iorec::report

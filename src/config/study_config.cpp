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
#include "iorec/runner/command_runner.hpp"
#include "iorec/runner/real_runner.hpp"
#include "iorec/sampling/warm_start.hpp"

namespace iorec::config {
namespace {

namespace fs = std::filesystem;

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::string FormatDouble(double v) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

bool IsQuotedOrStrTagged(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  return tag == "!" || tag == "tag:yaml.org,2002:str";
}

/// How a node looks, for "expected X, got Y" messages.
std::string DescribeNode(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing (null)";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Scalar:
      if (IsQuotedOrStrTagged(node)) return "the string \"" + node.Scalar() + "\"";
      return Quote(node.Scalar());
    default:
      return "an undefined node";
  }
}

std::optional<int64_t> ParseInt64(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::optional<uint64_t> ParseUint64(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

/// A YAML mapping checked for duplicate keys, non-scalar keys and unknown keys.
class MapView {
 public:
  const YAML::Node* Find(const std::string& key) const {
    for (const auto& [k, v] : entries_) {
      if (k == key) return &v;
    }
    return nullptr;
  }
  const std::vector<std::pair<std::string, YAML::Node>>& entries() const { return entries_; }
  bool valid = false;  ///< the node was a mapping (or null, read as empty)

 private:
  friend class Parser;
  std::vector<std::pair<std::string, YAML::Node>> entries_;
};

class Parser {
 public:
  explicit Parser(std::string origin) : origin_(std::move(origin)) {}

  core::ProblemList& problems() { return problems_; }

  void Add(const std::string& path, const std::string& message) {
    problems_.Add(origin_ + ": " + (path.empty() ? std::string("(top level)") : path) + ": " +
                  message);
  }

  static std::string Child(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  static std::string Index(const std::string& path, size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

  /// Reads a mapping. `known` empty means any key is allowed. A null node reads as empty.
  MapView Map(const YAML::Node& node, const std::string& path,
              const std::vector<std::string>& known) {
    MapView view;
    if (node.IsNull()) {
      view.valid = true;
      return view;
    }
    if (!node.IsMap()) {
      Add(path, "expected a mapping of keys to values, got " + DescribeNode(node));
      return view;
    }
    view.valid = true;
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      // Copy the pair: operator-> returns a proxy that dies at the end of the expression.
      const auto entry = *it;
      const YAML::Node key = entry.first;
      const YAML::Node value = entry.second;
      if (!key.IsScalar()) {
        Add(path, "keys must be plain names, got " + DescribeNode(key));
        continue;
      }
      const std::string name = key.Scalar();
      const std::string child = Child(path, name);
      if (!seen.insert(name).second) {
        Add(child, "duplicate key");
        continue;
      }
      if (!known.empty() && std::find(known.begin(), known.end(), name) == known.end()) {
        std::string msg = "unknown key";
        std::string best;
        size_t best_d = 3;
        for (const auto& k : known) {
          const size_t d = EditDistance(name, k);
          if (d < best_d) best_d = d, best = k;
        }
        if (best.empty() && name.size() >= 4) {  // "batch_per_iteration" -> "batch_per_iter"
          for (const auto& k : known) {
            if (k.size() >= 4 && (name.rfind(k, 0) == 0 || k.rfind(name, 0) == 0)) {
              best = k;
              break;
            }
          }
        }
        if (!best.empty()) {
          msg += " (did you mean " + Quote(Child(path, best)) + "?)";
        } else {
          msg += "; known keys: " + Join(known, ", ");
        }
        Add(child, msg);
        continue;
      }
      view.entries_.emplace_back(name, value);
    }
    return view;
  }

  bool ExpectScalar(const YAML::Node& node, const std::string& path, const char* what) {
    if (node.IsNull()) {
      Add(path, std::string("missing value (expected ") + what + ")");
      return false;
    }
    if (!node.IsScalar()) {
      Add(path, std::string("expected ") + what + ", got " + DescribeNode(node));
      return false;
    }
    return true;
  }

  std::optional<int64_t> Int(const YAML::Node& node, const std::string& path) {
    if (!ExpectScalar(node, path, "an integer")) return std::nullopt;
    if (IsQuotedOrStrTagged(node)) {
      Add(path, "expected an integer, got " + DescribeNode(node));
      return std::nullopt;
    }
    const std::string& text = node.Scalar();
    if (auto v = ParseInt64(text)) return v;
    if (ParseUint64(text)) {
      Add(path, "integer out of range: " + text);
    } else {
      Add(path, "expected an integer, got " + DescribeNode(node));
    }
    return std::nullopt;
  }

  std::optional<uint64_t> Uint(const YAML::Node& node, const std::string& path) {
    if (!ExpectScalar(node, path, "a non-negative integer")) return std::nullopt;
    if (IsQuotedOrStrTagged(node)) {
      Add(path, "expected a non-negative integer, got " + DescribeNode(node));
      return std::nullopt;
    }
    const std::string& text = node.Scalar();
    if (auto v = ParseUint64(text)) return v;
    if (auto s = ParseInt64(text)) {
      Add(path, "must be >= 0, got " + text);
    } else if (!text.empty() && text[0] != '-' &&
               text.find_first_not_of("+0123456789") == std::string::npos) {
      Add(path, "integer out of range: " + text);
    } else {
      Add(path, "expected a non-negative integer, got " + DescribeNode(node));
    }
    return std::nullopt;
  }

  std::optional<double> Double(const YAML::Node& node, const std::string& path) {
    if (!ExpectScalar(node, path, "a number")) return std::nullopt;
    if (IsQuotedOrStrTagged(node)) {
      Add(path, "expected a number, got " + DescribeNode(node));
      return std::nullopt;
    }
    auto v = ParseDouble(node.Scalar());
    if (!v) {
      Add(path, "expected a number, got " + DescribeNode(node));
      return std::nullopt;
    }
    if (!std::isfinite(*v)) {
      Add(path, "must be a finite number, got " + node.Scalar());
      return std::nullopt;
    }
    return v;
  }

  std::optional<bool> Bool(const YAML::Node& node, const std::string& path) {
    if (!ExpectScalar(node, path, "true or false")) return std::nullopt;
    if (!IsQuotedOrStrTagged(node)) {
      static const char* const kTrue[] = {"true", "True", "TRUE", "yes", "Yes",
                                          "YES",  "on",   "On",   "ON"};
      static const char* const kFalse[] = {"false", "False", "FALSE", "no", "No",
                                           "NO",    "off",   "Off",   "OFF"};
      for (const char* t : kTrue) {
        if (node.Scalar() == t) return true;
      }
      for (const char* f : kFalse) {
        if (node.Scalar() == f) return false;
      }
    }
    Add(path, "expected true or false, got " + DescribeNode(node));
    return std::nullopt;
  }

  std::optional<std::string> String(const YAML::Node& node, const std::string& path) {
    if (!ExpectScalar(node, path, "a string")) return std::nullopt;
    return node.Scalar();
  }

  /// One of `allowed` (case-insensitive); returns its index.
  std::optional<size_t> Enum(const YAML::Node& node, const std::string& path,
                             const std::vector<std::string>& allowed) {
    const std::string what = "one of " + Join(allowed, ", ");
    if (!ExpectScalar(node, path, what.c_str())) return std::nullopt;
    std::string text = node.Scalar();
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (size_t i = 0; i < allowed.size(); ++i) {
      if (text == allowed[i]) return i;
    }
    Add(path, "must be one of " + Join(allowed, ", ") + ", got " + DescribeNode(node));
    return std::nullopt;
  }

  // ---- Field readers with range checks; they leave `out` at its default on any problem. ----

  template <class T>
  void IntField(const MapView& m, const std::string& section, const std::string& key, T& out,
                int64_t lo, int64_t hi = std::numeric_limits<int>::max()) {
    const YAML::Node* n = m.Find(key);
    if (!n) return;
    const std::string path = Child(section, key);
    auto v = Int(*n, path);
    if (!v) return;
    if (*v < lo) {
      Add(path, "must be >= " + std::to_string(lo) + ", got " + std::to_string(*v));
    } else if (*v > hi) {
      Add(path, "must be <= " + std::to_string(hi) + ", got " + std::to_string(*v));
    } else {
      out = static_cast<T>(*v);
    }
  }

  void UintField(const MapView& m, const std::string& section, const std::string& key,
                 uint64_t& out) {
    const YAML::Node* n = m.Find(key);
    if (!n) return;
    if (auto v = Uint(*n, Child(section, key))) out = *v;
  }

  struct Range {
    std::optional<double> lo, hi;
    bool lo_open = false, hi_open = false;
  };
  static Range AtLeast(double lo) { return Range{lo, std::nullopt, false, false}; }
  static Range Open01() { return Range{0.0, 1.0, true, true}; }
  static Range HalfOpen01() { return Range{0.0, 1.0, true, false}; }

  void DoubleField(const MapView& m, const std::string& section, const std::string& key,
                   double& out, Range r) {
    const YAML::Node* n = m.Find(key);
    if (!n) return;
    const std::string path = Child(section, key);
    auto v = Double(*n, path);
    if (!v) return;
    const bool lo_bad = r.lo && (r.lo_open ? *v <= *r.lo : *v < *r.lo);
    const bool hi_bad = r.hi && (r.hi_open ? *v >= *r.hi : *v > *r.hi);
    if (lo_bad || hi_bad) {
      std::string want;
      if (r.lo && r.hi) {
        want = "must be in " + std::string(r.lo_open ? "(" : "[") + FormatDouble(*r.lo) + ", " +
               FormatDouble(*r.hi) + (r.hi_open ? ")" : "]");
      } else if (r.lo) {
        want = std::string("must be ") + (r.lo_open ? "> " : ">= ") + FormatDouble(*r.lo);
      } else {
        want = std::string("must be ") + (r.hi_open ? "< " : "<= ") + FormatDouble(*r.hi);
      }
      Add(path, want + ", got " + n->Scalar());
      return;
    }
    out = *v;
  }

  void BoolField(const MapView& m, const std::string& section, const std::string& key, bool& out) {
    const YAML::Node* n = m.Find(key);
    if (!n) return;
    if (auto v = Bool(*n, Child(section, key))) out = *v;
  }

  void StringField(const MapView& m, const std::string& section, const std::string& key,
                   std::string& out, bool allow_empty = true) {
    const YAML::Node* n = m.Find(key);
    if (!n) return;
    const std::string path = Child(section, key);
    auto v = String(*n, path);
    if (!v) return;
    if (!allow_empty && v->empty()) {
      Add(path, "must not be empty");
      return;
    }
    out = *v;
  }

  template <class E>
  void EnumField(const MapView& m, const std::string& section, const std::string& key, E& out,
                 const std::vector<std::string>& names, const std::vector<E>& values) {
    const YAML::Node* n = m.Find(key);
    if (!n) return;
    if (auto i = Enum(*n, Child(section, key), names)) out = values[*i];
  }

 private:
  std::string origin_;
  core::ProblemList problems_;
};

// ---- Sections -------------------------------------------------------------------------

/// Parses one knob value as written: quoted scalars stay strings, plain ones are typed.
std::optional<space::KnobValue> ParseKnobValue(Parser& p, const YAML::Node& node,
                                               const std::string& path) {
  if (node.IsNull()) {
    p.Add(path, "empty value");
    return std::nullopt;
  }
  if (!node.IsScalar()) {
    p.Add(path, "expected a scalar value (integer, float or string), got " + DescribeNode(node));
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  if (text.empty()) {
    p.Add(path, "empty value");
    return std::nullopt;
  }
  if (IsQuotedOrStrTagged(node)) return space::KnobValue::String(text);
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

/// Returns the knobs, or nullopt when any knob had a problem.
std::optional<std::vector<space::Knob>> ParseParameters(Parser& p, const MapView& root) {
  const YAML::Node* node = root.Find("parameters");
  if (!node) {
    p.Add("parameters", "required key missing (list the knobs: name, values, is_ordered)");
    return std::nullopt;
  }
  if (node->IsNull() || (node->IsSequence() && node->size() == 0)) {
    p.Add("parameters", "must list at least one knob");
    return std::nullopt;
  }
  if (!node->IsSequence()) {
    p.Add("parameters", "expected a list of knobs, got " + DescribeNode(*node));
    return std::nullopt;
  }
  bool ok = true;
  std::vector<space::Knob> knobs;
  std::vector<std::string> names_path;  // path of each accepted name, for duplicate messages
  for (size_t i = 0; i < node->size(); ++i) {
    const std::string item_path = Parser::Index("parameters", i);
    const YAML::Node item = (*node)[i];
    if (!item.IsMap()) {
      p.Add(item_path,
            "expected a mapping with name, values, is_ordered, got " + DescribeNode(item));
      ok = false;
      continue;
    }
    const size_t before = p.problems().size();
    MapView m = p.Map(item, item_path, {"name", "values", "is_ordered"});
    space::Knob knob;
    const std::string name_path = Parser::Child(item_path, "name");
    const YAML::Node* name = m.Find("name");
    if (!name) {
      p.Add(name_path, "required key missing");
    } else if (auto s = p.String(*name, name_path)) {
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
    const std::string knob_label = knob.name.empty() ? "" : " for knob " + Quote(knob.name);
    const std::string values_path = Parser::Child(item_path, "values");
    const YAML::Node* values = m.Find("values");
    if (!values) {
      p.Add(values_path, "required key missing" + knob_label);
    } else if (values->IsNull() || (values->IsSequence() && values->size() == 0)) {
      p.Add(values_path, "empty" + knob_label);
    } else if (!values->IsSequence()) {
      p.Add(values_path,
            "expected a list of values" + knob_label + ", got " + DescribeNode(*values));
    } else {
      if (values->size() > space::kMaxLevels) {
        p.Add(values_path, "has " + std::to_string(values->size()) + " values" + knob_label +
                               "; at most " + std::to_string(space::kMaxLevels) +
                               " per knob are supported");
      }
      for (size_t j = 0; j < values->size(); ++j) {
        const std::string vpath = Parser::Index(values_path, j);
        auto v = ParseKnobValue(p, (*values)[j], vpath);
        if (!v) continue;
        for (size_t k = 0; k < knob.values.size(); ++k) {
          if (SameValue(knob.values[k], *v)) {
            p.Add(vpath, "duplicate value " + Quote(v->text()) + knob_label + " (same as " +
                             Parser::Index(values_path, k) + " " + Quote(knob.values[k].text()) +
                             ")");
            break;
          }
        }
        knob.values.push_back(std::move(*v));
      }
    }
    if (const YAML::Node* ord = m.Find("is_ordered")) {
      if (auto b = p.Bool(*ord, Parser::Child(item_path, "is_ordered"))) knob.is_ordered = *b;
    }
    if (p.problems().size() != before) ok = false;
    names_path.push_back(name_path);
    knobs.push_back(std::move(knob));
  }
  if (!ok) return std::nullopt;
  return knobs;
}

std::optional<space::Config> ParseBaseline(Parser& p, const MapView& root,
                                           const space::Space& space) {
  std::vector<uint8_t> levels(space.num_knobs(), 0);
  const YAML::Node* node = root.Find("baseline");
  if (!node) return space::Config(levels);
  MapView m = p.Map(*node, "baseline", {});
  if (!m.valid) return std::nullopt;
  bool ok = true;
  std::vector<std::string> names;
  for (const auto& k : space.knobs()) names.push_back(k.name);
  for (const auto& [name, value] : m.entries()) {
    const std::string path = Parser::Child("baseline", name);
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      p.Add(path, "unknown knob " + Quote(name) + "; knobs are: " + Join(names, ", "));
      ok = false;
      continue;
    }
    const size_t k = static_cast<size_t>(it - names.begin());
    auto v = ParseKnobValue(p, value, path);
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

void ParseData(Parser& p, const MapView& root, DataConfig& d) {
  const YAML::Node* node = root.Find("data");
  if (!node) return;
  MapView m = p.Map(*node, "data", {"input_dir", "n_patterns", "n_features", "feature_prefix"});
  p.StringField(m, "data", "input_dir", d.input_dir);
  p.IntField(m, "data", "n_patterns", d.n_patterns, 1);
  p.IntField(m, "data", "n_features", d.n_features, 1);
  p.StringField(m, "data", "feature_prefix", d.feature_prefix, /*allow_empty=*/false);
}

void ParseModel(Parser& p, const MapView& root, ModelConfig& c) {
  const YAML::Node* node = root.Find("model");
  if (!node) return;
  const std::string s = "model";
  MapView m = p.Map(*node, s,
                    {"mode", "relevance_levels", "use_lightgbm", "num_rounds", "max_depth",
                     "learning_rate", "subsample_fraction", "min_child_weight", "local_gp"});
  p.EnumField(m, s, "mode", c.mode, {"ranking", "regression"},
              {ModelMode::kRanking, ModelMode::kRegression});
  // XGBoost's rank:ndcg uses exponential gain and rejects labels >= 32.
  p.IntField(m, s, "relevance_levels", c.relevance_levels, 2, 31);
  if (const YAML::Node* n = m.Find("use_lightgbm")) {
    if (auto b = p.Bool(*n, "model.use_lightgbm")) {
      if (!*b) {
        p.Add("model.use_lightgbm",
              "only gradient-boosted trees are supported (iorec uses XGBoost GBDT); set it to "
              "true or remove it");
      }
      c.use_lightgbm = true;
    }
  }
  p.IntField(m, s, "num_rounds", c.num_rounds, 1);
  p.IntField(m, s, "max_depth", c.max_depth, 1, 64);
  p.DoubleField(m, s, "learning_rate", c.learning_rate, Parser::HalfOpen01());
  p.DoubleField(m, s, "subsample_fraction", c.subsample_fraction, Parser::HalfOpen01());
  p.DoubleField(m, s, "min_child_weight", c.min_child_weight, Parser::AtLeast(0.0));
  p.BoolField(m, s, "local_gp", c.local_gp);
}

void ParseActive(Parser& p, const MapView& root, ActiveConfig& a) {
  const YAML::Node* node = root.Find("active");
  if (!node) return;
  const std::string s = "active";
  MapView m = p.Map(*node, s,
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
  p.IntField(m, s, "iterations", a.iterations, 0);
  p.IntField(m, s, "batch_per_iter", a.batch_per_iter, 1);
  p.DoubleField(m, s, "beta_start", a.beta_start, Parser::AtLeast(0.0));
  p.DoubleField(m, s, "beta_end", a.beta_end, Parser::AtLeast(0.0));
  p.DoubleField(m, s, "lambda_redundancy", a.lambda_redundancy, Parser::AtLeast(0.0));
  p.EnumField(m, s, "explore_mode", a.explore_mode, {"ucb", "thompson"},
              {ExploreMode::kUcb, ExploreMode::kThompson});
  p.IntField(m, s, "early_stop_rounds", a.early_stop_rounds, 0);
  p.DoubleField(m, s, "low_sigma_threshold", a.low_sigma_threshold, Parser::AtLeast(0.0));
  p.EnumField(m, s, "oracle_mode", a.oracle_mode, {"warm_only", "heldout"},
              {OracleMode::kWarmOnly, OracleMode::kHeldout});
  p.UintField(m, s, "oracle_enum_threshold", a.oracle_enum_threshold);
  p.IntField(m, s, "oracle_sampled", a.oracle_sampled, 1);
  p.UintField(m, s, "enum_threshold_hard", a.enum_threshold_hard);
  p.IntField(m, s, "candidate_max_pool", a.candidate_max_pool, 1);
  p.IntField(m, s, "replicate_top_n", a.replicate_top_n, 0);
  p.IntField(m, s, "replicate_repeats", a.replicate_repeats, 0);
  p.DoubleField(m, s, "robust_score_z", a.robust_score_z, Parser::AtLeast(0.0));
  p.BoolField(m, s, "transfer_seeds", a.transfer_seeds);
  p.IntField(m, s, "model_ascent_steps", a.model_ascent_steps, 0, 1000);
  p.DoubleField(m, s, "diversify_top_fraction", a.diversify_top_fraction, Parser::HalfOpen01());
  p.IntField(m, s, "trust_region_knobs", a.trust_region_knobs, 0, 255);
}

void ParseDeploy(Parser& p, const MapView& root, DeployConfig& d) {
  const YAML::Node* node = root.Find("deploy");
  if (!node) return;
  MapView m = p.Map(*node, "deploy", {"topk_per_pattern", "knn_neighbors", "return_top_k"});
  p.IntField(m, "deploy", "topk_per_pattern", d.topk_per_pattern, 1);
  p.IntField(m, "deploy", "knn_neighbors", d.knn_neighbors, 1);
  p.IntField(m, "deploy", "return_top_k", d.return_top_k, 1);
}

/// Resolves a path against the config file's directory.
std::string ResolvePath(const std::string& configured, const fs::path& origin) {
  if (configured.empty()) return configured;
  const fs::path c(configured);
  if (c.is_relative() && origin.has_parent_path()) {
    return (origin.parent_path() / c).lexically_normal().string();
  }
  return configured;
}

void ParseSlurm(Parser& p, const YAML::Node& node, SlurmConfig& sc) {
  const std::string s = "runner.slurm";
  MapView m =
      p.Map(node, s, {"partition", "account", "time", "nodes", "ntasks", "extra_args", "poll_s"});
  p.StringField(m, s, "partition", sc.partition);
  p.StringField(m, s, "account", sc.account);
  p.StringField(m, s, "time", sc.time);
  p.IntField(m, s, "nodes", sc.nodes, 1);
  p.IntField(m, s, "ntasks", sc.ntasks, 1);
  p.DoubleField(m, s, "poll_s", sc.poll_s, Parser::Range{0.0, {}, true, false});
  if (const YAML::Node* n = m.Find("extra_args")) {
    const std::string path = s + ".extra_args";
    if (n->IsSequence()) {
      for (size_t i = 0; i < n->size(); ++i) {
        if (auto v = p.String((*n)[i], Parser::Index(path, i))) sc.extra_args.push_back(*v);
      }
    } else if (n->IsNull()) {
      // no extra arguments
    } else if (auto v = p.String(*n, path)) {
      std::istringstream words(*v);
      std::string w;
      while (words >> w) sc.extra_args.push_back(w);
    }
  }
}

void ParseRunner(Parser& p, const MapView& root, RunnerConfig& r, const space::Space* space,
                 const fs::path& origin) {
  const YAML::Node* node = root.Find("runner");
  if (!node) return;
  const std::string s = "runner";
  MapView m = p.Map(*node, s,
                    {"mode",
                     "noise_std",
                     "io_synth_root",
                     "out_root",
                     "cap_total_gib",
                     "io_api",
                     "meta_api",
                     "mpi_collective_mode",
                     "meta_scope",
                     "nprocs_cap",
                     "metric_key",
                     "metric_fallback",
                     "delete_existing_darshan",
                     "flush_wait_sec",
                     "use_sudo_for_lustre",
                     "dry_run",
                     "command",
                     "metric",
                     "timeout_s",
                     "max_retries",
                     "retry_backoff_s",
                     "objective",
                     "executor",
                     "parallel_trials",
                     "slurm"});
  p.EnumField(m, s, "mode", r.mode, {"stub", "command", "real"},
              {RunnerMode::kStub, RunnerMode::kCommand, RunnerMode::kReal});
  p.DoubleField(m, s, "noise_std", r.noise_std, Parser::AtLeast(0.0));
  RealRunnerConfig& real = r.real;
  p.StringField(m, s, "io_synth_root", real.io_synth_root);
  p.StringField(m, s, "out_root", real.out_root);
  p.DoubleField(m, s, "cap_total_gib", real.cap_total_gib, Parser::Range{0.0, {}, true, false});
  p.StringField(m, s, "io_api", real.io_api);
  p.StringField(m, s, "meta_api", real.meta_api);
  p.StringField(m, s, "mpi_collective_mode", real.mpi_collective_mode);
  p.StringField(m, s, "meta_scope", real.meta_scope);
  p.IntField(m, s, "nprocs_cap", real.nprocs_cap, 1);
  p.StringField(m, s, "metric_key", r.metric_key);
  if (!r.metric_key.empty()) real.metric_key = r.metric_key;
  p.StringField(m, s, "metric_fallback", real.metric_fallback);
  p.BoolField(m, s, "delete_existing_darshan", real.delete_existing_darshan);
  p.DoubleField(m, s, "flush_wait_sec", real.flush_wait_sec, Parser::AtLeast(0.0));
  p.BoolField(m, s, "use_sudo_for_lustre", real.use_sudo_for_lustre);
  p.BoolField(m, s, "dry_run", real.dry_run);

  p.StringField(m, s, "command", r.command);
  p.StringField(m, s, "metric", r.metric, /*allow_empty=*/false);
  p.DoubleField(m, s, "timeout_s", r.timeout_s, Parser::AtLeast(0.0));
  p.IntField(m, s, "max_retries", r.max_retries, 0, 100);
  p.DoubleField(m, s, "retry_backoff_s", r.retry_backoff_s, Parser::AtLeast(0.0));
  p.EnumField(m, s, "objective", r.objective, {"maximize", "minimize"},
              {Objective::kMaximize, Objective::kMinimize});
  p.EnumField(m, s, "executor", r.executor, {"local", "slurm"},
              {ExecutorKind::kLocal, ExecutorKind::kSlurm});
  p.IntField(m, s, "parallel_trials", r.parallel_trials, 1, 4096);
  if (const YAML::Node* n = m.Find("slurm")) ParseSlurm(p, *n, r.slurm);

  // Mode-specific checks.
  if (r.mode == RunnerMode::kCommand) {
    if (!m.Find("command")) {
      p.Add("runner.command", "required key missing (runner.mode is 'command')");
    } else if (r.command.empty()) {
      p.Add("runner.command", "must not be empty");
    }
    std::string why;
    if (m.Find("metric") && !runner::ParseMetricSpec(r.metric, &why)) p.Add("runner.metric", why);
    if (space) {
      std::vector<std::string> knobs, problems;
      std::map<std::string, std::string> env_names;
      for (const auto& k : space->knobs()) {
        knobs.push_back(k.name);
        const auto& builtins = runner::BuiltinPlaceholders();
        if (!runner::IsValidEnvName(k.name)) {
          p.Add("parameters", "knob name " + Quote(k.name) +
                                  " is not a valid environment variable name (letters, digits "
                                  "and '_', not starting with a digit), needed for " +
                                  runner::KnobEnvName(k.name) + " by runner.mode 'command'");
        } else if (std::find(builtins.begin(), builtins.end(), k.name) != builtins.end()) {
          p.Add("parameters", "knob name " + Quote(k.name) +
                                  " clashes with the command placeholder {" + k.name + "}");
        } else {
          const std::string env = runner::KnobEnvName(k.name);
          auto [it, inserted] = env_names.emplace(env, k.name);
          if (!inserted) {
            p.Add("parameters", "knobs " + Quote(it->second) + " and " + Quote(k.name) +
                                    " both map to the environment variable " + env);
          }
        }
      }
      if (!r.command.empty()) {
        runner::CommandTemplate::Parse(r.command, knobs, &problems);
        for (const auto& pr : problems) p.Add("runner.command", pr);
      }
    }
  }
  if (r.mode == RunnerMode::kReal) {
    if (real.io_synth_root.empty()) {
      p.Add("runner.io_synth_root", "required for runner.mode 'real'");
    } else {
      real.io_synth_root = ResolvePath(real.io_synth_root, origin);
      const fs::path script = fs::path(real.io_synth_root) / runner::kSynthesizerScript;
      std::error_code ec;
      if (!real.dry_run && !fs::exists(script, ec)) {
        p.Add("runner.io_synth_root",
              "the synthesizer script " + script.string() + " does not exist");
      }
    }
    if (real.out_root.empty()) {
      p.Add("runner.out_root", "required for runner.mode 'real'");
    } else {
      real.out_root = ResolvePath(real.out_root, origin);
    }
    if (r.executor == ExecutorKind::kLocal && r.parallel_trials > 1) {
      p.Add("runner.parallel_trials",
            "must be 1 with runner.mode 'real': the Lustre bridge sets node-wide lctl client "
            "parameters, so trials on one machine cannot overlap");
    }
  }
  if (r.mode == RunnerMode::kStub && r.executor == ExecutorKind::kSlurm) {
    p.Add("runner.executor",
          "'slurm' needs runner.mode 'command' or 'real' (the stub runs in "
          "process)");
  }
}

void ParseEvaluation(Parser& p, const MapView& root, EvaluationConfig& e) {
  const YAML::Node* node = root.Find("evaluation");
  if (!node) return;
  const std::string s = "evaluation";
  MapView m = p.Map(*node, s,
                    {"enabled", "split_mode", "temporal_split", "holdout_fraction_configs",
                     "holdout_fraction_patterns", "temporal_holdout_fraction", "top_k",
                     "hit_tolerance", "bootstrap_iters", "ci_level"});
  p.BoolField(m, s, "enabled", e.enabled);
  p.EnumField(
      m, s, "split_mode", e.split_mode,
      {"heldout_configs_per_pattern", "heldout_patterns", "temporal"},
      {SplitMode::kHeldoutConfigsPerPattern, SplitMode::kHeldoutPatterns, SplitMode::kTemporal});
  p.BoolField(m, s, "temporal_split", e.temporal_split);
  p.DoubleField(m, s, "holdout_fraction_configs", e.holdout_fraction_configs, Parser::Open01());
  p.DoubleField(m, s, "holdout_fraction_patterns", e.holdout_fraction_patterns, Parser::Open01());
  p.DoubleField(m, s, "temporal_holdout_fraction", e.temporal_holdout_fraction, Parser::Open01());
  p.IntField(m, s, "top_k", e.top_k, 1);
  p.DoubleField(m, s, "hit_tolerance", e.hit_tolerance, Parser::AtLeast(0.0));
  p.IntField(m, s, "bootstrap_iters", e.bootstrap_iters, 1);
  p.DoubleField(m, s, "ci_level", e.ci_level, Parser::Open01());
}

void ParseReporting(Parser& p, const MapView& root, ReportingConfig& r) {
  const YAML::Node* node = root.Find("reporting");
  if (!node) return;
  MapView m = p.Map(*node, "reporting", {"write_markdown_summary", "plots"});
  p.BoolField(m, "reporting", "write_markdown_summary", r.write_markdown_summary);
  p.BoolField(m, "reporting", "plots", r.plots);
}

/// Checks the workload directory exists and holds JSON files (the files themselves are read
/// by LoadWorkloads).
void CheckInputDir(Parser& p, const std::string& configured, const fs::path& resolved) {
  std::error_code ec;
  const std::string shown = configured == resolved.string()
                                ? Quote(configured)
                                : Quote(configured) + " (" + resolved.string() + ")";
  if (!fs::exists(resolved, ec)) {
    p.Add("data.input_dir", "workload directory " + shown + " does not exist");
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

StudyConfig ParseImpl(const std::string& yaml_text, const fs::path& origin) {
  const std::string origin_text = origin.string();
  Parser p(origin_text);
  StudyConfig cfg;
  cfg.source_path = origin;

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
  const YAML::Node root_node = docs.empty() ? YAML::Node() : docs.front();
  if (!root_node.IsMap()) {
    if (root_node.IsNull()) {
      p.Add("parameters", "required key missing (the config is empty)");
    } else {
      p.Add("", "expected a mapping of sections (seed, parameters, ...), got " +
                    DescribeNode(root_node));
    }
    p.problems().ThrowIfAny();
  }
  const MapView root = p.Map(root_node, "",
                             {"seed", "parameters", "baseline", "data", "warm_start", "model",
                              "active", "deploy", "runner", "evaluation", "reporting"});

  if (const YAML::Node* n = root.Find("seed")) {
    if (auto v = p.Uint(*n, "seed")) cfg.seed = *v;
  }
  auto knobs = ParseParameters(p, root);
  std::optional<space::Config> baseline;
  if (knobs) {
    cfg.space = space::Space(std::move(*knobs));
    baseline = ParseBaseline(p, root, cfg.space);
    if (baseline) cfg.baseline = *baseline;
  } else if (const YAML::Node* b = root.Find("baseline")) {
    // The knobs are broken, but the baseline's shape can still be checked.
    p.Map(*b, "baseline", {});
  }
  ParseData(p, root, cfg.data);
  if (const YAML::Node* n = root.Find("warm_start")) {
    MapView m = p.Map(*n, "warm_start", {"target_size"});
    p.IntField(m, "warm_start", "target_size", cfg.warm_start.target_size, 1);
  }
  if (baseline) {
    const size_t anchors = CountAnchors(cfg.space, cfg.baseline);
    const int t = cfg.warm_start.target_size;
    if (t >= 1 && static_cast<size_t>(t) < anchors) {
      p.Add("warm_start.target_size", "must be >= the number of anchor configs (" +
                                          std::to_string(anchors) + "), got " + std::to_string(t));
    }
  }
  ParseModel(p, root, cfg.model);
  ParseActive(p, root, cfg.active);
  ParseDeploy(p, root, cfg.deploy);
  ParseRunner(p, root, cfg.runner, knobs ? &cfg.space : nullptr, origin);
  ParseEvaluation(p, root, cfg.evaluation);
  ParseReporting(p, root, cfg.reporting);

  // Cross-field checks.
  if (cfg.active.candidate_max_pool < cfg.active.batch_per_iter) {
    p.Add("active.candidate_max_pool", "must be >= active.batch_per_iter (" +
                                           std::to_string(cfg.active.batch_per_iter) + "), got " +
                                           std::to_string(cfg.active.candidate_max_pool));
  }

  if (!cfg.data.input_dir.empty()) {
    const fs::path configured(cfg.data.input_dir);
    fs::path resolved = configured;
    if (configured.is_relative() && origin.has_parent_path()) {
      resolved = (origin.parent_path() / configured).lexically_normal();
    }
    CheckInputDir(p, cfg.data.input_dir, resolved);
    cfg.data.input_dir = resolved.string();
  }

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
  return ParseStudyConfig(core::ReadFile(path), path);
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

const char* ToString(RunnerMode m) {
  switch (m) {
    case RunnerMode::kStub:
      return "stub";
    case RunnerMode::kCommand:
      return "command";
    case RunnerMode::kReal:
      return "real";
  }
  return "unknown";
}

const char* ToString(Objective o) { return o == Objective::kMinimize ? "minimize" : "maximize"; }

const char* ToString(ExecutorKind e) { return e == ExecutorKind::kSlurm ? "slurm" : "local"; }

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

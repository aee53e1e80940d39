// The plain config tree and its typed, located reader.
#include "iorec/core/config_node.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <string_view>
#include <system_error>

#include "iorec/core/text.hpp"

namespace iorec::core {
namespace {

std::string FormatDouble(double v) {
  if (v == std::trunc(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
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

}  // namespace

std::string SuggestName(const std::string& name, const std::vector<std::string>& known) {
  std::string best;
  size_t best_d = 3;
  for (const auto& k : known) {
    const size_t d = EditDistance(name, k);
    if (d < best_d) best_d = d, best = k;
  }
  if (best.empty() && name.size() >= 4) {  // "batch_per_iteration" -> "batch_per_iter"
    for (const auto& k : known) {
      if (k.size() >= 4 && (name.rfind(k, 0) == 0 || k.rfind(name, 0) == 0)) return k;
    }
  }
  return best;
}

ConfigNode ConfigNode::Scalar(std::string text, bool quoted) {
  ConfigNode n;
  n.kind_ = Kind::kScalar;
  n.text_ = std::move(text);
  n.quoted_ = quoted;
  return n;
}

ConfigNode ConfigNode::List(std::vector<ConfigNode> items) {
  ConfigNode n;
  n.kind_ = Kind::kList;
  n.items_ = std::move(items);
  return n;
}

ConfigNode ConfigNode::Map(std::vector<ConfigNode> keys, std::vector<ConfigNode> values) {
  ConfigNode n;
  n.kind_ = Kind::kMap;
  n.keys_ = std::move(keys);
  n.items_ = std::move(values);
  return n;
}

std::string ConfigNode::Describe() const {
  switch (kind_) {
    case Kind::kNull:
      return "nothing (null)";
    case Kind::kList:
      return "a list";
    case Kind::kMap:
      return "a mapping";
    case Kind::kScalar:
      if (quoted_) return "the string \"" + Printable(text_) + "\"";
      return ConfigReader::Quote(text_);
  }
  return "an undefined node";
}

const ConfigNode* ConfigMap::Find(const std::string& key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return v;
  }
  return nullptr;
}

void ConfigReader::Add(const std::string& path, const std::string& message) {
  problems_.Add(origin_ + ": " + (path.empty() ? std::string("(top level)") : path) + ": " +
                message);
}

std::string ConfigReader::Child(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string ConfigReader::Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::string ConfigReader::Quote(const std::string& text) { return "'" + Printable(text) + "'"; }

void ConfigReader::CheckUtf8(const ConfigNode& node, const std::string& path) {
  switch (node.kind()) {
    case ConfigNode::Kind::kNull:
      return;
    case ConfigNode::Kind::kScalar:
      if (const std::string why = Utf8Problem(node.text()); !why.empty()) {
        Add(path, "value " + Quote(node.text()) + " " + why);
      }
      return;
    case ConfigNode::Kind::kList:
      for (size_t i = 0; i < node.size(); ++i) CheckUtf8(node[i], Index(path, i));
      return;
    case ConfigNode::Kind::kMap:
      for (size_t i = 0; i < node.size(); ++i) {
        const ConfigNode& key = node.key(i);
        const std::string name = key.IsScalar() ? key.text() : std::string("?");
        if (const std::string why = Utf8Problem(name); !why.empty()) {
          Add(path, "key " + Quote(name) + " " + why);
          continue;
        }
        CheckUtf8(node[i], Child(path, name));
      }
      return;
  }
}

std::string ConfigReader::Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

ConfigMap ConfigReader::Map(const ConfigNode& node, const std::string& path,
                            const std::vector<std::string>& known) {
  ConfigMap view;
  if (node.IsNull()) {
    view.valid = true;
    return view;
  }
  if (!node.IsMap()) {
    Add(path, "expected a mapping of keys to values, got " + node.Describe());
    return view;
  }
  view.valid = true;
  std::set<std::string> seen;
  for (size_t i = 0; i < node.size(); ++i) {
    const ConfigNode& key = node.key(i);
    if (!key.IsScalar()) {
      Add(path, "keys must be plain names, got " + key.Describe());
      continue;
    }
    const std::string& name = key.text();
    const std::string child = Child(path, name);
    if (!seen.insert(name).second) {
      Add(child, "duplicate key");
      continue;
    }
    if (!known.empty() && std::find(known.begin(), known.end(), name) == known.end()) {
      const std::string best = SuggestName(name, known);
      Add(child, best.empty() ? "unknown key; known keys: " + ConfigReader::Join(known, ", ")
                              : "unknown key (did you mean " + Quote(Child(path, best)) + "?)");
      continue;
    }
    view.entries_.emplace_back(name, &node[i]);
  }
  return view;
}

bool ConfigReader::ExpectScalar(const ConfigNode& node, const std::string& path, const char* what) {
  if (node.IsNull()) {
    Add(path, std::string("missing value (expected ") + what + ")");
    return false;
  }
  if (!node.IsScalar()) {
    Add(path, std::string("expected ") + what + ", got " + node.Describe());
    return false;
  }
  return true;
}

std::optional<int64_t> ConfigReader::Int(const ConfigNode& node, const std::string& path) {
  if (!ExpectScalar(node, path, "an integer")) return std::nullopt;
  if (node.quoted()) {
    Add(path, "expected an integer, got " + node.Describe());
    return std::nullopt;
  }
  const std::string& text = node.text();
  if (auto v = ParseInt64(text)) return v;
  if (ParseUint64(text)) {
    Add(path, "integer out of range: " + text);
  } else {
    Add(path, "expected an integer, got " + node.Describe());
  }
  return std::nullopt;
}

std::optional<uint64_t> ConfigReader::Uint(const ConfigNode& node, const std::string& path) {
  if (!ExpectScalar(node, path, "a non-negative integer")) return std::nullopt;
  if (node.quoted()) {
    Add(path, "expected a non-negative integer, got " + node.Describe());
    return std::nullopt;
  }
  const std::string& text = node.text();
  if (auto v = ParseUint64(text)) return v;
  if (auto s = ParseInt64(text)) {
    Add(path, "must be >= 0, got " + text);
  } else if (!text.empty() && text[0] != '-' &&
             text.find_first_not_of("+0123456789") == std::string::npos) {
    Add(path, "integer out of range: " + text);
  } else {
    Add(path, "expected a non-negative integer, got " + node.Describe());
  }
  return std::nullopt;
}

std::optional<double> ConfigReader::Double(const ConfigNode& node, const std::string& path) {
  if (!ExpectScalar(node, path, "a number")) return std::nullopt;
  if (node.quoted()) {
    Add(path, "expected a number, got " + node.Describe());
    return std::nullopt;
  }
  auto v = ParseDouble(node.text());
  if (!v) {
    Add(path, "expected a number, got " + node.Describe());
    return std::nullopt;
  }
  if (!std::isfinite(*v)) {
    Add(path, "must be a finite number, got " + node.text());
    return std::nullopt;
  }
  return v;
}

std::optional<bool> ConfigReader::Bool(const ConfigNode& node, const std::string& path) {
  if (!ExpectScalar(node, path, "true or false")) return std::nullopt;
  if (!node.quoted()) {
    static const char* const kTrue[] = {"true", "True", "TRUE", "yes", "Yes",
                                        "YES",  "on",   "On",   "ON"};
    static const char* const kFalse[] = {"false", "False", "FALSE", "no", "No",
                                         "NO",    "off",   "Off",   "OFF"};
    for (const char* t : kTrue) {
      if (node.text() == t) return true;
    }
    for (const char* f : kFalse) {
      if (node.text() == f) return false;
    }
  }
  Add(path, "expected true or false, got " + node.Describe());
  return std::nullopt;
}

std::optional<std::string> ConfigReader::String(const ConfigNode& node, const std::string& path) {
  if (!ExpectScalar(node, path, "a string")) return std::nullopt;
  return node.text();
}

std::optional<size_t> ConfigReader::Enum(const ConfigNode& node, const std::string& path,
                                         const std::vector<std::string>& allowed) {
  const std::string what = "one of " + ConfigReader::Join(allowed, ", ");
  if (!ExpectScalar(node, path, what.c_str())) return std::nullopt;
  std::string text = node.text();
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (size_t i = 0; i < allowed.size(); ++i) {
    if (text == allowed[i]) return i;
  }
  Add(path, "must be one of " + ConfigReader::Join(allowed, ", ") + ", got " + node.Describe());
  return std::nullopt;
}

std::optional<int64_t> ConfigReader::CheckedInt(const ConfigMap& m, const std::string& section,
                                                const std::string& key, int64_t lo, int64_t hi) {
  const ConfigNode* n = m.Find(key);
  if (!n) return std::nullopt;
  const std::string path = Child(section, key);
  auto v = Int(*n, path);
  if (!v) return std::nullopt;
  if (*v < lo) {
    Add(path, "must be >= " + std::to_string(lo) + ", got " + std::to_string(*v));
  } else if (*v > hi) {
    Add(path, "must be <= " + std::to_string(hi) + ", got " + std::to_string(*v));
  } else {
    return v;
  }
  return std::nullopt;
}

void ConfigReader::UintField(const ConfigMap& m, const std::string& section, const std::string& key,
                             uint64_t& out, uint64_t hi) {
  const ConfigNode* n = m.Find(key);
  if (!n) return;
  const std::string path = Child(section, key);
  auto v = Uint(*n, path);
  if (!v) return;
  if (*v > hi) {
    Add(path, "must be <= " + std::to_string(hi) + ", got " + std::to_string(*v));
    return;
  }
  out = *v;
}

void ConfigReader::DoubleField(const ConfigMap& m, const std::string& section,
                               const std::string& key, double& out, Range r) {
  const ConfigNode* n = m.Find(key);
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
    Add(path, want + ", got " + n->text());
    return;
  }
  out = *v;
}

void ConfigReader::BoolField(const ConfigMap& m, const std::string& section, const std::string& key,
                             bool& out) {
  const ConfigNode* n = m.Find(key);
  if (!n) return;
  if (auto v = Bool(*n, Child(section, key))) out = *v;
}

void ConfigReader::StringField(const ConfigMap& m, const std::string& section,
                               const std::string& key, std::string& out, bool allow_empty) {
  const ConfigNode* n = m.Find(key);
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

}  // namespace iorec::core

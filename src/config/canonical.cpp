// Canonical YAML of a study config, its hash and key-level diffs (for resume checks).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "iorec/config/study_config.hpp"
#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/core/hash.hpp"

namespace iorec::config {
namespace {

bool IsQuoted(const YAML::Node& n) { return n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str"; }

std::string KeyText(const YAML::Node& k) { return k.IsScalar() ? k.Scalar() : YAML::Dump(k); }

void Emit(YAML::Emitter& out, const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out << YAML::Null;
      break;
    case YAML::NodeType::Scalar:
      if (IsQuoted(n)) {
        out << YAML::DoubleQuoted << n.Scalar();
      } else {
        out << n.Scalar();
      }
      break;
    case YAML::NodeType::Sequence:
      out << YAML::BeginSeq;
      for (const auto& item : n) Emit(out, item);
      out << YAML::EndSeq;
      break;
    case YAML::NodeType::Map: {
      // YAML::Node assignment writes through to the referenced node, so sort indices,
      // never the nodes themselves.
      std::vector<std::string> keys;
      std::vector<YAML::Node> values;
      for (const auto& kv : n) {
        keys.push_back(KeyText(kv.first));
        values.push_back(kv.second);
      }
      std::vector<size_t> order(keys.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return keys[a] < keys[b]; });
      out << YAML::BeginMap;
      for (size_t i : order) {
        out << YAML::Key << keys[i] << YAML::Value;
        Emit(out, values[i]);
      }
      out << YAML::EndMap;
      break;
    }
  }
}

std::string ScalarText(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "null";
  if (IsQuoted(n)) return "\"" + n.Scalar() + "\"";
  return n.Scalar();
}

void Flatten(const YAML::Node& n, const std::string& path,
             std::map<std::string, std::string>& out) {
  if (n.IsMap()) {
    if (n.size() == 0) out[path] = "{}";
    for (const auto& kv : n)
      Flatten(kv.second, path.empty() ? KeyText(kv.first) : path + "." + KeyText(kv.first), out);
  } else if (n.IsSequence()) {
    if (n.size() == 0) out[path] = "[]";
    for (size_t i = 0; i < n.size(); ++i) Flatten(n[i], path + "[" + std::to_string(i) + "]", out);
  } else {
    out[path.empty() ? "(top level)" : path] = ScalarText(n);
  }
}

YAML::Node LoadOrThrow(const std::string& text, const std::string& origin) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw core::InputError(origin + ": line " + std::to_string(e.mark.line + 1) + ", column " +
                           std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

}  // namespace

std::string CanonicalYaml(const std::string& yaml_text, const std::filesystem::path& origin) {
  const YAML::Node root = LoadOrThrow(yaml_text, origin.string());
  YAML::Emitter out;
  out.SetIndent(2);
  Emit(out, root);
  if (!out.good())
    throw core::InputError(origin.string() + ": cannot canonicalize: " + out.GetLastError());
  return std::string(out.c_str()) + "\n";
}

std::string CanonicalYamlFile(const std::filesystem::path& path) {
  return CanonicalYaml(core::ReadInputFile(path, core::kMaxInputFileBytes, "a config file"), path);
}

std::string ConfigHash(const std::string& canonical_yaml) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(core::Fnv1a64(canonical_yaml)));
  return buf;
}

std::vector<std::string> DiffCanonicalYaml(const std::string& old_yaml,
                                           const std::string& new_yaml) {
  std::map<std::string, std::string> a, b;
  Flatten(LoadOrThrow(old_yaml, "stored config"), "", a);
  Flatten(LoadOrThrow(new_yaml, "new config"), "", b);
  std::vector<std::string> out;
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end()) {
      out.push_back("removed " + k + " (was " + v + ")");
    } else if (it->second != v) {
      out.push_back(k + ": " + v + " -> " + it->second);
    }
  }
  for (const auto& [k, v] : b) {
    if (!a.count(k)) out.push_back("added " + k + ": " + v);
  }
  return out;
}

}  // namespace iorec::config

#pragma once
/// A config file's values as a plain tree (no YAML library in sight), and the reader that
/// validates typed fields from it. Every module that owns settings reads its own section with
/// a ConfigReader; problems are collected, each located as "<file>: <key path>: <message>".
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iorec/core/error.hpp"

namespace iorec::core {

/// One value as written: null, a scalar (its text, and whether it was quoted or !!str-tagged),
/// a list, or a mapping (keys in file order; a key may itself be any node).
class ConfigNode {
 public:
  enum class Kind { kNull, kScalar, kList, kMap };

  ConfigNode() = default;
  static ConfigNode Scalar(std::string text, bool quoted = false);
  static ConfigNode List(std::vector<ConfigNode> items);
  static ConfigNode Map(std::vector<ConfigNode> keys, std::vector<ConfigNode> values);

  Kind kind() const { return kind_; }
  bool IsNull() const { return kind_ == Kind::kNull; }
  bool IsScalar() const { return kind_ == Kind::kScalar; }
  bool IsList() const { return kind_ == Kind::kList; }
  bool IsMap() const { return kind_ == Kind::kMap; }
  const std::string& text() const { return text_; }  ///< scalars only
  bool quoted() const { return quoted_; }
  /// List items, or mapping values.
  size_t size() const { return items_.size(); }
  const ConfigNode& operator[](size_t i) const { return items_[i]; }
  const ConfigNode& key(size_t i) const { return keys_[i]; }  ///< mappings only

  /// How the node looks, for "expected X, got Y" messages.
  std::string Describe() const;

 private:
  Kind kind_ = Kind::kNull;
  std::string text_;
  bool quoted_ = false;
  std::vector<ConfigNode> items_;
  std::vector<ConfigNode> keys_;
};

/// A mapping checked for duplicate, non-scalar and unknown keys: its accepted entries.
class ConfigMap {
 public:
  const ConfigNode* Find(const std::string& key) const;
  const std::vector<std::pair<std::string, const ConfigNode*>>& entries() const { return entries_; }
  bool valid = false;  ///< the node was a mapping (or null, read as empty)

 private:
  friend class ConfigReader;
  std::vector<std::pair<std::string, const ConfigNode*>> entries_;
};

/// The name in `known` closest to `name` (fewer than 3 edits, or one a prefix of the other when
/// nothing is that close), or "" when none is: for "did you mean" hints.
std::string SuggestName(const std::string& name, const std::vector<std::string>& known);

/// Reads typed values out of ConfigNodes, collecting every problem with its location.
/// Field readers leave `out` at its default on any problem.
class ConfigReader {
 public:
  explicit ConfigReader(std::string origin) : origin_(std::move(origin)) {}

  ProblemList& problems() { return problems_; }
  const std::string& origin() const { return origin_; }
  /// Records "<origin>: <path>: <message>" ("(top level)" for an empty path).
  void Add(const std::string& path, const std::string& message);

  static std::string Child(const std::string& path, const std::string& key);
  static std::string Index(const std::string& path, size_t i);
  /// 'text', for values and names in messages (bytes that are not UTF-8 text as \xNN).
  static std::string Quote(const std::string& text);
  /// The items separated by `sep`, for lists in messages.
  static std::string Join(const std::vector<std::string>& items, std::string_view sep);
  /// Records every key and scalar under `node` that is not valid UTF-8 (names and values
  /// reach JSON outputs, which must be UTF-8).
  void CheckUtf8(const ConfigNode& node, const std::string& path);

  /// Reads a mapping; `known` empty means any key is allowed. Unknown keys are reported with
  /// a "did you mean" suggestion. The nodes must outlive the returned map.
  ConfigMap Map(const ConfigNode& node, const std::string& path,
                const std::vector<std::string>& known);

  bool ExpectScalar(const ConfigNode& node, const std::string& path, const char* what);
  std::optional<int64_t> Int(const ConfigNode& node, const std::string& path);
  std::optional<uint64_t> Uint(const ConfigNode& node, const std::string& path);
  std::optional<double> Double(const ConfigNode& node, const std::string& path);
  std::optional<bool> Bool(const ConfigNode& node, const std::string& path);
  std::optional<std::string> String(const ConfigNode& node, const std::string& path);
  /// One of `allowed` (case-insensitive); returns its index.
  std::optional<size_t> Enum(const ConfigNode& node, const std::string& path,
                             const std::vector<std::string>& allowed);

  /// A closed or open interval for DoubleField.
  struct Range {
    std::optional<double> lo, hi;
    bool lo_open = false, hi_open = false;
  };
  static Range Open01() { return Range{0.0, 1.0, true, true}; }
  static Range HalfOpen01() { return Range{0.0, 1.0, true, false}; }
  static Range Between(double lo, double hi) { return Range{lo, hi, false, false}; }
  static Range AboveUpTo(double lo, double hi) { return Range{lo, hi, true, false}; }

  template <class T>
  void IntField(const ConfigMap& m, const std::string& section, const std::string& key, T& out,
                int64_t lo, int64_t hi = std::numeric_limits<int>::max()) {
    if (auto v = CheckedInt(m, section, key, lo, hi)) out = static_cast<T>(*v);
  }
  void UintField(const ConfigMap& m, const std::string& section, const std::string& key,
                 uint64_t& out, uint64_t hi = std::numeric_limits<uint64_t>::max());
  void DoubleField(const ConfigMap& m, const std::string& section, const std::string& key,
                   double& out, Range r);
  void BoolField(const ConfigMap& m, const std::string& section, const std::string& key, bool& out);
  void StringField(const ConfigMap& m, const std::string& section, const std::string& key,
                   std::string& out, bool allow_empty = true);
  template <class E>
  void EnumField(const ConfigMap& m, const std::string& section, const std::string& key, E& out,
                 const std::vector<std::string>& names, const std::vector<E>& values) {
    const ConfigNode* n = m.Find(key);
    if (!n) return;
    if (auto i = Enum(*n, Child(section, key), names)) out = values[*i];
  }

 private:
  std::optional<int64_t> CheckedInt(const ConfigMap& m, const std::string& section,
                                    const std::string& key, int64_t lo, int64_t hi);

  std::string origin_;
  ProblemList problems_;
};

}  // namespace iorec::core

#pragma once
/// The search space: knobs with discrete levels, configs as level indices, and
/// the index arithmetic (size, ranking, distance, one-hot encoding) over them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "iorec/core/rng.hpp"
#include "iorec/core/strong_id.hpp"

namespace iorec::space {

using core::KnobIndex;
using core::LevelIndex;

/// A knob value exactly as the user wrote it (integer, float or string such as "64K").
class KnobValue {
 public:
  enum class Kind { kInt, kFloat, kString };

  static KnobValue Int(int64_t v, std::string text);
  static KnobValue Float(double v, std::string text);
  static KnobValue String(std::string text);
  /// Parses a scalar: integer if it looks like one, then float, else string.
  static KnobValue FromText(const std::string& text);

  Kind kind() const { return kind_; }
  /// The value as written.
  const std::string& text() const { return text_; }
  int64_t as_int() const { return int_; }
  double as_double() const { return dbl_; }

  /// Two values are equal when they have the same kind and the same written text.
  bool operator==(const KnobValue& o) const { return kind_ == o.kind_ && text_ == o.text_; }

 private:
  Kind kind_ = Kind::kString;
  std::string text_;
  int64_t int_ = 0;
  double dbl_ = 0.0;
};

struct Knob {
  std::string name;
  std::vector<KnobValue> values;
  bool is_ordered = true;
  size_t levels() const { return values.size(); }
};

/// Maximum number of levels per knob (level indices are stored as bytes).
inline constexpr size_t kMaxLevels = 255;

/// A configuration: one level index per knob, in knob order. A value type.
class Config {
 public:
  Config() = default;
  explicit Config(std::vector<uint8_t> levels) : levels_(std::move(levels)) {}

  size_t size() const { return levels_.size(); }
  LevelIndex level(KnobIndex k) const { return LevelIndex(levels_[k.value]); }
  void set_level(KnobIndex k, LevelIndex l) { levels_[k.value] = static_cast<uint8_t>(l.value); }
  uint8_t operator[](size_t i) const { return levels_[i]; }
  const std::vector<uint8_t>& levels() const { return levels_; }

  auto operator<=>(const Config&) const = default;

 private:
  std::vector<uint8_t> levels_;
};

class Space {
 public:
  Space() = default;
  /// Precondition: every knob has 1..kMaxLevels distinct values and names are unique
  /// (validated by the config module).
  explicit Space(std::vector<Knob> knobs);

  size_t num_knobs() const { return knobs_.size(); }
  const std::vector<Knob>& knobs() const { return knobs_; }
  const Knob& knob(KnobIndex k) const { return knobs_[k.value]; }
  size_t levels(size_t k) const { return knobs_[k].values.size(); }

  /// Number of configs; saturates at UINT64_MAX.
  uint64_t Size() const { return size_; }
  /// Mixed-radix rank (knob 0 most significant). Precondition: Size() < UINT64_MAX.
  uint64_t Rank(const Config& c) const;
  Config Unrank(uint64_t rank) const;
  /// All configs in rank order. Precondition: Size() <= limit (throws core::Error otherwise).
  std::vector<Config> Enumerate(uint64_t limit) const;

  /// Normalized L1 distance in index space: mean over knobs of |dl| / (levels-1), in [0,1].
  /// Knobs with one level contribute 0.
  double Distance(const Config& a, const Config& b) const;

  Config AllMin() const;
  Config AllMax() const;
  Config Random(core::Rng& rng) const;

  /// Width of the one-hot encoding (sum of levels).
  size_t OneHotWidth() const { return one_hot_width_; }
  /// Offset of knob k's first one-hot column.
  size_t OneHotOffset(size_t k) const { return offsets_[k]; }
  /// Writes OneHotWidth() floats (0 or 1) to out.
  void EncodeOneHot(const Config& c, float* out) const;
  /// Column names "knob=value".
  std::vector<std::string> OneHotNames() const;

  /// Width of the model encoding of a config: the one-hot block, then one ordinal column
  /// (level / (levels-1), in [0,1]) per ordered knob, so trees can split on "level <= l".
  size_t ConfigWidth() const { return one_hot_width_ + ordinal_knobs_.size(); }
  /// Writes ConfigWidth() floats: EncodeOneHot, then the ordinal columns.
  void EncodeConfig(const Config& c, float* out) const;
  /// Names of the ConfigWidth() columns: "knob=value", then "knob#level".
  std::vector<std::string> ConfigColumnNames() const;
  /// The knob a config column (0-based within ConfigWidth()) belongs to.
  size_t KnobOfColumn(size_t column) const;

  std::optional<LevelIndex> FindLevel(KnobIndex k, const KnobValue& v) const;
  const KnobValue& Value(const Config& c, size_t k) const { return knobs_[k].values[c[k]]; }
  /// "stripe_count=4 stripe_size=1M ..." for logs and reports.
  std::string Describe(const Config& c) const;

 private:
  std::vector<Knob> knobs_;
  std::vector<size_t> offsets_;
  std::vector<double> inv_span_;
  std::vector<size_t> ordinal_knobs_;  ///< ordered knobs with more than one level
  uint64_t size_ = 1;
  size_t one_hot_width_ = 0;
};

/// Hash of a config's levels, for unordered containers.
struct ConfigHash {
  size_t operator()(const Config& c) const;
};

}  // namespace iorec::space

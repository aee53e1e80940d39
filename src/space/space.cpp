#include "iorec/space/space.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "iorec/core/error.hpp"
#include "iorec/core/hash.hpp"

namespace iorec::space {

KnobValue KnobValue::Int(int64_t v, std::string text) {
  KnobValue k;
  k.kind_ = Kind::kInt;
  k.int_ = v;
  k.dbl_ = static_cast<double>(v);
  k.text_ = std::move(text);
  return k;
}

KnobValue KnobValue::Float(double v, std::string text) {
  KnobValue k;
  k.kind_ = Kind::kFloat;
  k.dbl_ = v;
  k.int_ = static_cast<int64_t>(v);
  k.text_ = std::move(text);
  return k;
}

KnobValue KnobValue::String(std::string text) {
  KnobValue k;
  k.kind_ = Kind::kString;
  k.text_ = std::move(text);
  return k;
}

KnobValue KnobValue::FromText(const std::string& text) {
  if (!text.empty()) {
    errno = 0;
    char* end = nullptr;
    const long long iv = std::strtoll(text.c_str(), &end, 10);
    if (errno == 0 && end == text.c_str() + text.size()) return Int(iv, text);
    errno = 0;
    const double dv = std::strtod(text.c_str(), &end);
    if (errno == 0 && end == text.c_str() + text.size() && std::isfinite(dv)) {
      return Float(dv, text);
    }
  }
  return String(text);
}

Space::Space(std::vector<Knob> knobs) : knobs_(std::move(knobs)) {
  size_ = 1;
  one_hot_width_ = 0;
  for (const auto& k : knobs_) {
    offsets_.push_back(one_hot_width_);
    one_hot_width_ += k.levels();
    inv_span_.push_back(k.levels() > 1 ? 1.0 / static_cast<double>(k.levels() - 1) : 0.0);
    if (k.is_ordered && k.levels() > 1) ordinal_knobs_.push_back(offsets_.size() - 1);
    const uint64_t l = k.levels();
    if (l == 0) {
      size_ = 0;
    } else if (size_ != UINT64_MAX) {
      size_ = (size_ > UINT64_MAX / l) ? UINT64_MAX : size_ * l;
    }
  }
}

uint64_t Space::Rank(const Config& c) const {
  uint64_t r = 0;
  for (size_t k = 0; k < knobs_.size(); ++k) r = r * knobs_[k].levels() + c[k];
  return r;
}

Config Space::Unrank(uint64_t rank) const {
  std::vector<uint8_t> lv(knobs_.size());
  for (size_t k = knobs_.size(); k-- > 0;) {
    const uint64_t l = knobs_[k].levels();
    lv[k] = static_cast<uint8_t>(rank % l);
    rank /= l;
  }
  return Config(std::move(lv));
}

std::vector<Config> Space::Enumerate(uint64_t limit) const {
  if (size_ > limit) {
    throw core::Error("space of " + std::to_string(size_) +
                      " configs exceeds the enumeration limit " + std::to_string(limit));
  }
  std::vector<Config> out;
  out.reserve(size_);
  std::vector<uint8_t> lv(knobs_.size(), 0);
  for (uint64_t i = 0; i < size_; ++i) {
    out.emplace_back(lv);
    for (size_t k = knobs_.size(); k-- > 0;) {
      if (++lv[k] < knobs_[k].levels()) break;
      lv[k] = 0;
    }
  }
  return out;
}

double Space::Distance(const Config& a, const Config& b) const {
  if (knobs_.empty()) return 0.0;
  double s = 0.0;
  for (size_t k = 0; k < knobs_.size(); ++k) {
    s += std::abs(static_cast<int>(a[k]) - static_cast<int>(b[k])) * inv_span_[k];
  }
  return s / static_cast<double>(knobs_.size());
}

Config Space::AllMin() const { return Config(std::vector<uint8_t>(knobs_.size(), 0)); }

Config Space::AllMax() const {
  std::vector<uint8_t> lv;
  for (const auto& k : knobs_) lv.push_back(static_cast<uint8_t>(k.levels() - 1));
  return Config(std::move(lv));
}

Config Space::Random(core::Rng& rng) const {
  std::vector<uint8_t> lv;
  lv.reserve(knobs_.size());
  for (const auto& k : knobs_) lv.push_back(static_cast<uint8_t>(rng.UniformInt(k.levels())));
  return Config(std::move(lv));
}

void Space::EncodeOneHot(const Config& c, float* out) const {
  for (size_t i = 0; i < one_hot_width_; ++i) out[i] = 0.0f;
  for (size_t k = 0; k < knobs_.size(); ++k) out[offsets_[k] + c[k]] = 1.0f;
}

void Space::EncodeConfig(const Config& c, float* out) const {
  EncodeOneHot(c, out);
  float* ord = out + one_hot_width_;
  for (size_t i = 0; i < ordinal_knobs_.size(); ++i) {
    const size_t k = ordinal_knobs_[i];
    ord[i] = static_cast<float>(c[k] * inv_span_[k]);
  }
}

std::vector<std::string> Space::ConfigColumnNames() const {
  std::vector<std::string> names = OneHotNames();
  for (size_t k : ordinal_knobs_) names.push_back(knobs_[k].name + "#level");
  return names;
}

size_t Space::KnobOfColumn(size_t column) const {
  if (column >= one_hot_width_) return ordinal_knobs_.at(column - one_hot_width_);
  size_t k = 0;
  while (k + 1 < offsets_.size() && offsets_[k + 1] <= column) ++k;
  return k;
}

std::vector<std::string> Space::OneHotNames() const {
  std::vector<std::string> names;
  for (const auto& k : knobs_) {
    for (const auto& v : k.values) names.push_back(k.name + "=" + v.text());
  }
  return names;
}

std::optional<LevelIndex> Space::FindLevel(KnobIndex k, const KnobValue& v) const {
  const auto& vals = knobs_[k.value].values;
  for (size_t i = 0; i < vals.size(); ++i) {
    if (vals[i] == v) return LevelIndex(static_cast<uint32_t>(i));
  }
  // Accept a numerically equal value written differently (e.g. 1 vs 1.0).
  if (v.kind() != KnobValue::Kind::kString) {
    for (size_t i = 0; i < vals.size(); ++i) {
      if (vals[i].kind() != KnobValue::Kind::kString && vals[i].as_double() == v.as_double()) {
        return LevelIndex(static_cast<uint32_t>(i));
      }
    }
  }
  return std::nullopt;
}

std::string Space::Describe(const Config& c) const {
  std::string s;
  for (size_t k = 0; k < knobs_.size(); ++k) {
    if (k) s += ' ';
    s += knobs_[k].name + '=' + knobs_[k].values[c[k]].text();
  }
  return s;
}

size_t ConfigHash::operator()(const Config& c) const {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (uint8_t l : c.levels()) h = (h ^ l) * 0x100000001b3ULL;
  return static_cast<size_t>(core::Mix64(h));
}

}  // namespace iorec::space

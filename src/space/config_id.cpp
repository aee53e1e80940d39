#include "iorec/space/config_id.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <utility>
#include <vector>

#include "iorec/core/hash.hpp"

namespace iorec::space {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

/// PyYAML's implicit float for finite values: [-+]?[0-9][0-9_]*.[0-9_]*([eE][-+][0-9]+)? or
/// .[0-9][0-9_]*([eE][-+][0-9]+)?
bool PyYamlReadsFloat(const std::string& t) {
  size_t i = 0;
  const bool dot_first = !t.empty() && t[0] == '.';
  if (!dot_first) {
    if (i < t.size() && (t[i] == '-' || t[i] == '+')) ++i;
    if (i >= t.size() || !IsDigit(t[i])) return false;
    while (i < t.size() && (IsDigit(t[i]) || t[i] == '_')) ++i;
    if (i >= t.size() || t[i] != '.') return false;
    ++i;
  } else {
    ++i;
    if (i >= t.size() || !IsDigit(t[i])) return false;
  }
  while (i < t.size() && (IsDigit(t[i]) || t[i] == '_')) ++i;
  if (i == t.size()) return true;
  if (t[i] != 'e' && t[i] != 'E') return false;
  ++i;
  if (i >= t.size() || (t[i] != '-' && t[i] != '+')) return false;
  ++i;
  if (i >= t.size()) return false;
  for (; i < t.size(); ++i) {
    if (!IsDigit(t[i])) return false;
  }
  return true;
}

}  // namespace

std::string PythonFloatRepr(double v) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, res.ptr);  // shortest round-trip: "-d.ddde+XX"
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) s.erase(0, 1);
  const size_t e = s.find('e');
  std::string digits;
  for (char c : s.substr(0, e)) {
    if (c != '.') digits += c;
  }
  const int decpt = std::atoi(s.c_str() + e + 1) + 1;  // digits before the point
  const int n = static_cast<int>(digits.size());
  std::string out;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out = "0." + std::string(-decpt, '0') + digits;
    } else if (decpt >= n) {
      out = digits + std::string(decpt - n, '0') + ".0";
    } else {
      out = digits.substr(0, decpt) + "." + digits.substr(decpt);
    }
  } else {
    out = digits.substr(0, 1);
    if (n > 1) out += "." + digits.substr(1);
    const int x = decpt - 1;
    std::string xs = std::to_string(x < 0 ? -x : x);
    if (xs.size() < 2) xs = "0" + xs;
    out += (x < 0 ? "e-" : "e+") + xs;
  }
  return negative ? "-" + out : out;
}

std::string PythonValueText(const KnobValue& v) {
  switch (v.kind()) {
    case KnobValue::Kind::kInt:
      return std::to_string(v.as_int());
    case KnobValue::Kind::kFloat:
      return PyYamlReadsFloat(v.text()) ? PythonFloatRepr(v.as_double()) : v.text();
    case KnobValue::Kind::kString:
      return v.text();
  }
  return v.text();
}

std::string ConfigId(const Space& space, const Config& config) {
  std::vector<std::pair<std::string, std::string>> items;
  for (size_t k = 0; k < space.num_knobs(); ++k) {
    items.emplace_back(space.knob(KnobIndex(k)).name, PythonValueText(space.Value(config, k)));
  }
  std::sort(items.begin(), items.end());
  std::string payload;
  for (const auto& [name, value] : items) {
    if (!payload.empty()) payload += '|';
    payload += name + "=" + value;
  }
  return core::Sha1Hex(payload).substr(0, 16);
}

}  // namespace iorec::space

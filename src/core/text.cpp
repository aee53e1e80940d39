#include "iorec/core/text.hpp"

#include <cstdint>
#include <cstdio>

namespace iorec::core {
namespace {

/// Length of the well-formed UTF-8 sequence at `text[i]`, or 0 when it is ill-formed
/// (Unicode 15, table 3-7).
size_t SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t len = 0;
  uint8_t lo = 0x80, hi = 0xBF;  // bounds of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // at most U+10FFFF
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

std::string Hex(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", b);
  return buf;
}

/// Writes ill-formed bytes (and, with `control`, control characters) as \xNN.
std::string EscapeBytes(std::string_view text, bool control) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t n = SequenceLength(text, i);
    const auto b = static_cast<uint8_t>(text[i]);
    if (n == 0 || (control && (b < 0x20 || b == 0x7F))) {
      out += Hex(b);
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace

std::optional<size_t> FirstInvalidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t n = SequenceLength(text, i);
    if (n == 0) return i;
    i += n;
  }
  return std::nullopt;
}

std::string Printable(std::string_view text) { return EscapeBytes(text, /*control=*/true); }

std::string EscapeInvalidUtf8(std::string_view text) {
  if (!FirstInvalidUtf8(text)) return std::string(text);
  return EscapeBytes(text, /*control=*/false);
}

std::string Utf8Problem(std::string_view text) {
  const auto at = FirstInvalidUtf8(text);
  if (!at) return "";
  char buf[80];
  std::snprintf(buf, sizeof buf, "is not valid UTF-8 text (byte 0x%02X at offset %zu)",
                static_cast<unsigned>(static_cast<uint8_t>(text[*at])), *at);
  return buf;
}

}  // namespace iorec::core

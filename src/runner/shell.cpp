// Shell quoting: single quotes, with each embedded quote closed, escaped and reopened.
#include "iorec/runner/shell.hpp"

#include <algorithm>
#include <cctype>

namespace iorec::runner {
namespace {

bool IsPlainChar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) {
    return true;
  }
  switch (c) {
    case '_':
    case '@':
    case '%':
    case '+':
    case '=':
    case ':':
    case ',':
    case '.':
    case '/':
    case '-':
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string ShellQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '\'';
  for (const char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::string ShellWord(std::string_view s) {
  if (!s.empty() && std::all_of(s.begin(), s.end(), IsPlainChar)) return std::string(s);
  return ShellQuote(s);
}

std::string ShellJoin(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += ShellWord(a);
  }
  return out;
}

}  // namespace iorec::runner

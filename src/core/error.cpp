#include "iorec/core/error.hpp"

#include "iorec/core/text.hpp"

namespace iorec::core {
namespace {
/// Messages quote names and values as given; bytes that are not UTF-8 are escaped so that a
/// message can be printed and written to JSON.
std::vector<std::string> Escaped(std::vector<std::string> problems) {
  for (auto& p : problems) p = EscapeInvalidUtf8(p);
  return problems;
}

std::string Join(const std::vector<std::string>& problems) {
  if (problems.size() == 1) return problems.front();
  std::string out = std::to_string(problems.size()) + " problems:";
  for (const auto& p : problems) out += "\n  - " + p;
  return out;
}
}  // namespace

InputError::InputError(std::vector<std::string> problems)
    : Error(Join(Escaped(problems))), problems_(Escaped(std::move(problems))) {}

void ProblemList::Append(const ProblemList& other) {
  problems_.insert(problems_.end(), other.problems_.begin(), other.problems_.end());
}

void ProblemList::ThrowIfAny() const {
  if (!problems_.empty()) throw InputError(problems_);
}

}  // namespace iorec::core

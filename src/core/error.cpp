#include "iorec/core/error.hpp"

namespace iorec::core {
namespace {
std::string Join(const std::vector<std::string>& problems) {
  if (problems.size() == 1) return problems.front();
  std::string out = std::to_string(problems.size()) + " problems:";
  for (const auto& p : problems) out += "\n  - " + p;
  return out;
}
}  // namespace

InputError::InputError(std::vector<std::string> problems)
    : Error(Join(problems)), problems_(std::move(problems)) {}

void ProblemList::Append(const ProblemList& other) {
  problems_.insert(problems_.end(), other.problems_.begin(), other.problems_.end());
}

void ProblemList::ThrowIfAny() const {
  if (!problems_.empty()) throw InputError(problems_);
}

}  // namespace iorec::core

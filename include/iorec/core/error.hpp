#pragma once
/// Error types shared by every module. Messages carry their own context
/// ("config.yaml: active.batch_per_iter: must be >= 1, got 0").
#include <stdexcept>
#include <string>
#include <vector>

namespace iorec::core {

/// Process exit codes used by the CLI.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

/// Base class of all iorec errors.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

/// Bad user input (config, workload files, CLI arguments). Exit code 2.
/// Holds every problem found, each already prefixed with its location.
class InputError : public Error {
 public:
  explicit InputError(std::vector<std::string> problems);
  explicit InputError(const std::string& problem) : InputError(std::vector<std::string>{problem}) {}
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

/// Collects problems while validating, then throws them all at once.
class ProblemList {
 public:
  void Add(std::string problem) { problems_.push_back(std::move(problem)); }
  bool empty() const { return problems_.empty(); }
  size_t size() const { return problems_.size(); }
  const std::vector<std::string>& items() const { return problems_; }
  void Append(const ProblemList& other);
  /// Throws InputError with every collected problem, if any.
  void ThrowIfAny() const;

 private:
  std::vector<std::string> problems_;
};

}  // namespace iorec::core

#pragma once
// Input files named on the command line, where "-" means standard input (a pipe or a
// redirect). Each command that reads a file goes through these, so every one of them takes "-".
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "iorec/config/study_config.hpp"
#include "iorec/darshan/features.hpp"
#include "iorec/darshan/log.hpp"

namespace iorec::app {

/// True for "-": the argument names standard input.
bool IsStdinArg(const std::string& arg);

/// How messages name an input: the path, or "<stdin>" for "-".
std::string InputName(const std::string& arg);

/// The whole content of a file, or of standard input for "-". Standard input is read at most
/// once per process: a second "-" is an InputError. `what` ("config", "workload") names the
/// input in the hint printed when standard input is a terminal. Throws InputError naming the
/// file when it cannot be read.
std::string ReadInput(const std::string& arg, const std::string& what);

/// The bytes of a file (memory-mapped; anything but a regular file is refused) or of standard
/// input for "-".
class InputBytes {
 public:
  InputBytes(const std::string& arg, const std::string& what);
  std::span<const unsigned char> bytes() const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::optional<darshan::MappedFile> map_;
  std::string buffer_;
};

/// A study config from a file or standard input, with its text (for the study's hash).
/// From standard input, relative paths in it resolve against the working directory, and
/// messages name it "<stdin>".
struct ConfigInput {
  config::StudyConfig config;
  std::string text;
  /// What the study records as the config's path: the absolute file, or
  /// "<working directory>/<stdin>" (so that `iorec report` resolves the same paths).
  std::filesystem::path recorded_path;
};
ConfigInput LoadConfigArg(const std::string& arg);

/// One workload JSON file (or standard input), features in `feature_names` order. From
/// standard input, the workload id is the stem of its "filename" field when it has one (as
/// `iorec features` writes), else "stdin".
space::Workload LoadWorkloadArg(const std::string& arg,
                                const std::vector<std::string>& feature_names,
                                const std::string& feature_prefix);

/// The features of a Darshan log (binary or darshan-parser text) or of standard input.
darshan::WorkloadFeatures DarshanFeaturesArg(const std::string& arg,
                                             const darshan::FeatureOptions& options);

/// The workload a Darshan log (or standard input) describes, its features in `feature_names`
/// order from the counters of `module` (auto, posix or mpiio): id the log's stem ("stdin"),
/// source_file the log. `layout` (may be null) receives the Lustre layout the application
/// ran with, when the log has LUSTRE records. Throws InputError naming the log and the
/// features it does not provide.
space::Workload DarshanWorkloadArg(const std::string& log, const std::string& module,
                                   const std::vector<std::string>& feature_names,
                                   std::optional<darshan::LustreLayout>* layout);

}  // namespace iorec::app

#include "input.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/darshan/summary.hpp"

namespace iorec::app {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStdinName = "<stdin>";

/// Reads all of standard input, once; at most `max_bytes` of it.
std::string ReadStdin(const std::string& what, size_t max_bytes = core::kMaxInputFileBytes) {
  static bool consumed = false;
  if (consumed) {
    throw core::InputError(
        "'-' (standard input) is given for more than one input; it can be "
        "read only once");
  }
  consumed = true;
  if (::isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "iorec: reading the %s from standard input (end it with Ctrl-D)\n",
                 what.c_str());
  }
  std::string text;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) {
    text.append(buf, n);
    if (text.size() > max_bytes) {
      throw core::InputError(std::string(kStdinName) + ": more than " +
                             std::to_string(max_bytes >> 20) + " MiB; too large for a " + what);
    }
  }
  if (std::ferror(stdin)) {
    throw core::InputError(std::string(kStdinName) + ": read error: " + std::strerror(errno));
  }
  return text;
}

/// Runs `parse` on a config from standard input, with `origin` as its path so relative paths
/// resolve against the working directory; messages then name "<stdin>" instead of `origin`.
template <typename Parse>
auto WithStdinName(const std::string& origin, Parse parse) {
  try {
    return parse();
  } catch (const core::InputError& e) {
    std::vector<std::string> problems;
    for (std::string p : e.problems()) {
      if (p.rfind(origin, 0) == 0) p.replace(0, origin.size(), kStdinName);
      problems.push_back(std::move(p));
    }
    throw core::InputError(problems);
  }
}

}  // namespace

bool IsStdinArg(const std::string& arg) { return arg == "-"; }

std::string InputName(const std::string& arg) { return IsStdinArg(arg) ? kStdinName : arg; }

std::string ReadInput(const std::string& arg, const std::string& what) {
  return IsStdinArg(arg) ? ReadStdin(what) : core::ReadFile(arg);
}

InputBytes::InputBytes(const std::string& arg, const std::string& what) : name_(InputName(arg)) {
  if (IsStdinArg(arg)) {
    buffer_ = ReadStdin(what, size_t{1} << 30);  // Darshan logs are larger than configs
  } else {
    map_.emplace(arg);
  }
}

std::span<const unsigned char> InputBytes::bytes() const {
  if (map_) return map_->bytes();
  return {reinterpret_cast<const unsigned char*>(buffer_.data()), buffer_.size()};
}

ConfigInput LoadConfigArg(const std::string& arg) {
  ConfigInput in;
  if (!IsStdinArg(arg)) {
    in.config = config::LoadStudyConfig(arg);
    in.text = core::ReadInputFile(arg, core::kMaxInputFileBytes, "a config file");
    in.recorded_path = fs::absolute(arg).lexically_normal();
    return in;
  }
  in.text = ReadStdin("config");
  in.recorded_path = fs::current_path() / kStdinName;
  in.config = WithStdinName(in.recorded_path.string(),
                            [&] { return config::ParseStudyConfig(in.text, in.recorded_path); });
  return in;
}

space::Workload LoadWorkloadArg(const std::string& arg,
                                const std::vector<std::string>& feature_names,
                                const std::string& feature_prefix) {
  if (!IsStdinArg(arg)) return config::LoadWorkloadFile(arg, feature_names, feature_prefix);
  space::Workload w =
      config::ParseWorkloadText(ReadStdin("workload"), kStdinName, feature_names, feature_prefix);
  const auto filename = w.attributes.find("filename");
  w.id = filename != w.attributes.end() && !fs::path(filename->second).stem().empty()
             ? fs::path(filename->second).stem().string()
             : "stdin";
  return w;
}

darshan::WorkloadFeatures DarshanFeaturesArg(const std::string& arg,
                                             const darshan::FeatureOptions& options) {
  if (!IsStdinArg(arg)) return darshan::FeaturesFromFile(arg, options);
  const InputBytes in(arg, "Darshan log");
  return darshan::ComputeFeatures(darshan::SummarizeAnyLog(in.bytes(), in.name()), options);
}

space::Workload DarshanWorkloadArg(const std::string& log, const std::string& module,
                                   const std::vector<std::string>& feature_names,
                                   std::optional<darshan::LustreLayout>* layout) {
  darshan::FeatureOptions options;
  options.basis = darshan::ParseBasis(module);
  const auto features = DarshanFeaturesArg(log, options);
  if (layout != nullptr) *layout = features.layout;
  const auto values = features.AsMap();
  space::Workload w;
  w.id = IsStdinArg(log) ? "stdin" : fs::path(log).stem().string();
  w.source_file = InputName(log);
  w.attributes = features.Attributes();
  std::vector<std::string> missing;
  for (const auto& name : feature_names) {
    const auto it = values.find(name);
    if (it == values.end()) {
      missing.push_back(name);
    } else {
      w.features.push_back(it->second);
    }
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw core::InputError(InputName(log) +
                           ": the model needs features a Darshan log does not provide: " + list);
  }
  return w;
}

}  // namespace iorec::app

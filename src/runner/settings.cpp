// The `runner:` section: keys, defaults and the checks only the runner can make.
#include "iorec/runner/settings.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#include <system_error>

#include "iorec/runner/command_runner.hpp"
#include "iorec/runner/real_runner.hpp"

namespace iorec::runner {
namespace {

namespace fs = std::filesystem;
using core::ConfigMap;
using core::ConfigNode;
using core::ConfigReader;

constexpr double kMaxTimeoutS = 30.0 * 24 * 3600;  // 30 days

const std::vector<std::string>& RunnerKeys() {
  static const std::vector<std::string> keys = {"mode",
                                                "noise_std",
                                                "io_synth_root",
                                                "out_root",
                                                "cap_total_gib",
                                                "io_api",
                                                "meta_api",
                                                "mpi_collective_mode",
                                                "meta_scope",
                                                "nprocs_cap",
                                                "metric_key",
                                                "metric_fallback",
                                                "delete_existing_darshan",
                                                "flush_wait_sec",
                                                "use_sudo_for_lustre",
                                                "dry_run",
                                                "launcher",
                                                "synth_binary",
                                                "darshan_lib",
                                                "require_lustre",
                                                "warmup_runs",
                                                "command",
                                                "metric",
                                                "metric_unit",
                                                "timeout_s",
                                                "max_retries",
                                                "retry_backoff_s",
                                                "objective",
                                                "executor",
                                                "parallel_trials",
                                                "slurm"};
  return keys;
}

/// Resolves a path against the config file's directory.
std::string ResolvePath(const std::string& configured, const fs::path& config_path) {
  if (configured.empty()) return configured;
  const fs::path c(configured);
  if (c.is_relative() && !config_path.empty()) {
    // Absolute: trials run in their own directories (`-c config.yaml` has no parent path).
    return (fs::absolute(config_path).parent_path() / c).lexically_normal().string();
  }
  return configured;
}

void ParseSlurm(ConfigReader& p, const ConfigNode& node, SlurmSettings& sc) {
  const std::string s = "runner.slurm";
  ConfigMap m = p.Map(
      node, s,
      {"partition", "account", "time", "nodes", "ntasks", "extra_args", "poll_s", "max_concurrent",
       "trials_per_job", "max_array_size", "submit_retries", "submit_backoff_s"});
  p.StringField(m, s, "partition", sc.partition);
  p.StringField(m, s, "account", sc.account);
  p.StringField(m, s, "time", sc.time);
  p.IntField(m, s, "nodes", sc.nodes, 1, 100000);
  p.IntField(m, s, "ntasks", sc.ntasks, 1, 10000000);
  p.DoubleField(m, s, "poll_s", sc.poll_s, ConfigReader::AboveUpTo(0.0, 3600.0));
  p.IntField(m, s, "max_concurrent", sc.max_concurrent, 0, 1000000);
  p.IntField(m, s, "trials_per_job", sc.trials_per_job, 1, 100000);
  p.IntField(m, s, "max_array_size", sc.max_array_size, 1, 4000000);
  p.IntField(m, s, "submit_retries", sc.submit_retries, 0, 100);
  p.DoubleField(m, s, "submit_backoff_s", sc.submit_backoff_s, ConfigReader::Between(0.0, 3600.0));
  if (const ConfigNode* n = m.Find("extra_args")) {
    const std::string path = s + ".extra_args";
    if (n->IsList()) {
      for (size_t i = 0; i < n->size(); ++i) {
        if (auto v = p.String((*n)[i], ConfigReader::Index(path, i))) sc.extra_args.push_back(*v);
      }
    } else if (n->IsNull()) {
      // no extra arguments
    } else if (auto v = p.String(*n, path)) {
      std::istringstream words(*v);
      std::string w;
      while (words >> w) sc.extra_args.push_back(w);
    }
  }
}

void ParseRealKeys(ConfigReader& p, const ConfigMap& m, RunnerSettings& r) {
  const std::string s = "runner";
  RealRunnerSettings& real = r.real;
  p.StringField(m, s, "io_synth_root", real.io_synth_root);
  p.StringField(m, s, "out_root", real.out_root);
  p.DoubleField(m, s, "cap_total_gib", real.cap_total_gib, ConfigReader::AboveUpTo(0.0, 1e6));
  p.StringField(m, s, "io_api", real.io_api);
  p.StringField(m, s, "mpi_collective_mode", real.mpi_collective_mode);
  p.IntField(m, s, "nprocs_cap", real.nprocs_cap, 1, 10000000);
  p.StringField(m, s, "metric_key", r.metric_key);
  if (!r.metric_key.empty()) real.metric_key = r.metric_key;
  p.StringField(m, s, "metric_fallback", real.metric_fallback);
  p.BoolField(m, s, "delete_existing_darshan", real.delete_existing_darshan);
  p.DoubleField(m, s, "flush_wait_sec", real.flush_wait_sec, ConfigReader::Between(0.0, 3600.0));
  p.BoolField(m, s, "use_sudo_for_lustre", real.use_sudo_for_lustre);
  p.BoolField(m, s, "dry_run", real.dry_run);
  p.StringField(m, s, "launcher", real.launcher, /*allow_empty=*/false);
  p.StringField(m, s, "synth_binary", real.synth_binary, /*allow_empty=*/false);
  p.StringField(m, s, "darshan_lib", real.darshan_lib);
  p.BoolField(m, s, "require_lustre", real.require_lustre);
  p.IntField(m, s, "warmup_runs", real.warmup_runs, 0, 100);
  p.EnumField(m, s, "meta_scope", real.meta_scope, {"separate", "data_files"},
              {std::string("separate"), std::string("data_files")});
  p.EnumField(m, s, "meta_api", real.meta_api, {"posix"}, {std::string("posix")});
}

/// Knob names must become environment variables and must not shadow placeholders.
void CheckCommandKnobs(ConfigReader& p, const space::Space& space, const std::string& command) {
  std::vector<std::string> problems;
  std::map<std::string, std::string> env_names;
  const auto& builtins = BuiltinPlaceholders();
  for (const auto& k : space.knobs()) {
    if (!IsValidEnvName(k.name)) {
      p.Add("parameters", "knob name " + ConfigReader::Quote(k.name) +
                              " is not a valid environment variable name (letters, digits "
                              "and '_', not starting with a digit), needed for " +
                              KnobEnvName(k.name) + " by runner.mode 'command'");
    } else if (std::find(builtins.begin(), builtins.end(), k.name) != builtins.end()) {
      p.Add("parameters", "knob name " + ConfigReader::Quote(k.name) +
                              " clashes with the command placeholder {" + k.name + "}");
    } else {
      const std::string env = KnobEnvName(k.name);
      auto [it, inserted] = env_names.emplace(env, k.name);
      if (!inserted) {
        p.Add("parameters", "knobs " + ConfigReader::Quote(it->second) + " and " +
                                ConfigReader::Quote(k.name) +
                                " both map to the environment variable " + env);
      }
    }
  }
  if (!command.empty()) {
    CommandTemplate::Parse(command, space, &problems);
    for (const auto& pr : problems) p.Add("runner.command", pr);
  }
}

void CheckCommandMode(ConfigReader& p, const ConfigMap& m, const RunnerSettings& r,
                      const space::Space* space) {
  if (!m.Find("command")) {
    p.Add("runner.command", "required key missing (runner.mode is 'command')");
  } else if (r.command.empty()) {
    p.Add("runner.command", "must not be empty");
  }
  std::string why;
  if (m.Find("metric") && !ParseMetricSpec(r.metric, &why)) p.Add("runner.metric", why);
  if (space) CheckCommandKnobs(p, *space, r.command);
}

/// A path-like key: resolved against the config's directory when it names a file (holds a
/// '/'); a bare name is looked up on PATH when the trial runs.
std::string ResolveToolPath(const std::string& configured, const fs::path& config_path) {
  return configured.find('/') == std::string::npos ? configured
                                                   : ResolvePath(configured, config_path);
}

void CheckRealMode(ConfigReader& p, RunnerSettings& r, const fs::path& config_path) {
  RealRunnerSettings& real = r.real;
  if (real.io_synth_root.empty()) {
    p.Add("runner.io_synth_root", "required for runner.mode 'real'");
  } else {
    real.io_synth_root = ResolvePath(real.io_synth_root, config_path);
    const fs::path script = fs::path(real.io_synth_root) / kSynthesizerScript;
    std::error_code ec;
    if (!real.dry_run && !fs::exists(script, ec)) {
      p.Add("runner.io_synth_root",
            "the synthesizer script " + script.string() + " does not exist");
    }
  }
  if (real.out_root.empty()) {
    p.Add("runner.out_root", "required for runner.mode 'real'");
  } else {
    real.out_root = ResolvePath(real.out_root, config_path);
  }
  real.synth_binary = ResolveToolPath(real.synth_binary, config_path);
  real.darshan_lib = ResolveToolPath(real.darshan_lib, config_path);
  const std::string api = real.io_api;
  if (api != "posix" && api != "mpiio" && api != "auto") {
    p.Add("runner.io_api", "must be one of posix, mpiio, auto, got '" + api + "'");
  }
  if (real.launcher.find("{nprocs}") == std::string::npos) {
    p.Add("runner.launcher",
          "must hold {nprocs} (e.g. 'mpiexec -n {nprocs}'), got '" + real.launcher + "'");
  }
  if (r.executor == ExecutorKind::kLocal && r.parallel_trials > 1) {
    p.Add("runner.parallel_trials",
          "must be 1 with runner.mode 'real': the Lustre bridge sets node-wide lctl client "
          "parameters, so trials on one machine cannot overlap");
  }
}

}  // namespace

const char* ToString(RunnerMode m) {
  switch (m) {
    case RunnerMode::kStub:
      return "stub";
    case RunnerMode::kCommand:
      return "command";
    case RunnerMode::kReal:
      return "real";
  }
  return "unknown";
}

const char* ToString(ExecutorKind e) {
  switch (e) {
    case ExecutorKind::kLocal:
      return "local";
    case ExecutorKind::kSlurm:
      return "slurm";
    case ExecutorKind::kExternal:
      return "external";
  }
  return "unknown";
}

RunnerSettings ParseRunnerSettings(ConfigReader& p, const ConfigNode& section,
                                   const space::Space* space, const fs::path& config_path) {
  RunnerSettings r;
  const std::string s = "runner";
  const ConfigMap m = p.Map(section, s, RunnerKeys());
  p.EnumField(m, s, "mode", r.mode, {"stub", "command", "real"},
              {RunnerMode::kStub, RunnerMode::kCommand, RunnerMode::kReal});
  p.DoubleField(m, s, "noise_std", r.noise_std, ConfigReader::Between(0.0, 1.0));
  ParseRealKeys(p, m, r);
  p.StringField(m, s, "command", r.command);
  p.StringField(m, s, "metric", r.metric, /*allow_empty=*/false);
  p.StringField(m, s, "metric_unit", r.metric_unit);
  p.DoubleField(m, s, "timeout_s", r.timeout_s, ConfigReader::Between(0.0, kMaxTimeoutS));
  p.IntField(m, s, "max_retries", r.max_retries, 0, 100);
  p.DoubleField(m, s, "retry_backoff_s", r.retry_backoff_s, ConfigReader::Between(0.0, 3600.0));
  p.EnumField(m, s, "objective", r.objective, {"maximize", "minimize"},
              {Objective::kMaximize, Objective::kMinimize});
  p.EnumField(m, s, "executor", r.executor, {"local", "slurm", "external"},
              {ExecutorKind::kLocal, ExecutorKind::kSlurm, ExecutorKind::kExternal});
  p.IntField(m, s, "parallel_trials", r.parallel_trials, 1, 4096);
  if (const ConfigNode* n = m.Find("slurm")) ParseSlurm(p, *n, r.slurm);

  if (r.mode == RunnerMode::kCommand) CheckCommandMode(p, m, r, space);
  if (r.mode == RunnerMode::kReal) CheckRealMode(p, r, config_path);
  if (r.mode == RunnerMode::kStub && r.executor == ExecutorKind::kSlurm) {
    p.Add("runner.executor",
          "'slurm' needs runner.mode 'command' or 'real' (the stub runs in "
          "process)");
  }
  return r;
}

std::string RunnerSettings::MetricName() const {
  switch (mode) {
    case RunnerMode::kStub:
      return "synthetic throughput";
    case RunnerMode::kReal:
      return real.metric_key;
    case RunnerMode::kCommand:
      return metric == "stdout_last_number" ? std::string() : CommandMetricKey();
  }
  return "";
}

std::string RunnerSettings::MetricUnit() const {
  if (!metric_unit.empty() || mode != RunnerMode::kReal) return metric_unit;
  // The Darshan figures the real runner picks: *_perf_* and bytes_over_f_time are MiB/s,
  // *_time_* seconds.
  const std::string& key = real.metric_key;
  if (key.find("perf") != std::string::npos || key == "bytes_over_f_time") return "MiB/s";
  if (key.find("time") != std::string::npos) return "s";
  return "";
}

}  // namespace iorec::runner

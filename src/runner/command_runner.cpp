// The command runner: template rendering, trial directories, metric extraction, retries.
#include "iorec/runner/command_runner.hpp"

#include <glob.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "iorec/core/error.hpp"
#include "iorec/core/hash.hpp"
#include "iorec/darshan/features.hpp"

namespace iorec::runner {
namespace fs = std::filesystem;
namespace {

void WriteSmallFile(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw core::Error(path.string() + ": cannot write: " + std::strerror(errno));
}

const nlohmann::json* Lookup(const nlohmann::json& obj, const std::string& key) {
  if (!key.empty() && key[0] == '/') {
    try {
      const nlohmann::json::json_pointer ptr(key);
      return obj.contains(ptr) ? &obj.at(ptr) : nullptr;
    } catch (const std::exception&) {
      return nullptr;
    }
  }
  if (obj.is_object()) {
    auto it = obj.find(key);
    if (it != obj.end()) return &*it;
  }
  // Dotted path.
  const nlohmann::json* cur = &obj;
  size_t start = 0;
  while (start <= key.size()) {
    const size_t dot = key.find('.', start);
    const std::string part =
        key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (cur->is_object()) {
      auto it = cur->find(part);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      char* end = nullptr;
      const unsigned long idx = std::strtoul(part.c_str(), &end, 10);
      if (part.empty() || *end != '\0' || idx >= cur->size()) return nullptr;
      cur = &(*cur)[idx];
    } else {
      return nullptr;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

MetricReading NumberFromJson(const nlohmann::json& obj, const std::string& key,
                             const std::string& where) {
  MetricReading r;
  const nlohmann::json* v = Lookup(obj, key);
  if (!v) {
    r.error = "metric key '" + key + "' not found in " + where;
    return r;
  }
  if (!v->is_number()) {
    r.error = "metric '" + key + "' is not a number: " + v->dump();
    return r;
  }
  r.ok = true;
  r.value = v->get<double>();
  return r;
}

std::optional<nlohmann::json> LastJsonObject(std::string_view text) {
  const size_t close = text.rfind('}');
  if (close == std::string_view::npos) return std::nullopt;
  const std::string_view head = text.substr(0, close + 1);
  size_t pos = head.size();
  int tries = 0;
  while (pos > 0 && tries < 4096) {
    const size_t open = head.rfind('{', pos - 1);
    if (open == std::string_view::npos) break;
    ++tries;
    auto j = nlohmann::json::parse(head.substr(open), nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded() && j.is_object()) return j;
    pos = open;
  }
  return std::nullopt;
}

/// `text` with the glob metacharacters escaped, so it matches only itself.
std::string GlobEscape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\\' || c == '*' || c == '?' || c == '[') out += '\\';
    out += c;
  }
  return out;
}

/// The most recently modified file matching `pattern` under `dir` (the last by name among
/// equally recent ones); nullopt when nothing matches.
std::optional<fs::path> NewestMatch(const fs::path& dir, const std::string& pattern) {
  const std::string full = GlobEscape(dir.string()) + "/" + pattern;
  glob_t g{};
  std::optional<fs::path> best;
  fs::file_time_type best_time{};
  if (::glob(full.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) {  // sorted by name: ties go to the last
      std::error_code ec;
      const fs::path p = g.gl_pathv[i];
      const auto t = fs::last_write_time(p, ec);
      if (ec || !fs::is_regular_file(p, ec)) continue;
      if (!best || t >= best_time) {
        best = p;
        best_time = t;
      }
    }
  }
  ::globfree(&g);
  return best;
}

/// `darshan:<glob>`: the metric from the newest matching Darshan log.
MetricReading DarshanMetric(const fs::path& trial_dir, const MetricSpec& m) {
  MetricReading reading;
  const auto log = NewestMatch(trial_dir, m.path);
  if (!log) {
    reading.error = "no Darshan log matches " + m.path;
    return reading;
  }
  try {
    const auto obj = darshan::ObjectivesFromFile(*log);
    if (m.key == "e2e_time" || m.key == "time") {
      reading.value = obj.e2e_time;
    } else if (m.key == "agg_perf_by_slowest" || m.key == "throughput") {
      reading.value = obj.throughput;
    } else {
      reading.error =
          "darshan metric key must be agg_perf_by_slowest (or throughput) or e2e_time, got '" +
          m.key + "'";
      return reading;
    }
    reading.ok = true;
  } catch (const std::exception& e) {
    reading.error = "cannot read Darshan log " + log->filename().string() + ": " + e.what();
  }
  return reading;
}

}  // namespace

std::optional<MetricSpec> ParseMetricSpec(const std::string& text, std::string* error) {
  MetricSpec m;
  auto fail = [&](const std::string& why) -> std::optional<MetricSpec> {
    if (error) *error = why;
    return std::nullopt;
  };
  if (text == "stdout_json") {
    m.kind = MetricSpec::Kind::kStdoutJson;
  } else if (text == "stdout_last_number") {
    m.kind = MetricSpec::Kind::kStdoutLastNumber;
  } else if (text.rfind("file_json:", 0) == 0 || text.rfind("darshan:", 0) == 0) {
    const bool file = text[0] == 'f';
    m.kind = file ? MetricSpec::Kind::kFileJson : MetricSpec::Kind::kDarshan;
    m.path = text.substr(text.find(':') + 1);
    if (m.path.empty()) return fail("'" + text + "' needs a path after the colon");
    if (fs::path(m.path).is_absolute()) {
      return fail("'" + text + "': the path must be relative to the trial directory");
    }
  } else {
    return fail("unknown metric source '" + text +
                "'; expected stdout_json, stdout_last_number, file_json:<relative path> or "
                "darshan:<glob>");
  }
  return m;
}

MetricReading ExtractJsonMetric(std::string_view text, const std::string& key) {
  auto obj = LastJsonObject(text);
  if (!obj) {
    MetricReading r;
    r.error = "no JSON object in the output";
    return r;
  }
  return NumberFromJson(*obj, key, "the last JSON object");
}

MetricReading ExtractLastNumber(std::string_view text) {
  MetricReading r;
  size_t end = text.size();
  while (end > 0) {
    while (end > 0 && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
    size_t begin = end;
    while (begin > 0 && !std::isspace(static_cast<unsigned char>(text[begin - 1]))) --begin;
    if (begin == end) break;
    const std::string token(text.substr(begin, end - begin));
    char* stop = nullptr;
    errno = 0;
    const double v = std::strtod(token.c_str(), &stop);
    if (stop && *stop == '\0' && stop != token.c_str()) {
      r.ok = true;
      r.value = v;
      return r;
    }
    end = begin;
  }
  r.error = "no number in the output";
  return r;
}

double RetryPolicy::Delay(int retry) const {
  if (retry <= 0 || backoff_s <= 0.0) return 0.0;
  return std::min(backoff_max_s, backoff_s * std::pow(2.0, retry - 1));
}

void ShellRunner::BeginAttempt(const TrialJob& job, int attempt) {
  if (attempt <= 1) return;
  std::error_code ec;
  const std::string n = std::to_string(attempt - 1);
  fs::rename(job.trial_dir / kStdoutFile, job.trial_dir / ("stdout.attempt" + n + ".txt"), ec);
  fs::rename(job.trial_dir / kStderrFile, job.trial_dir / ("stderr.attempt" + n + ".txt"), ec);
}

TrialOutcome ShellRunner::ProcessOutcome(const TrialJob& job, const ProcessResult& pr) {
  TrialOutcome out;
  out.trial_dir = job.trial_dir.string();
  out.wall_seconds = pr.wall_seconds;
  out.stdout_tail = ReadTail(job.trial_dir / kStdoutFile, kTailBytes);
  out.stderr_tail = ReadTail(job.trial_dir / kStderrFile, kTailBytes);
  out.interrupted = pr.interrupted;
  if (!pr.Succeeded()) out.failure_reason = pr.Describe();
  return out;
}

TrialOutcome ShellRunner::Run(const TrialRequest& request) {
  TrialOutcome out;
  TrialJob job;
  try {
    job = Plan(request);
    // A run that died while this trial ran may have left its processes behind (if they
    // outlived their supervisor): they must not write into the directory of this run.
    const std::string killed = KillLeftoverGroup(job.trial_dir / kGroupFile);
    if (!killed.empty()) std::fprintf(stderr, "iorec: warning: %s\n", killed.c_str());
    Prepare(request, job);
  } catch (const core::InputError&) {
    throw;
  } catch (const std::exception& e) {
    out.failure_reason = std::string("cannot prepare the trial: ") + e.what();
    out.trial_dir = TrialDir(request).string();
    return out;
  }
  double wall = 0.0;
  const int attempts = 1 + std::max(0, retry().max_retries);
  for (int a = 1; a <= attempts; ++a) {
    if (a > 1 && !InterruptibleSleep(retry().Delay(a - 1))) {
      out.interrupted = true;
      break;
    }
    BeginAttempt(job, a);
    ProcessSpec spec;
    spec.argv = {"/bin/sh", "-c", job.command};
    spec.env = job.env;
    spec.cwd = job.trial_dir;
    spec.stdout_file = job.trial_dir / kStdoutFile;
    spec.stderr_file = job.trial_dir / kStderrFile;
    spec.timeout_s = job.timeout_s;
    spec.group_file = job.trial_dir / kGroupFile;
    const ProcessResult pr = RunProcess(spec);
    wall += pr.wall_seconds;
    out = Finish(request, job, pr);
    out.attempts = a;
    if (pr.interrupted) out.interrupted = true;
    if (out.ok || out.interrupted) break;
  }
  out.wall_seconds = wall;
  if (!out.interrupted) WriteOutcomeFile(out);
  return out;
}

void WriteOutcomeFile(const TrialOutcome& o) {
  if (o.trial_dir.empty()) return;
  nlohmann::ordered_json j;
  j["ok"] = o.ok;
  if (o.ok) {
    j["value"] = o.value;
  }
  j["failure_reason"] = o.failure_reason;
  j["wall_seconds"] = o.wall_seconds;
  j["attempts"] = o.attempts;
  std::ofstream(fs::path(o.trial_dir) / kOutcomeFile, std::ios::trunc) << j.dump(2) << "\n";
}

uint64_t TrialSeed(uint64_t study_seed, const std::string& workload_id, const space::Config& config,
                   int replicate) {
  uint64_t h = core::Mix64(study_seed);
  h = core::HashCombine(h, core::Fnv1a64(workload_id));
  const auto& lv = config.levels();
  h = core::HashCombine(
      h, core::Fnv1a64(std::string_view(reinterpret_cast<const char*>(lv.data()), lv.size())));
  h = core::HashCombine(h, static_cast<uint64_t>(replicate));
  return h % 2147483648ULL;
}

std::string SafeDirName(const std::string& id) {
  constexpr size_t kMaxKept = 96;  // room for the suffix within NAME_MAX (255 bytes)
  auto plain = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  };
  std::string out;
  for (const char c : id.substr(0, kMaxKept)) out += plain(c) ? c : '_';
  if (out.empty() || out == "." || out == "..") out.insert(0, "_");
  if (out == id) return out;
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, "-%08llx",
                static_cast<unsigned long long>(core::Fnv1a64(id) & 0xffffffffULL));
  return out + suffix;
}

void SetMetric(TrialOutcome& outcome, const MetricReading& reading) {
  if (!reading.ok) {
    outcome.ok = false;
    outcome.failure_reason = reading.error;
    return;
  }
  if (std::isnan(reading.value) || std::isinf(reading.value)) {
    outcome.ok = false;
    outcome.failure_reason =
        std::string("metric is ") + (std::isnan(reading.value) ? "NaN" : "infinite");
    return;
  }
  outcome.ok = true;
  outcome.failure_reason.clear();
  outcome.value = reading.value;
}

std::string WorkloadJson(const space::Workload& w, const std::vector<std::string>& feature_names) {
  nlohmann::ordered_json j;
  j["id"] = w.id;
  for (size_t i = 0; i < w.features.size() && i < feature_names.size(); ++i) {
    j[feature_names[i]] = w.features[i];
  }
  for (const auto& [k, v] : w.attributes) j[k] = v;
  return j.dump(2) + "\n";
}

// ---- CommandRunner ------------------------------------------------------------------

CommandRunner::CommandRunner(const space::Space& space, CommandRunnerOptions options)
    : space_(space), options_(std::move(options)) {
  std::vector<std::string> problems;
  for (const auto& k : space_.knobs()) {
    if (!IsValidEnvName(k.name)) {
      problems.push_back("knob name '" + k.name + "' is not a valid environment variable name");
    }
  }
  template_ = CommandTemplate::Parse(options_.command, space_, &problems);
  if (options_.command.empty()) problems.push_back("runner.command is empty");
  if (!problems.empty()) throw core::InputError(problems);
}

fs::path CommandRunner::TrialDir(const TrialRequest& r) const {
  const std::string wid = r.workload ? r.workload->id : "w" + std::to_string(r.workload_index);
  return options_.trials_root / SafeDirName(wid) / std::to_string(r.trial_id);
}

fs::path CommandRunner::WorkloadFile(const TrialRequest& r, const fs::path& trial_dir) const {
  if (r.workload && !r.workload->source_file.empty()) return fs::absolute(r.workload->source_file);
  return trial_dir / "workload.json";
}

TrialJob CommandRunner::Plan(const TrialRequest& r) {
  TrialJob job;
  job.trial_dir = fs::absolute(TrialDir(r));
  const std::string wid = r.workload ? r.workload->id : "w" + std::to_string(r.workload_index);
  const fs::path workload_file = WorkloadFile(r, job.trial_dir);
  const uint64_t seed = TrialSeed(options_.seed, wid, r.config, r.replicate);
  std::map<std::string, std::string> values = {
      {"workload", wid},
      {"workload_file", workload_file.string()},
      {"trial_dir", job.trial_dir.string()},
      {"trial_id", std::to_string(r.trial_id)},
      {"seed", std::to_string(seed)},
      {"replicate", std::to_string(r.replicate)},
      {"config_dir", options_.config_dir.empty() ? fs::current_path().string()
                                                 : fs::absolute(options_.config_dir).string()},
  };
  job.env = {{"IOREC_WORKLOAD", wid},
             {"IOREC_WORKLOAD_FILE", workload_file.string()},
             {"IOREC_TRIAL_DIR", job.trial_dir.string()},
             {"IOREC_TRIAL_ID", std::to_string(r.trial_id)},
             {"IOREC_SEED", std::to_string(seed)},
             {"IOREC_REPLICATE", std::to_string(r.replicate)},
             {"IOREC_CONFIG_DIR", values["config_dir"]}};
  nlohmann::ordered_json cfg;
  for (size_t k = 0; k < space_.num_knobs(); ++k) {
    const std::string& name = space_.knobs()[k].name;
    const std::string& text = space_.Value(r.config, k).text();
    values[name] = text;
    job.env.emplace_back(KnobEnvName(name), text);
    cfg[name] = text;
  }
  job.command = template_.Render(values);
  job.timeout_s = options_.timeout_s;

  nlohmann::ordered_json req;
  req["trial_id"] = r.trial_id;
  req["workload"] = wid;
  req["source"] = ToString(r.source);
  req["iteration"] = r.iteration;
  req["replicate"] = r.replicate;
  req["seed"] = seed;
  req["config"] = cfg;
  req["command"] = job.command;
  job.request_json = req.dump(2) + "\n";
  return job;
}

void CommandRunner::Prepare(const TrialRequest& r, const TrialJob& job) {
  std::error_code ec;
  fs::remove_all(job.trial_dir, ec);
  fs::create_directories(job.trial_dir, ec);
  if (ec) throw core::Error(job.trial_dir.string() + ": cannot create: " + ec.message());
  if (!r.workload || r.workload->source_file.empty()) {
    const std::string wid = r.workload ? r.workload->id : "w" + std::to_string(r.workload_index);
    WriteSmallFile(job.trial_dir / "workload.json",
                   r.workload ? WorkloadJson(*r.workload, options_.feature_names)
                              : "{\"id\": \"" + wid + "\"}\n");
  }
  WriteSmallFile(job.trial_dir / kRequestFile, job.request_json);
}

void CommandRunner::BeginAttempt(const TrialJob& job, int attempt) {
  ShellRunner::BeginAttempt(job, attempt);
  if (attempt > 1 && options_.metric.kind == MetricSpec::Kind::kFileJson) {
    std::error_code ec;
    fs::remove(job.trial_dir / options_.metric.path, ec);  // no stale metric from a failed run
  }
}

TrialOutcome CommandRunner::Finish(const TrialRequest& /*request*/, const TrialJob& job,
                                   const ProcessResult& pr) {
  TrialOutcome out = ProcessOutcome(job, pr);
  if (!pr.Succeeded()) return out;
  MetricReading reading;
  const MetricSpec& m = options_.metric;
  switch (m.kind) {
    case MetricSpec::Kind::kStdoutJson:
      reading = ExtractJsonMetric(ReadTail(job.trial_dir / kStdoutFile, 1 << 20), m.key);
      break;
    case MetricSpec::Kind::kStdoutLastNumber:
      reading = ExtractLastNumber(ReadTail(job.trial_dir / kStdoutFile, 1 << 16));
      break;
    case MetricSpec::Kind::kFileJson: {
      const fs::path p = job.trial_dir / m.path;
      std::ifstream in(p, std::ios::binary);
      if (!in) {
        reading.error = "metric file " + m.path + " is missing";
        break;
      }
      std::stringstream ss;
      ss << in.rdbuf();
      auto j = nlohmann::json::parse(ss.str(), nullptr, false);
      if (j.is_discarded()) {
        reading = ExtractJsonMetric(ss.str(), m.key);  // e.g. JSON lines: take the last object
        if (!reading.ok) reading.error = "metric file " + m.path + ": " + reading.error;
      } else {
        reading = NumberFromJson(j, m.key, m.path);
      }
      break;
    }
    case MetricSpec::Kind::kDarshan:
      reading = DarshanMetric(job.trial_dir, m);
      break;
  }
  SetMetric(out, reading);
  return out;
}

}  // namespace iorec::runner

// The Lustre bridge (runner.mode: real).
#include "iorec/runner/real_runner.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "iorec/core/error.hpp"
#include "iorec/darshan/features.hpp"

namespace iorec::runner {
namespace fs = std::filesystem;
namespace {

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.10g", v);
  return buf;
}

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

}  // namespace

MetricReading ReadSummaryCsv(const fs::path& csv, const std::string& column,
                             const std::string& fallback) {
  MetricReading r;
  std::ifstream in(csv);
  if (!in) {
    r.error = csv.string() + " is missing";
    return r;
  }
  std::string line;
  std::vector<std::string> header, last;
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r") continue;
    if (header.empty()) {
      header = SplitCsvLine(line);
    } else {
      last = SplitCsvLine(line);
    }
  }
  if (header.empty() || last.empty()) {
    r.error = csv.string() + " has no data rows";
    return r;
  }
  std::vector<std::string> names;
  for (const std::string& c : {column, fallback}) {
    if (c.empty()) continue;
    names.push_back(c);
    if (c.rfind("POSIX_", 0) != 0 && c.rfind("MPIIO_", 0) != 0) names.push_back("POSIX_" + c);
  }
  for (const auto& name : names) {
    auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) continue;
    const size_t col = static_cast<size_t>(it - header.begin());
    if (col >= last.size()) continue;
    char* end = nullptr;
    const double v = std::strtod(last[col].c_str(), &end);
    if (last[col].empty() || *end != '\0') {
      r.error =
          csv.filename().string() + ": column " + name + " is not a number: '" + last[col] + "'";
      return r;
    }
    r.ok = true;
    r.value = v;
    return r;
  }
  std::string tried;
  for (const auto& n : names) tried += (tried.empty() ? "" : ", ") + n;
  r.error = csv.filename().string() + " has none of the columns " + tried;
  return r;
}

RealRunner::RealRunner(const space::Space& space, RealRunnerOptions options)
    : space_(space), options_(std::move(options)) {}

std::string RealRunner::WorkloadId(const TrialRequest& r) const {
  return r.workload ? r.workload->id : "w" + std::to_string(r.workload_index);
}

fs::path RealRunner::TrialDir(const TrialRequest& r) const {
  return options_.trials_root / SafeDirName(WorkloadId(r)) / std::to_string(r.trial_id);
}

fs::path RealRunner::PlanDir(const TrialRequest& r) const {
  return fs::absolute(fs::path(options_.out_root)) / SafeDirName(WorkloadId(r));
}

fs::path RealRunner::WorkloadFile(const TrialRequest& r) const {
  if (r.workload && !r.workload->source_file.empty()) return fs::absolute(r.workload->source_file);
  return fs::absolute(options_.trials_root) / SafeDirName(WorkloadId(r)) / "workload.json";
}

std::vector<std::string> RealRunner::SynthesizerCommand(const TrialRequest& r) const {
  return {options_.python,
          (fs::path(options_.io_synth_root) / kSynthesizerScript).string(),
          "--features",
          WorkloadFile(r).string(),
          "--outdir",
          PlanDir(r).string(),
          "--cap-total-gib",
          Num(options_.cap_total_gib),
          "--io-api",
          options_.io_api,
          "--meta-api",
          options_.meta_api,
          "--mpi-collective-mode",
          options_.mpi_collective_mode,
          "--meta-scope",
          options_.meta_scope,
          "--nprocs-cap",
          std::to_string(options_.nprocs_cap)};
}

std::vector<std::string> RealRunner::TrialCommands(const TrialRequest& r) const {
  auto knob = [&](const char* name) -> std::string {
    for (size_t k = 0; k < space_.num_knobs(); ++k) {
      if (space_.knobs()[k].name == name) return space_.Value(r.config, k).text();
    }
    return "";
  };
  const std::string sudo = options_.use_sudo_for_lustre ? "sudo " : "";
  const fs::path plan = PlanDir(r);
  const fs::path trial = fs::absolute(TrialDir(r));
  const fs::path darshan_dir = plan / "darshan";
  std::vector<std::string> cmds;
  // 1. Lustre client knobs.
  const std::pair<const char*, const char*> params[] = {
      {"osc_max_pages_per_rpc", "osc.*.max_pages_per_rpc"},
      {"osc_max_rpcs_in_flight", "osc.*.max_rpcs_in_flight"},
      {"mdc_max_pages_per_rpc", "mdc.*.max_pages_per_rpc"},
      {"mdc_max_rpcs_in_flight", "mdc.*.max_rpcs_in_flight"}};
  for (const auto& [name, param] : params) {
    const std::string v = knob(name);
    if (!v.empty())
      cmds.push_back(sudo + "lctl set_param " + ShellQuote(std::string(param) + "=" + v));
  }
  // 2. Striping on fresh payload directories, before run_prep.sh creates the files.
  const std::string count = knob("stripe_count"), size = knob("stripe_size");
  for (const char* sub : {"data_ro", "data_rw", "data_wo", "meta"}) {
    const std::string dir = ShellQuote((plan / "payload" / sub).string());
    cmds.push_back("rm -rf " + dir);
    cmds.push_back("mkdir -p " + dir);
    if (!count.empty() || !size.empty()) {
      std::string c = sudo + "lfs setstripe";
      if (!count.empty()) c += " -c " + count;
      if (!size.empty()) c += " -S " + size;
      cmds.push_back(c + " " + dir);
    }
  }
  // 3. MPI-IO knobs for the run.
  const std::pair<const char*, const char*> mpi[] = {
      {"num_aggregators", "SYNTH_MPI_NUM_AGGREGATORS"},
      {"collective_buffer_size", "SYNTH_MPI_COLLECTIVE_BUFFER_SIZE"},
      {"aggregators_per_client", "SYNTH_MPI_AGGREGATORS_PER_CLIENT"}};
  for (const auto& [name, var] : mpi) {
    const std::string v = knob(name);
    if (!v.empty()) cmds.push_back(std::string("export ") + var + "=" + ShellQuote(v));
  }
  cmds.push_back("export DARSHAN_LOGPATH=" + ShellQuote(darshan_dir.string()));
  cmds.push_back("mkdir -p " + ShellQuote(darshan_dir.string()));
  if (options_.delete_existing_darshan) {
    cmds.push_back("rm -f " + ShellQuote(darshan_dir.string()) + "/*.darshan");
  }
  // 4. Prepare the files, run the benchmark, wait for the flush.
  cmds.push_back("bash " + ShellQuote((plan / "run_prep.sh").string()));
  cmds.push_back("bash " + ShellQuote((plan / "run_from_features.sh").string()));
  if (options_.flush_wait_sec > 0) cmds.push_back("sleep " + Num(options_.flush_wait_sec));
  // 5. Darshan analysis into the trial directory.
  cmds.push_back(options_.python + " " +
                 ShellQuote((fs::path(options_.io_synth_root) / kAnalysisScript).string()) +
                 " --logs " + ShellQuote(darshan_dir.string()) + " --outdir " +
                 ShellQuote((trial / "analysis").string()));
  return cmds;
}

TrialJob RealRunner::Plan(const TrialRequest& r) {
  TrialJob job;
  job.trial_dir = fs::absolute(TrialDir(r));
  std::string script = "set -e\n";
  for (const auto& c : TrialCommands(r)) script += c + "\n";
  job.command = script;
  job.timeout_s = options_.timeout_s;
  job.env = {{"IOREC_WORKLOAD", WorkloadId(r)},
             {"IOREC_WORKLOAD_FILE", WorkloadFile(r).string()},
             {"IOREC_TRIAL_DIR", job.trial_dir.string()}};
  nlohmann::ordered_json req;
  req["trial_id"] = r.trial_id;
  req["workload"] = WorkloadId(r);
  req["source"] = ToString(r.source);
  req["iteration"] = r.iteration;
  req["replicate"] = r.replicate;
  nlohmann::ordered_json cfg;
  for (size_t k = 0; k < space_.num_knobs(); ++k) {
    cfg[space_.knobs()[k].name] = space_.Value(r.config, k).text();
  }
  req["config"] = cfg;
  req["command"] = job.command;
  job.request_json = req.dump(2) + "\n";
  return job;
}

void RealRunner::EnsurePlan(const TrialRequest& r) {
  const std::string wid = WorkloadId(r);
  std::lock_guard<std::mutex> lock(mu_);
  if (planned_[wid]) return;
  const fs::path script = fs::path(options_.io_synth_root) / kSynthesizerScript;
  if (!fs::exists(script)) {
    throw core::Error("the synthesizer script " + script.string() +
                      " does not exist (check runner.io_synth_root)");
  }
  const fs::path wfile = WorkloadFile(r);
  if (!r.workload || r.workload->source_file.empty()) {
    fs::create_directories(wfile.parent_path());
    std::ofstream(wfile) << (r.workload ? WorkloadJson(*r.workload, options_.feature_names)
                                        : "{}\n");
  }
  const fs::path plan = PlanDir(r);
  std::error_code ec;
  fs::create_directories(plan, ec);
  ProcessSpec spec;
  spec.argv = SynthesizerCommand(r);
  spec.stdout_file = plan / "synth.stdout.txt";
  spec.stderr_file = plan / "synth.stderr.txt";
  spec.timeout_s = options_.timeout_s;
  const ProcessResult pr = RunProcess(spec);
  if (!pr.Succeeded()) {
    throw core::Error("synthesizer failed for workload " + wid + " (" + pr.Describe() +
                      "): " + ReadTail(spec.stderr_file, 1024));
  }
  for (const char* f : {"run_prep.sh", "run_from_features.sh"}) {
    if (!fs::exists(plan / f)) {
      throw core::Error("synthesizer did not write " + (plan / f).string());
    }
  }
  planned_[wid] = true;
}

void RealRunner::Prepare(const TrialRequest& r, const TrialJob& job) {
  EnsurePlan(r);
  std::error_code ec;
  fs::remove_all(job.trial_dir, ec);
  fs::create_directories(job.trial_dir, ec);
  if (ec) throw core::Error(job.trial_dir.string() + ": cannot create: " + ec.message());
  std::ofstream(job.trial_dir / kRequestFile) << job.request_json;
}

TrialOutcome RealRunner::Finish(const TrialRequest& r, const TrialJob& job,
                                const ProcessResult& pr) {
  TrialOutcome out = ProcessOutcome(job, pr);
  if (!pr.Succeeded()) return out;
  const fs::path csv = job.trial_dir / "analysis" / "darshan_summary.csv";
  MetricReading reading = ReadSummaryCsv(csv, options_.metric_key, options_.metric_fallback);
  if (!reading.ok && !fs::exists(csv)) {
    // No summary: read the newest Darshan log directly.
    const fs::path dir = PlanDir(r) / "darshan";
    fs::path newest;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".darshan" && (newest.empty() || it->path() > newest)) {
        newest = it->path();
      }
    }
    if (!newest.empty()) {
      try {
        reading.value = darshan::ObjectivesFromFile(newest).throughput;
        reading.ok = true;
      } catch (const std::exception& e) {
        reading.error += std::string("; reading ") + newest.string() + ": " + e.what();
      }
    }
  }
  SetMetric(out, reading, options_.objective);
  return out;
}

TrialOutcome RealRunner::Run(const TrialRequest& r) {
  if (!options_.dry_run) return ShellRunner::Run(r);
  std::ostream& os = options_.dry_run_out ? *options_.dry_run_out : std::cout;
  std::string text;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!printed_[WorkloadId(r)]) {
      printed_[WorkloadId(r)] = true;
      std::string line;
      for (const auto& a : SynthesizerCommand(r)) line += (line.empty() ? "" : " ") + ShellQuote(a);
      text += line + "\n";
    }
    for (const auto& c : TrialCommands(r)) text += c + "\n";
    os << "# dry_run: trial " << r.trial_id << " (" << WorkloadId(r) << ")\n" << text;
    os.flush();
  }
  TrialOutcome out;
  out.trial_dir = fs::absolute(TrialDir(r)).string();
  out.failure_reason = "dry_run: commands printed, nothing run";
  out.stdout_tail = text;
  return out;
}

}  // namespace iorec::runner

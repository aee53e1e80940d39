// The real testbed (runner.mode: real): planner, lfs, lctl, mpi_synthio, Darshan.
#include "iorec/runner/real_runner.hpp"

#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/darshan/features.hpp"
#include "iorec/runner/fidelity.hpp"
#include "iorec/runner/knob_settings.hpp"

namespace iorec::runner {
namespace fs = std::filesystem;
namespace {

/// statfs f_type of Lustre clients.
constexpr long kLustreSuperMagic = 0x0BD00BD0;

/// The directories a plan writes, relative to its payload directory; striped in this order (as
/// the reference does) before run_prep.sh creates the files.
constexpr const char* kPayloadDirs[] = {"", "data/ro", "data/rw", "data/wo", "meta"};

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.10g", v);
  return buf;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// Splits a shell line into words, honouring single and double quotes (no expansions).
std::vector<std::string> ShellWords(const std::string& line) {
  std::vector<std::string> words;
  std::string cur;
  bool any = false;
  char quote = 0;
  for (char c : line) {
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else {
        cur += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      any = true;
    } else if (c == ' ' || c == '\t') {
      if (any || !cur.empty()) words.push_back(cur);
      cur.clear();
      any = false;
    } else {
      cur += c;
    }
  }
  if (any || !cur.empty()) words.push_back(cur);
  return words;
}

/// The first executable named `name` on PATH, or "".
fs::path FindOnPath(const std::string& name) {
  if (name.find('/') != std::string::npos) return fs::exists(name) ? fs::path(name) : fs::path();
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const fs::path p = fs::path(dir) / name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return {};
}

/// Where libdarshan.so is when runner.darshan_lib is empty: beside the darshan-parser on
/// PATH (<prefix>/lib), else the bare name for the dynamic loader to find.
std::string DefaultDarshanLib() {
  const fs::path parser = FindOnPath("darshan-parser");
  if (!parser.empty()) {
    const fs::path lib = parser.parent_path().parent_path() / "lib" / "libdarshan.so";
    if (fs::exists(lib)) return lib.string();
  }
  return "libdarshan.so";
}

}  // namespace

std::vector<std::string> LustreKnobsIn(const space::Space& space) {
  std::vector<std::string> out;
  for (const auto& k : space.knobs()) {
    const KnobSetting* s = FindKnobSetting(k.name);
    if (s && s->target != KnobTarget::kRomioHint) out.push_back(k.name);
  }
  return out;
}

std::string LfsStripeSize(const std::string& value) {
  std::string s;
  for (char c : value) {
    if (c != ' ' && c != '\t') s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (!s.empty() && (s.back() == 'K' || s.back() == 'M' || s.back() == 'G')) return s;
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(d)) return value;  // lfs reports it
  const long long kib = static_cast<long long>(d);
  if (kib != 0 && kib % (1024 * 1024) == 0) return std::to_string(kib / (1024 * 1024)) + "G";
  if (kib != 0 && kib % 1024 == 0) return std::to_string(kib / 1024) + "M";
  return std::to_string(kib) + "K";
}

std::string CollectiveFlag(const std::string& mode, const std::string& io_api) {
  if (Lower(io_api) != "mpiio") return "no";
  const std::string m = Lower(mode);
  for (const char* yes : {"yes", "y", "1", "true", "on", "collective"}) {
    if (m == yes) return "yes";
  }
  return "no";
}

std::vector<std::string> SynthArgsFromRunScript(const std::string& text,
                                                const std::string& script_name) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const std::vector<std::string> words = ShellWords(line);
    for (size_t i = 0; i < words.size(); ++i) {
      if (fs::path(words[i]).filename() != "mpi_synthio") continue;
      std::vector<std::string> args;
      for (size_t j = i + 1; j < words.size(); ++j) {
        if (words[j].find("MPI_SYNTH_ARGS") == std::string::npos) args.push_back(words[j]);
      }
      return args;
    }
  }
  throw core::Error(script_name +
                    ": no mpi_synthio launch line (is this the planner's run script?)");
}

std::optional<double> SummaryColumn(const darshan::LogSummary& summary, const std::string& column) {
  const size_t cut = column.find('_');
  if (cut == std::string::npos) return std::nullopt;
  const darshan::ModuleSummary* m = summary.Module(column.substr(0, cut));
  if (!m) return std::nullopt;
  const std::string field = column.substr(cut + 1);
  const darshan::PerfEstimate& p = m->perf;
  const std::pair<const char*, double> perf[] = {
      {"agg_perf_by_slowest", p.agg_perf_by_slowest},
      {"agg_time_by_slowest", p.agg_time_by_slowest},
      {"total_bytes", static_cast<double>(p.total_bytes)},
      {"shared_files_time_by_slowest", p.shared_time_by_slowest},
      {"unique_files_slowest_rank_io_time", p.slowest_rank_io_time}};
  for (const auto& [name, value] : perf) {
    if (field == name) return m->has_perf ? std::optional<double>(value) : std::nullopt;
  }
  if (m->totals.count(column)) return static_cast<double>(m->Total(column));
  if (m->ftotals.count(column)) return m->FTotal(column);
  return std::nullopt;
}

PickedMetric PickMetric(const darshan::LogSummary& summary, const std::string& key,
                        const std::string& fallback, const std::string& io_api) {
  PickedMetric out;
  for (const std::string& column : {key, "MPIIO_" + key, "POSIX_" + key}) {
    if (auto v = SummaryColumn(summary, column)) {
      out.reading.ok = true;
      out.reading.value = *v;
      out.column = column;
      return out;
    }
  }
  if (fallback != "bytes_over_f_time") {
    out.reading.error = "the log has no " + key + ", MPIIO_" + key + " or POSIX_" + key +
                        " and runner.metric_fallback '" + fallback + "' is not bytes_over_f_time";
    return out;
  }
  auto bytes_and_time = [&](const std::string& mod) {
    auto col = [&](const char* name) { return SummaryColumn(summary, mod + name).value_or(0.0); };
    return std::pair<double, double>(
        col("_BYTES_READ") + col("_BYTES_WRITTEN"),
        col("_F_READ_TIME") + col("_F_WRITE_TIME") + col("_F_META_TIME"));
  };
  std::string mod = Lower(io_api) == "mpiio" ? "MPIIO" : "POSIX";
  auto [bytes, time] = bytes_and_time(mod);
  if (time <= 1e-12 || bytes <= 0.0) {
    mod = "POSIX";
    std::tie(bytes, time) = bytes_and_time(mod);
  }
  out.reading.ok = true;
  out.reading.value = time <= 1e-12 ? 0.0 : bytes / time / (1024.0 * 1024.0);
  out.column = mod + "_bytes_over_f_time";
  return out;
}

RealRunner::RealRunner(const space::Space& space, RealRunnerOptions options)
    : space_(space), options_(std::move(options)) {
  if (options_.darshan_lib.empty()) options_.darshan_lib = DefaultDarshanLib();
}

std::string RealRunner::WorkloadId(const TrialRequest& r) const {
  return r.workload ? r.workload->id : "w" + std::to_string(r.workload_index);
}

fs::path RealRunner::TrialDir(const TrialRequest& r) const {
  return options_.trials_root / SafeDirName(WorkloadId(r)) / std::to_string(r.trial_id);
}

fs::path RealRunner::OutRoot() const {
  // Normal form: the planner writes the paths under it into its outputs as given, and
  // Prepare finds them there.
  return fs::absolute(fs::path(options_.out_root)).lexically_normal();
}

fs::path RealRunner::PlanDir(const TrialRequest& r) const {
  return OutRoot() / SafeDirName(WorkloadId(r));
}

fs::path RealRunner::PayloadDir(const TrialRequest& r) const {
  return PlanDir(r) / ("payload-" + std::to_string(r.trial_id));
}

fs::path RealRunner::WorkloadFile(const TrialRequest& r) const {
  if (r.workload && !r.workload->source_file.empty()) return fs::absolute(r.workload->source_file);
  return fs::absolute(options_.trials_root) / SafeDirName(WorkloadId(r)) / "workload.json";
}

std::string RealRunner::KnobText(const TrialRequest& r, const std::string& name) const {
  for (size_t k = 0; k < space_.num_knobs(); ++k) {
    if (space_.knobs()[k].name == name) return space_.Value(r.config, k).text();
  }
  return "";
}

RealRunner::WorkloadPlan RealRunner::Intent(const TrialRequest& r) const {
  // The reference's rule: nprocs = min(max(workload nprocs, 1), nprocs_cap); io_api and the
  // collective mode from runner.* ("auto": the workload's own).
  nlohmann::json w = nlohmann::json::object();
  if (r.workload && !r.workload->source_file.empty()) {
    try {
      w = nlohmann::json::parse(core::ReadFile(r.workload->source_file));
    } catch (const std::exception&) {
      // Loaded before the study started; a file changed since is the planner's to report.
    }
  }
  auto text = [&](const char* key, const std::string& fallback) {
    if (r.workload) {
      auto it = r.workload->attributes.find(key);
      if (it != r.workload->attributes.end()) return it->second;
    }
    return w.contains(key) && w[key].is_string() ? w[key].get<std::string>() : fallback;
  };
  WorkloadPlan p;
  double nprocs = options_.nprocs_cap;
  if (w.contains("nprocs") && w["nprocs"].is_number()) nprocs = w["nprocs"].get<double>();
  p.nprocs = std::min(std::max(static_cast<int>(nprocs), 1), options_.nprocs_cap);
  p.io_api = Lower(options_.io_api == "auto" ? text("io_api", "posix") : options_.io_api);
  if (p.io_api != "mpiio") p.io_api = "posix";
  p.collective =
      CollectiveFlag(options_.mpi_collective_mode == "auto" ? text("mpi_collective_mode", "no")
                                                            : options_.mpi_collective_mode,
                     p.io_api);
  return p;
}

std::vector<std::string> RealRunner::PlannerCommand(const TrialRequest& r) const {
  const WorkloadPlan p = Intent(r);
  return {options_.python,
          (fs::path(options_.io_synth_root) / kSynthesizerScript).string(),
          "--features",
          WorkloadFile(r).string(),
          "--cap-total-gib",
          Num(options_.cap_total_gib),
          "--io-api",
          p.io_api,
          "--meta-api",
          options_.meta_api,
          "--mpi-collective-mode",
          p.collective,
          "--meta-scope",
          options_.meta_scope,
          "--nprocs",
          std::to_string(p.nprocs),
          "--outdir",
          PlanDir(r).string()};
}

const RealRunner::WorkloadPlan& RealRunner::EnsurePlan(const TrialRequest& r) {
  const std::string wid = WorkloadId(r);
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = plans_.find(wid); it != plans_.end()) return it->second;
  WorkloadPlan plan = Intent(r);
  if (options_.dry_run) return plans_[wid] = plan;
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
  const fs::path dir = PlanDir(r);
  std::error_code ec;
  fs::create_directories(dir, ec);
  ProcessSpec spec;
  spec.argv = PlannerCommand(r);
  spec.stdout_file = dir / "planner.stdout.txt";
  spec.stderr_file = dir / "planner.stderr.txt";
  spec.timeout_s = options_.timeout_s;
  const ProcessResult pr = RunProcess(spec);
  if (!pr.Succeeded()) {
    throw core::Error("the planner failed for workload " + wid + " (" + pr.Describe() +
                      "): " + ReadTail(spec.stderr_file, 1024));
  }
  for (const char* f : {"run_prep.sh", "run_from_features.sh", "payload/plan.csv"}) {
    if (!fs::exists(dir / f)) throw core::Error("the planner did not write " + (dir / f).string());
  }
  const fs::path run = dir / "run_from_features.sh";
  plan.synth_args = SynthArgsFromRunScript(core::ReadFile(run), run.string());
  const std::string plan_csv = (dir / "payload" / "plan.csv").string();
  if (std::find(plan.synth_args.begin(), plan.synth_args.end(), plan_csv) ==
      plan.synth_args.end()) {
    throw core::Error(run.string() + ": mpi_synthio is not given the plan " + plan_csv +
                      " (is this the planner's run script?)");
  }
  return plans_[wid] = plan;
}

std::vector<std::string> RealRunner::LaunchCommand(const TrialRequest& r, const WorkloadPlan& plan,
                                                   const fs::path& trial_dir,
                                                   const fs::path& log) const {
  std::vector<std::string> argv;
  for (std::string word : ShellWords(options_.launcher)) {
    for (size_t at; (at = word.find("{nprocs}")) != std::string::npos;) {
      word.replace(at, 8, std::to_string(plan.nprocs));
    }
    argv.push_back(word);
  }
  // `env` on every rank: the variables reach the ranks whatever the launcher forwards
  // (MPICH's mpiexec, Open MPI's mpirun, srun), and only mpi_synthio gets Darshan preloaded.
  // No log: a warm-up run, without Darshan.
  if (!log.empty()) {
    argv.insert(argv.end(), {"env", "LD_PRELOAD=" + options_.darshan_lib,
                             "DARSHAN_LOGFILE=" + log.string(), "DARSHAN_MODMEM=64"});
  }
  argv.push_back(options_.synth_binary);
  const std::string trial_plan = (trial_dir / kTrialPlanFile).string();
  if (plan.synth_args.empty()) {  // dry_run: the planner has not run
    argv.insert(argv.end(),
                {"--plan", trial_plan, "--io-api", plan.io_api, "--meta-api", options_.meta_api,
                 "--collective", plan.collective, "...(as run_from_features.sh)"});
  } else {
    // The trial's own copy of the plan, which names files in its own payload directory.
    const std::string workload_plan = (PlanDir(r) / "payload" / "plan.csv").string();
    for (const std::string& arg : plan.synth_args) {
      argv.push_back(arg == workload_plan ? trial_plan : arg);
    }
  }
  // The reference applies the MPI-IO knobs only to collective MPI-IO runs.
  if (plan.io_api == "mpiio" && plan.collective == "yes") {
    for (const auto& k : KnownKnobSettings()) {
      if (k.target != KnobTarget::kRomioHint) continue;
      const std::string v = KnobText(r, std::string(k.knob));
      if (v.empty()) continue;
      // A size such as "16M" as bytes; anything else as written, for mpi_synthio to reject.
      const std::string n = RomioHintNumber(v);
      argv.insert(argv.end(), {std::string(k.synth_flag), n.empty() ? v : n});
    }
  }
  return argv;
}

std::string RealRunner::LctlCommand() const {
  return options_.use_sudo_for_lustre ? "sudo lctl" : "lctl";
}

std::string RealRunner::LctlPrelude() const {
  // Per node, under <out_root>/.iorec-lctl: <node> holds the values recorded before a trial
  // set its own, <node>.owner the trial that did (job:<Slurm job id> or pid:<pid>:<start
  // time>), and <node>.guard (mkdir as a mutex) serializes the trials that look at them.
  const std::string state = ShellQuote((OutRoot() / ".iorec-lctl").string());
  return "set -eu\n"
         "me=${1:?usage: sh $0 OWNER}\n"
         "dir=" +
         state +
         "\n"
         "node=$(uname -n)\n"
         "values=\"$dir/$node\" owner=\"$dir/$node.owner\" guard=\"$dir/$node.guard\"\n"
         "mkdir -p \"$dir\"\n"
         "lock() {\n"
         "  until mkdir \"$guard\" 2>/dev/null; do\n"
         "    find \"$guard\" -maxdepth 0 -mmin +1 -exec rmdir {} + 2>/dev/null || :\n"
         "    sleep 0.2\n"
         "  done\n"
         "  trap 'rmdir \"$guard\" 2>/dev/null || :' EXIT\n"
         "}\n"
         "unlock() { rmdir \"$guard\"; trap - EXIT; }\n"
         "alive() {\n"
         "  case $1 in\n"
         "    job:*) if s=$(squeue -h -j \"${1#job:}\" -o %T 2>&1); then [ -n \"$s\" ]; else\n"
         "      case $s in *'nvalid job id'*) return 1 ;; esac; fi ;;\n"
         "    pid:*) p=${1#pid:}\n"
         "      [ \"$(cut -d' ' -f22 \"/proc/${p%%:*}/stat\" 2>/dev/null)\" = \"${p#*:}\" ] ;;\n"
         "    *) return 1 ;;\n"
         "  esac\n"
         "}\n"
         "put_back() {\n"
         "  if [ -f \"$values\" ]; then\n"
         "    while IFS= read -r kv; do [ -z \"$kv\" ] || " +
         LctlCommand() +
         " set_param \"$kv\"; done < \"$values\"\n"
         "    rm -f \"$values\"\n"
         "  fi\n"
         "  rm -f \"$owner\"\n"
         "}\n";
}

std::string RealRunner::LctlApplyScript(const TrialRequest& r) const {
  std::vector<std::pair<std::string, std::string>> set;
  for (const auto& k : KnownKnobSettings()) {
    if (k.target != KnobTarget::kLctl) continue;
    const std::string v = KnobText(r, std::string(k.knob));
    if (!v.empty()) set.emplace_back(std::string(k.setting), v);
  }
  if (set.empty()) return "";
  // Waits while another live trial holds the node's settings (trials that share a node take
  // turns); puts back what a dead one left; records the node's values, then sets the trial's.
  std::string s = LctlPrelude();
  s += "lock\n"
       "said=\n"
       "while h=$(cat \"$owner\" 2>/dev/null) && [ -n \"$h\" ] && [ \"$h\" != \"$me\" ] && "
       "alive \"$h\"; do\n"
       "  unlock\n"
       "  [ -n \"$said\" ] || echo \"iorec: $node: waiting for $h, another trial that set this "
       "node's client settings, to restore them\" >&2\n"
       "  said=1\n"
       "  sleep 1\n"
       "  lock\n"
       "done\n"
       "if [ \"$(cat \"$owner\" 2>/dev/null || :)\" != \"$me\" ]; then\n"
       "  put_back\n"
       "  echo \"$me\" > \"$owner\"\n"
       "  " +
       LctlCommand() + " get_param";
  for (const auto& [param, v] : set) s += " " + ShellQuote(param);
  s += " > \"$values.tmp\"\n"
       "  mv \"$values.tmp\" \"$values\"\n"
       "fi\n";
  for (const auto& [param, v] : set) {
    s += LctlCommand() + " set_param " + ShellQuote(param + "=" + v) + "\n";
  }
  return s + "unlock\n";
}

std::string RealRunner::LctlRestoreScript() const {
  // Puts back this trial's recorded values, or those of a trial that died; never those of a
  // live trial that holds the node.
  return LctlPrelude() +
         "lock\n"
         "h=$(cat \"$owner\" 2>/dev/null || :)\n"
         "if [ \"$h\" = \"$me\" ] || [ -z \"$h\" ] || ! alive \"$h\"; then put_back; fi\n"
         "unlock\n";
}

std::string RealRunner::TrialScript(const TrialRequest& r, const WorkloadPlan& plan,
                                    const fs::path& trial_dir) const {
  const fs::path payload = PayloadDir(r);
  std::string s = "set -eu\npayload=" + ShellQuote(payload.string()) + "\n";
  // The data files go when the trial ends, however it ends (a signal runs the EXIT trap).
  std::string on_exit = "rm -rf \"$payload\"";
  if (!LctlApplyScript(r).empty()) {
    // Client knobs are per node: inside a Slurm job, once on every node of the allocation.
    s += "on_nodes() {\n"
         "  if [ -n \"${SLURM_JOB_ID:-}\" ]; then\n"
         "    n=${SLURM_JOB_NUM_NODES:-1}\n"
         "    srun --mpi=none --nodes=\"$n\" --ntasks=\"$n\" --ntasks-per-node=1 \"$@\"\n"
         "  else \"$@\"; fi\n"
         "}\n"
         "if [ -n \"${SLURM_JOB_ID:-}\" ]; then owner=job:$SLURM_JOB_ID; "
         "else owner=pid:$$:$(cut -d' ' -f22 /proc/$$/stat); fi\n";
    on_exit +=
        "; on_nodes sh " + ShellQuote((trial_dir / kLctlRestoreScript).string()) + " \"$owner\"";
  }
  s += "trap " + ShellQuote(on_exit) + " EXIT\n";
  s += "trap 'exit 143' TERM\ntrap 'exit 129' HUP\ntrap 'exit 130' INT\n";
  if (!LctlApplyScript(r).empty()) {
    s += "on_nodes sh " + ShellQuote((trial_dir / kLctlApplyScript).string()) + " \"$owner\"\n";
  }
  std::vector<std::string> dirs;
  for (const char* sub : kPayloadDirs) dirs.push_back((*sub ? payload / sub : payload).string());
  s += "rm -rf \"$payload\"\n";
  s += ShellJoin([&] {
         std::vector<std::string> a = {"mkdir", "-p"};
         a.insert(a.end(), dirs.begin(), dirs.end());
         return a;
       }()) +
       "\n";
  const std::string count = KnobText(r, "stripe_count"), size = KnobText(r, "stripe_size");
  if (!count.empty() || !size.empty()) {
    std::vector<std::string> argv = {"lfs", "setstripe"};
    if (options_.use_sudo_for_lustre) argv.insert(argv.begin(), "sudo");
    if (!count.empty()) argv.insert(argv.end(), {"-c", count});
    if (!size.empty()) argv.insert(argv.end(), {"-S", LfsStripeSize(size)});
    for (const std::string& d : dirs) {
      std::vector<std::string> a = argv;
      a.push_back(d);
      s += ShellJoin(a) + "\n";
    }
  }
  const fs::path log = trial_dir / (SafeDirName(WorkloadId(r)) + ".darshan");
  const std::string prep = "bash " + ShellQuote((trial_dir / kTrialPrepScript).string()) + "\n";
  for (int i = 0; i < options_.warmup_runs; ++i) {
    s += prep + ShellJoin(LaunchCommand(r, plan, trial_dir, fs::path())) + " > warmup.out 2>&1\n";
  }
  s += prep + ShellJoin(LaunchCommand(r, plan, trial_dir, log)) + "\n";
  if (options_.flush_wait_sec > 0) s += "sleep " + Num(options_.flush_wait_sec) + "\n";
  return s;
}

TrialJob RealRunner::Plan(const TrialRequest& r) {
  const WorkloadPlan& plan = EnsurePlan(r);
  TrialJob job;
  job.trial_dir = fs::absolute(TrialDir(r));
  job.command = TrialScript(r, plan, job.trial_dir);
  job.timeout_s = options_.timeout_s;
  job.whole_nodes = !LctlApplyScript(r).empty();
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

void RealRunner::Prepare(const TrialRequest& r, const TrialJob& job) {
  std::error_code ec;
  fs::remove_all(job.trial_dir, ec);
  fs::create_directories(job.trial_dir, ec);
  if (ec) throw core::Error(job.trial_dir.string() + ": cannot create: " + ec.message());
  std::ofstream(job.trial_dir / kRequestFile) << job.request_json;
  const std::string apply = LctlApplyScript(r);
  if (!apply.empty()) {
    std::ofstream(job.trial_dir / kLctlApplyScript) << apply;
    std::ofstream(job.trial_dir / kLctlRestoreScript) << LctlRestoreScript();
  }
  if (!options_.dry_run) WriteTrialPlan(r, job.trial_dir);
}

void RealRunner::WriteTrialPlan(const TrialRequest& r, const fs::path& trial_dir) const {
  // The workload's plan names its files under <plan dir>/payload/; the trial's copy names them
  // under the trial's own payload directory, so trials of one workload that run at the same
  // time (Slurm) never share a file.
  const std::string from = (PlanDir(r) / "payload").string() + "/";
  const std::string to = PayloadDir(r).string() + "/";
  const std::pair<fs::path, const char*> files[] = {
      {PlanDir(r) / "payload" / "plan.csv", kTrialPlanFile},
      {PlanDir(r) / "run_prep.sh", kTrialPrepScript}};
  for (const auto& [source, name] : files) {
    std::ifstream in(source, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) throw core::Error(source.string() + ": cannot read the workload's plan");
    std::string out;
    size_t count = 0;
    const std::string t = text.str();
    for (size_t at = 0;;) {
      const size_t hit = t.find(from, at);
      out += t.substr(at, hit == std::string::npos ? std::string::npos : hit - at);
      if (hit == std::string::npos) break;
      out += to;
      at = hit + from.size();
      ++count;
    }
    if (count == 0) {
      throw core::Error(source.string() + ": names no file under " + from +
                        " (is this the planner's output?)");
    }
    core::WriteFileAtomic(trial_dir / name, out);
  }
}

TrialOutcome RealRunner::Finish(const TrialRequest& r, const TrialJob& job,
                                const ProcessResult& pr) {
  TrialOutcome out = ProcessOutcome(job, pr);
  if (!pr.Succeeded()) return out;
  fs::path log = job.trial_dir / (SafeDirName(WorkloadId(r)) + ".darshan");
  if (!fs::exists(log)) {
    std::vector<fs::path> found;
    std::error_code ec;
    for (fs::directory_iterator it(job.trial_dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".darshan") found.push_back(it->path());
    }
    if (found.size() != 1) {
      out.failure_reason = "no Darshan log in " + job.trial_dir.string() +
                           " (is runner.darshan_lib a libdarshan.so? is DARSHAN_LOGFILE honoured?)";
      return out;
    }
    log = found.front();
  }
  darshan::LogSummary summary;
  try {
    summary = darshan::ReadAnyLog(log);
  } catch (const std::exception& e) {
    out.failure_reason = "reading " + log.string() + ": " + e.what();
    return out;
  }
  const WorkloadPlan plan = Intent(r);
  if (summary.nprocs != plan.nprocs) {
    out.failure_reason = log.string() + ": the run had " + std::to_string(summary.nprocs) +
                         " rank(s), the plan " + std::to_string(plan.nprocs) +
                         ": runner.launcher '" + options_.launcher +
                         "' did not start one MPI job of " + std::to_string(plan.nprocs) +
                         " ranks (with srun, name the MPI plugin your MPI uses, e.g. 'srun "
                         "--mpi=pmi2 -n {nprocs}')";
    return out;
  }
  const PickedMetric picked =
      PickMetric(summary, options_.metric_key, options_.metric_fallback, plan.io_api);
  SetMetric(out, picked.reading);
  WriteFidelity(job.trial_dir / kFidelityFile, summary, picked.column, plan.io_api, r.workload,
                options_.feature_names);
  return out;
}

TrialOutcome RealRunner::Run(const TrialRequest& r) {
  if (!options_.dry_run) return ShellRunner::Run(r);
  std::ostream& os = options_.dry_run_out ? *options_.dry_run_out : std::cout;
  const TrialJob job = Plan(r);
  std::string text;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!printed_[WorkloadId(r)]) {
      printed_[WorkloadId(r)] = true;
      text += ShellJoin(PlannerCommand(r)) + "\n";
    }
  }
  const std::string apply = LctlApplyScript(r);
  if (!apply.empty()) {
    text += "# " + std::string(kLctlApplyScript) + " (on each node):\n" + apply;
    text += "# " + std::string(kLctlRestoreScript) + " (on each node):\n" + LctlRestoreScript();
  }
  text += "# trial script:\n" + job.command;
  {
    std::lock_guard<std::mutex> lock(mu_);
    os << "# dry_run: trial " << r.trial_id << " (" << WorkloadId(r) << ")\n" << text;
    os.flush();
  }
  TrialOutcome out;
  // The reference's dry run records metric 0 and goes on; gains are ratios, so a placeholder
  // of 1 (every gain 0) lets the study run to its end without measuring anything.
  out.ok = true;
  out.value = kDryRunMetric;
  out.trial_dir = job.trial_dir.string();
  out.stdout_tail = text;
  return out;
}

std::string RealRunner::CheckLustre() const {
  const std::vector<std::string> knobs = LustreKnobsIn(space_);
  if (knobs.empty() || options_.dry_run) return "";
  std::vector<std::string> why;
  fs::path probe = fs::absolute(options_.out_root);
  while (!probe.empty() && !fs::exists(probe) && probe != probe.root_path()) {
    probe = probe.parent_path();
  }
  struct statfs st {};
  if (::statfs(probe.c_str(), &st) != 0) {
    why.push_back("cannot statfs " + probe.string());
  } else if (static_cast<long>(st.f_type) != kLustreSuperMagic) {
    why.push_back("runner.out_root " + options_.out_root + " is not on Lustre (" + probe.string() +
                  " has file system type 0x" +
                  [&] {
                    char b[32];
                    std::snprintf(b, sizeof(b), "%lx", static_cast<unsigned long>(st.f_type));
                    return std::string(b);
                  }() +
                  ")");
  }
  for (const char* tool : {"lfs", "lctl"}) {
    if (FindOnPath(tool).empty()) why.push_back(std::string(tool) + " is not on PATH");
  }
  if (why.empty()) return "";
  std::string names;
  for (const auto& k : knobs) names += (names.empty() ? "" : ", ") + k;
  std::string reasons;
  for (const auto& w : why) reasons += (reasons.empty() ? "" : "; ") + w;
  const std::string msg = "the Lustre knobs " + names + " cannot take effect: " + reasons;
  if (options_.require_lustre) {
    throw core::InputError(msg + " (set runner.require_lustre: false to run anyway)");
  }
  return msg +
         "; runner.require_lustre is false, so the study goes on and they are tuned "
         "without effect";
}

}  // namespace iorec::runner

// `iorec features`: workload features straight from Darshan logs (binary or darshan-parser text),
// one log or a whole directory tree of them, in parallel.
#include "cmd_features.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "input.hpp"
#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/darshan/features.hpp"
#include "iorec/runner/command_runner.hpp"

namespace iorec::app {
namespace {

namespace fs = std::filesystem;

struct FeaturesOptions {
  std::vector<std::string> inputs;
  std::string module = "auto";
  bool json = false;
  bool csv = false;
  std::string out_dir;
  int decimals = 2;
  int jobs = 1;
  bool strict = false;
};

/// The logs named on the command line: files as given, directories searched recursively for
/// `*.darshan` files (sorted, so the output order is stable).
std::vector<fs::path> CollectLogs(const std::vector<std::string>& inputs) {
  std::vector<fs::path> logs;
  core::ProblemList problems;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (IsStdinArg(in)) {
      logs.emplace_back(in);
      continue;
    }
    if (!fs::is_directory(in, ec)) {
      if (!fs::exists(in, ec)) problems.Add(in + ": no such file or directory");
      logs.emplace_back(in);
      continue;
    }
    std::vector<fs::path> found;
    fs::recursive_directory_iterator it(in, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->path().extension() == ".darshan" && it->is_regular_file(ec))
        found.push_back(it->path());
    if (ec) problems.Add(in + ": cannot read the directory: " + ec.message());
    if (found.empty() && !ec) problems.Add(in + ": no *.darshan files in this directory tree");
    std::sort(found.begin(), found.end());
    logs.insert(logs.end(), found.begin(), found.end());
  }
  if (std::count(inputs.begin(), inputs.end(), "-") > 1)
    problems.Add("-: given more than once; standard input holds one log");
  problems.ThrowIfAny();
  return logs;
}

/// The --out-dir file of each log: its stem made safe as a file name (the stem becomes a
/// workload id, which runner commands and trial directories use), `.json` or `.csv`. Two
/// logs that would write the same file are bad input, refused before anything is read.
std::vector<fs::path> OutputFiles(const FeaturesOptions& o, const std::vector<fs::path>& logs) {
  std::vector<fs::path> outs;
  std::map<fs::path, size_t> first;
  core::ProblemList problems;
  for (size_t i = 0; i < logs.size(); ++i) {
    if (IsStdinArg(logs[i].string())) {
      problems.Add(
          "-: --out-dir names each file after its log, and standard input has no name; "
          "give the log as a file");
      continue;
    }
    const std::string stem = logs[i].filename().stem().string();
    outs.push_back(fs::path(o.out_dir) / (runner::SafeDirName(stem) + (o.csv ? ".csv" : ".json")));
    const auto [it, inserted] = first.emplace(outs.back(), i);
    if (!inserted)
      problems.Add(logs[i].string() + ": would write " + outs.back().string() + ", as " +
                   logs[it->second].string() + " does; rename one of the logs");
  }
  problems.ThrowIfAny();
  return outs;
}

/// A live "[####----] 12/40 logs, 1 failed" line on a terminal; silent otherwise.
class LogProgress {
 public:
  LogProgress(size_t total, bool enabled) : total_(total), enabled_(enabled) {}
  ~LogProgress() {
    if (drawn_) std::fputc('\n', stderr);
  }
  /// Erases the bar so that a message can be printed; the next Update redraws it.
  void Clear() {
    if (!drawn_) return;
    std::fputs("\r\033[K", stderr);
    drawn_ = false;
  }
  void Update(size_t done, size_t failed) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < total_ && drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    constexpr size_t kWidth = 30;
    const size_t filled = total_ ? done * kWidth / total_ : kWidth;
    std::string bar(filled, '#');
    bar.append(kWidth - filled, '-');
    std::fprintf(stderr, "\rfeatures [%s] %zu/%zu logs, %zu failed   ", bar.c_str(), done, total_,
                 failed);
    std::fflush(stderr);
    drawn_ = true;
  }

 private:
  size_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_;
};

struct Outcome {
  std::optional<darshan::WorkloadFeatures> features;
  std::string error;
};

/// Writes results in input order as they become ready; remembers the failures.
class Emitter {
 public:
  Emitter(const FeaturesOptions& o, bool quiet, std::vector<fs::path> out_files)
      : o_(o), quiet_(quiet), out_files_(std::move(out_files)) {}

  void Emit(size_t index, const fs::path& path, Outcome& r) {
    if (!r.features) {
      failures_.push_back(r.error);
      return;
    }
    const darshan::WorkloadFeatures& f = *r.features;
    if (!quiet_)
      for (const auto& w : f.warnings)
        std::fprintf(stderr, "iorec: warning: %s: %s\n", InputName(path.string()).c_str(),
                     w.c_str());
    if (!o_.out_dir.empty()) return WriteFile(out_files_[index], f);
    if (o_.csv) {
      if (!header_done_) std::cout << darshan::WorkloadCsvHeader() << "\n";
      header_done_ = true;
      std::cout << darshan::ToWorkloadCsvRow(f, o_.decimals) << "\n";
    } else {
      std::cout << darshan::ToWorkloadJson(f, o_.decimals) << "\n";
    }
    std::cout.flush();
  }

  const std::vector<std::string>& failures() const { return failures_; }

 private:
  void WriteFile(const fs::path& out, const darshan::WorkloadFeatures& f) {
    const std::string body = o_.csv ? darshan::WorkloadCsvHeader() + "\n" +
                                          darshan::ToWorkloadCsvRow(f, o_.decimals) + "\n"
                                    : darshan::ToWorkloadJson(f, o_.decimals) + "\n";
    core::WriteFileAtomic(out, body);
    std::cout << out.string() << "\n";
  }

  const FeaturesOptions& o_;
  bool quiet_;
  std::vector<fs::path> out_files_;
  bool header_done_ = false;
  std::vector<std::string> failures_;
};

Outcome FeaturesOf(const fs::path& path, const darshan::FeatureOptions& options) {
  Outcome r;
  try {
    r.features = DarshanFeaturesArg(path.string(), options);
  } catch (const core::InputError& e) {
    r.error = e.what();
  } catch (const std::exception& e) {
    r.error = InputName(path.string()) + ": " + e.what();
  }
  return r;
}

void RunFeatures(const FeaturesOptions& o, const GlobalOptions& g) {
  darshan::FeatureOptions options;
  options.basis = darshan::ParseBasis(o.module);
  options.strict = o.strict;
  const std::vector<fs::path> logs = CollectLogs(o.inputs);
  std::vector<fs::path> out_files;
  if (!o.out_dir.empty()) out_files = OutputFiles(o, logs);
  std::vector<Outcome> results(logs.size());
  std::vector<char> ready(logs.size(), 0);
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < logs.size(); i = next++) {
      Outcome r = FeaturesOf(logs[i], options);
      std::lock_guard<std::mutex> lock(mu);
      results[i] = std::move(r);
      ready[i] = 1;
      cv.notify_one();
    }
  };
  const size_t nthreads = std::min<size_t>(static_cast<size_t>(std::max(1, o.jobs)), logs.size());
  std::vector<std::thread> pool;
  struct Joiner {  // on any exit (an output error included) stop handing out logs and join
    std::atomic<size_t>& next;
    std::vector<std::thread>& pool;
    size_t end;
    ~Joiner() {
      next = end;
      for (auto& t : pool) t.join();
    }
  } joiner{next, pool, logs.size()};
  for (size_t t = 0; t < nthreads; ++t) pool.emplace_back(worker);

  Emitter emit(o, g.quiet, std::move(out_files));
  LogProgress progress(logs.size(), logs.size() > 1 && !g.quiet && LiveProgressOnStderr());
  for (size_t i = 0; i < logs.size(); ++i) {
    Outcome r;
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return ready[i] != 0; });
      r = std::move(results[i]);
    }
    if (r.features && !r.features->warnings.empty() && !g.quiet) progress.Clear();
    emit.Emit(i, logs[i], r);
    progress.Update(i + 1, emit.failures().size());
  }
  if (emit.failures().empty()) return;
  std::vector<std::string> problems;
  if (logs.size() > 1)
    problems.push_back(std::to_string(emit.failures().size()) + " of " +
                       std::to_string(logs.size()) + " logs failed");
  problems.insert(problems.end(), emit.failures().begin(), emit.failures().end());
  throw core::InputError(problems);
}

}  // namespace

void AddFeaturesCommand(CLI::App& root, GlobalOptions& g) {
  auto opts = std::make_shared<FeaturesOptions>();
  CLI::App* cmd = root.add_subcommand(
      "features", "Workload features (JSON or CSV) from Darshan logs, to use as workloads");
  cmd->add_option("LOG", opts->inputs,
                  "Darshan logs (binary or darshan-parser text), or directories searched "
                  "recursively for *.darshan; - reads one log from standard input")
      ->type_name("")
      ->required();
  cmd->add_option("--module", opts->module,
                  "Which counters the features come from: auto (MPI-IO when it moved bytes, else "
                  "POSIX), posix or mpiio (default: auto)")
      ->type_name("MODULE")
      ->check(CLI::IsMember({"auto", "posix", "mpiio"}));
  auto* json =
      cmd->add_flag("--json", opts->json, "Print one workload JSON object per log (the default)");
  auto* csv = cmd->add_flag("--csv", opts->csv, "Print a CSV header and one row per log");
  json->excludes(csv);
  cmd->add_option(
         "--out-dir", opts->out_dir,
         "Write <log stem>.json (or .csv) per log into DIR instead of printing (characters "
         "other than [A-Za-z0-9_.-] in the stem become _ plus a hash suffix)")
      ->type_name("DIR");
  cmd->add_option("--decimals", opts->decimals,
                  "Round the fractions to N decimals (default: 2; -1: no rounding)")
      ->type_name("N")
      ->check(CLI::Range(-1, 17));
  cmd->add_option("-j,--jobs", opts->jobs,
                  "Read N logs in parallel (default: 1); the output keeps the input order")
      ->type_name("N")
      ->check(CLI::Range(1, 1024));
  cmd->add_flag("--strict", opts->strict,
                "Fail a log whose POSIX, MPI-IO or STDIO data Darshan flagged incomplete");
  AddCommonFlags(cmd, g);
  cmd->callback([opts, &g] { RunFeatures(*opts, g); });
}

}  // namespace iorec::app

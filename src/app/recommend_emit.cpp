#include "recommend_emit.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "iorec/apply/describe.hpp"
#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/runner/process.hpp"

namespace iorec::app {
namespace {

namespace fs = std::filesystem;

/// Notes on what the settings can do for this workload: a synthetic study, hints that a
/// POSIX or independent MPI-IO workload never reaches.
std::vector<std::string> Notes(const deploy::ModelBundle& b, const space::Workload& w,
                               const apply::Settings& s) {
  std::vector<std::string> notes;
  if (b.runner_mode == "stub") {
    notes.push_back(
        "this model comes from the synthetic stub testbed: its numbers are simulated, not "
        "measured on any file system");
  }
  if (s.romio.empty()) return notes;
  const auto api = w.attributes.find("io_api");
  const auto mode = w.attributes.find("mpi_collective_mode");
  if (api != w.attributes.end() && api->second == "posix") {
    notes.push_back(
        "the workload does its I/O through POSIX (io_api: posix): the MPI-IO hints do not "
        "reach it");
  } else if (mode != w.attributes.end() && (mode->second == "no" || mode->second == "none")) {
    notes.push_back("the workload's MPI-IO is independent (mpi_collective_mode: " + mode->second +
                    "): collective buffering hints act on collective calls only");
  }
  return notes;
}

/// The node's current values of the lctl parameters, as `lctl get_param` prints them.
apply::CurrentLctl ReadCurrentLctl(const apply::KeyValues& lctl) {
  apply::CurrentLctl cur;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  cur.host = host;
  runner::ProcessSpec spec;
  spec.argv = {"lctl", "get_param"};
  std::vector<std::string> patterns;
  for (const auto& [param, v] : lctl) {
    spec.argv.push_back(param);
    patterns.push_back(param);
  }
  spec.timeout_s = 20;
  const auto r = runner::RunProcess(spec);
  if (!r.started) {
    cur.unavailable = "lctl not found on PATH: not a Lustre client";
    return cur;
  }
  cur.values = apply::ParseLctlGetParam(r.out, patterns);
  if (cur.values.empty()) {
    std::string why = r.err.substr(0, r.err.find('\n'));
    cur.unavailable = "lctl get_param " + r.Describe() + (why.empty() ? "" : ": " + why);
  }
  return cur;
}

const char* FileName(apply::Format f) {
  switch (f) {
    case apply::Format::kLfs:
      return "lfs.sh";
    case apply::Format::kRomioHints:
      return "romio-hints.sh";
    case apply::Format::kLctl:
      return "lctl.sh";
    case apply::Format::kSlurm:
      return "slurm.sh";
    case apply::Format::kJson:
      return "settings.json";
  }
  return "";
}

}  // namespace

Explained Explain(const deploy::ModelBundle& b, const space::Workload& w,
                  const deploy::Recommendation& r, bool scores_are_log_gains) {
  Explained ex;
  ex.noise = deploy::NoiseOf(b.matrix);
  const bool regression = scores_are_log_gains;
  for (const auto& c : r.configs) {
    ex.expected.push_back(deploy::Expect(b.matrix, r, c, b.baseline, ex.noise, regression));
  }
  return ExplainExpected(b, w, r, std::move(ex.expected));
}

Explained ExplainExpected(const deploy::ModelBundle& b, const space::Workload& w,
                          const deploy::Recommendation& r,
                          std::vector<deploy::Expectation> expected) {
  Explained ex;
  ex.noise = deploy::NoiseOf(b.matrix);
  ex.expected = std::move(expected);
  for (size_t i = 1; i < ex.expected.size(); ++i) {
    const auto cmp = deploy::CompareWithNoise(ex.expected[0], ex.expected[i], ex.noise);
    const std::string line = apply::DescribeNoiseComparison(cmp, 1, static_cast<int>(i + 1));
    if (!line.empty()) ex.within_noise.push_back(line);
  }
  if (!r.configs.empty())
    ex.notes = Notes(b, w, apply::SettingsOf(b.space, r.configs.front().config));
  return ex;
}

std::string NoiseLine(const deploy::Noise& noise) {
  if (!noise.known()) {
    return "noise: no listed config was measured twice, so the run-to-run spread is unknown and "
           "close configs may differ by noise alone (turn on active.replicate_top_n)";
  }
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "noise: runs of one config vary by %.1f%% (median relative spread over %zu "
                "replicated configs, up to %.1f%%)",
                100.0 * noise.Median(), noise.relative_std.size(), 100.0 * noise.Max());
  return buf;
}

void CheckEmitOptions(const EmitOptions& opt, size_t num_configs) {
  core::ProblemList problems;
  bool json = false;
  for (const auto& f : opt.formats) {
    const auto format = apply::ParseFormat(f);
    if (!format) {
      problems.Add("recommend: --emit: unknown format '" + f +
                   "' (lfs, romio-hints, lctl, slurm, json)");
    }
    json = json || format == apply::Format::kJson;
  }
  if (json && opt.formats.size() > 1 && opt.emit_dir.empty()) {
    problems.Add(
        "recommend: --emit json cannot share standard output with other formats; add --emit-dir "
        "DIR to write one file per format");
  }
  if (opt.rank < 1 || static_cast<size_t>(opt.rank) > num_configs) {
    problems.Add("recommend: --rank " + std::to_string(opt.rank) + ": the recommendation has " +
                 std::to_string(num_configs) + " configs");
  }
  problems.ThrowIfAny();
}

void EmitRecommendation(const EmitOptions& opt, const deploy::ModelBundle& b,
                        const space::Workload& w, const deploy::Recommendation& r,
                        const Explained& ex, std::optional<double> current) {
  const size_t i = static_cast<size_t>(opt.rank - 1);
  const space::Config& config = r.configs[i].config;
  const apply::Settings s = apply::SettingsOf(b.space, config);
  apply::EmitContext ctx;
  ctx.workload = w.id;
  ctx.rank = opt.rank;
  ctx.description = b.space.Describe(config);
  ctx.source = apply::DescribeSource(ex.expected[i]);
  ctx.expected = apply::DescribeExpectation(ex.expected[i], b.metric, current);
  ctx.notes = Notes(b, w, s);
  for (const auto& warn : r.warnings) ctx.notes.push_back("warning: " + warn);
  ctx.dirs = opt.dirs;
  ctx.hints_file = opt.hints_file;
  std::vector<apply::Format> formats;
  for (const auto& f : opt.formats) formats.push_back(*apply::ParseFormat(f));
  const bool needs_lctl = std::any_of(formats.begin(), formats.end(), [](apply::Format f) {
    return f == apply::Format::kLctl || f == apply::Format::kJson;
  });
  if (needs_lctl && !s.lctl.empty()) ctx.current = ReadCurrentLctl(s.lctl);
  if (!opt.emit_dir.empty()) fs::create_directories(opt.emit_dir);
  bool first = true;
  for (apply::Format f : formats) {
    std::string text;
    switch (f) {
      case apply::Format::kLfs:
        text = apply::EmitLfs(s, ctx);
        break;
      case apply::Format::kRomioHints:
        text = apply::EmitRomioHints(s, ctx);
        break;
      case apply::Format::kLctl:
        text = apply::EmitLctl(s, ctx);
        break;
      case apply::Format::kSlurm:
        text = apply::EmitSlurm(s, ctx);
        break;
      case apply::Format::kJson: {
        auto j = apply::SettingsJson(b.space, config, s, ctx);
        j["expected"] = apply::ExpectationJson(ex.expected[i], b.metric, current);
        j["notes"] = ctx.notes;
        text = j.dump(2) + "\n";
        break;
      }
    }
    if (opt.emit_dir.empty()) {
      std::cout << (first ? "" : "\n") << text << std::flush;
      first = false;
    } else {
      const fs::path file = fs::path(opt.emit_dir) / FileName(f);
      core::WriteFileAtomic(file, text);
      std::printf("wrote %s\n", file.c_str());
    }
  }
}

}  // namespace iorec::app

// `iorec darshan LOG --total|--perf`: darshan-parser's aggregate lines, without darshan-util.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.hpp"
#include "input.hpp"
#include "iorec/core/error.hpp"
#include "iorec/darshan/log.hpp"
#include "iorec/darshan/summary.hpp"

namespace iorec::app {
namespace {

struct DarshanOptions {
  std::string log;
  bool total = false;
  bool perf = false;
  bool show_incomplete = false;
  bool json = false;
};

/// Every decoded POSIX / MPI-IO / STDIO module with its incomplete flag (JSON does not stop at
/// an incomplete module the way darshan-parser's text does).
nlohmann::ordered_json SummaryJson(const darshan::LogSummary& s, const DarshanOptions& o) {
  nlohmann::ordered_json j;
  j["log"] = s.source;
  j["jobid"] = s.jobid;
  j["nprocs"] = s.nprocs;
  j["run_time_s"] = s.run_time;
  j["modules"] = nlohmann::ordered_json::array();
  for (const auto& [prefix, m] : s.modules) {
    nlohmann::ordered_json mj;
    mj["module"] = prefix;
    mj["incomplete"] = std::find(s.partial_modules.begin(), s.partial_modules.end(), prefix) !=
                       s.partial_modules.end();
    mj["records"] = m.num_records;
    if (o.total || !o.perf) {
      nlohmann::ordered_json totals = nlohmann::ordered_json::object();
      for (const auto& [name, v] : m.totals) totals[name] = v;
      for (const auto& [name, v] : m.ftotals) totals[name] = v;
      mj["totals"] = std::move(totals);
    }
    if (o.perf) {
      mj["perf"] = {{"agg_time_by_slowest_s", m.perf.agg_time_by_slowest},
                    {"agg_perf_by_slowest_mib_s", m.perf.agg_perf_by_slowest}};
    }
    j["modules"].push_back(std::move(mj));
  }
  j["warnings"] = s.warnings;
  return j;
}

void RunDarshan(const DarshanOptions& o, const GlobalOptions& g) {
  const InputBytes in(o.log, "Darshan log");
  const auto bytes = in.bytes();
  if (darshan::LooksLikeParserText(
          std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())))
    throw core::InputError(in.name() +
                           ": darshan-parser text already holds its totals; give the binary log");
  const darshan::LogSummary s = darshan::SummarizeLogBytes(bytes, in.name());
  if (!g.quiet)
    for (const auto& w : s.warnings)
      std::fprintf(stderr, "iorec: warning: %s: %s\n", in.name().c_str(), w.c_str());
  if (o.json) {
    std::printf("%s\n", SummaryJson(s, o).dump(2).c_str());
    return;
  }
  std::string stopped;
  std::string out;
  if (o.total || !o.perf) out += darshan::FormatParserTotals(s, o.show_incomplete, &stopped);
  if (o.perf) out += darshan::FormatParserPerf(s, o.show_incomplete, &stopped);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (!stopped.empty())
    throw core::InputError(in.name() + ": the " + stopped +
                           " module holds incomplete data; like darshan-parser, nothing from it "
                           "on is printed (--show-incomplete prints it)");
}

}  // namespace

void AddDarshanCommand(CLI::App& root, GlobalOptions& g) {
  auto o = std::make_shared<DarshanOptions>();
  CLI::App* cmd = root.add_subcommand(
      "darshan", "Print darshan-parser's --total / --perf lines for a binary Darshan log");
  cmd->add_option("LOG", o->log, "A binary Darshan log (.darshan); - reads standard input")
      ->type_name("")
      ->required();
  cmd->add_flag("--total", o->total,
                "Print the total_<COUNTER> lines of POSIX, MPI-IO and STDIO (the default)");
  cmd->add_flag("--perf", o->perf,
                "Print agg_time_by_slowest (s) and agg_perf_by_slowest (MiB/s) per module");
  cmd->add_flag("--show-incomplete", o->show_incomplete,
                "Print modules Darshan flagged incomplete too, and exit 0 (darshan-parser "
                "--show-incomplete); without it, printing stops there and the exit code is 2");
  AddJsonFlag(cmd, o->json,
              "every module's totals (with --perf: its perf too), each flagged incomplete or "
              "not,");
  AddCommonFlags(cmd, g);
  cmd->callback([o, &g] { RunDarshan(*o, g); });
}

}  // namespace iorec::app

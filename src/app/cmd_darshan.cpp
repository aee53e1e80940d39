// `iorec darshan LOG --total|--perf`: darshan-parser's aggregate lines, without darshan-util.
#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
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
};

void RunDarshan(const DarshanOptions& o, const GlobalOptions& g) {
  darshan::MappedFile file(o.log);
  const auto bytes = file.bytes();
  if (darshan::LooksLikeParserText(
          std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())))
    throw core::InputError(o.log +
                           ": darshan-parser text already holds its totals; give the binary log");
  const darshan::LogSummary s = darshan::SummarizeLogBytes(bytes, o.log);
  if (!g.quiet)
    for (const auto& w : s.warnings)
      std::fprintf(stderr, "iorec: warning: %s: %s\n", o.log.c_str(), w.c_str());
  std::string stopped;
  std::string out;
  if (o.total || !o.perf) out += darshan::FormatParserTotals(s, o.show_incomplete, &stopped);
  if (o.perf) out += darshan::FormatParserPerf(s, o.show_incomplete, &stopped);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (!stopped.empty())
    throw core::InputError(o.log + ": the " + stopped +
                           " module holds incomplete data; like darshan-parser, nothing from it "
                           "on is printed (--show-incomplete prints it)");
}

}  // namespace

void AddDarshanCommand(CLI::App& root, GlobalOptions& g) {
  auto o = std::make_shared<DarshanOptions>();
  CLI::App* cmd = root.add_subcommand(
      "darshan", "Print darshan-parser's --total / --perf lines for a binary Darshan log");
  cmd->add_option("LOG", o->log, "Binary Darshan log")->required();
  cmd->add_flag("--total", o->total,
                "total_<COUNTER> lines of POSIX, MPI-IO and STDIO (the default)");
  cmd->add_flag("--perf", o->perf, "agg_time_by_slowest / agg_perf_by_slowest per module");
  cmd->add_flag("--show-incomplete", o->show_incomplete,
                "Print modules flagged partial too (darshan-parser --show-incomplete)");
  AddCommonFlags(cmd, g);
  cmd->callback([o, &g] { RunDarshan(*o, g); });
}

}  // namespace iorec::app

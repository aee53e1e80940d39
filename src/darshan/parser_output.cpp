// darshan-parser's `--total` and `--perf` lines from a summary, printed the way darshan-parser
// 3.4.7 prints them (same names and order, integers exact, floating point with "%f").
#include <cinttypes>
#include <cstdio>

#include "iorec/darshan/summary.hpp"

namespace iorec::darshan {
namespace {

/// Modules darshan-parser aggregates beyond --base: POSIX, MPI-IO, STDIO, DFS, DAOS. Only these
/// can stop it at a partial flag when --base is not asked for.
bool ParserAggregates(int id) { return id == 1 || id == 2 || id == 9 || id == 16 || id == 17; }

std::string Fixed(double v) {
  char buf[512];
  std::snprintf(buf, sizeof(buf), "%f", v);
  return buf;
}

/// Calls `emit(slot, summary)` for each POSIX/MPI-IO/STDIO module darshan-parser would print,
/// stopping where darshan-parser stops.
template <typename Emit>
void WalkModules(const LogSummary& s, bool show_incomplete, std::string* stopped_at, Emit emit) {
  if (stopped_at) stopped_at->clear();
  for (const ModuleSlot& slot : s.slots) {
    if (!ParserAggregates(slot.id)) continue;
    if (slot.partial && !show_incomplete) {
      if (stopped_at) *stopped_at = ModuleName(slot.id);
      return;
    }
    if (!slot.has_data) continue;
    const ModuleSummary* m = s.Module(CounterPrefix(slot.id));
    if (m && slot.decoded) emit(slot, *m);
  }
}

}  // namespace

std::string FormatParserTotals(const LogSummary& s, bool show_incomplete, std::string* stopped_at) {
  std::string out;
  WalkModules(s, show_incomplete, stopped_at, [&](const ModuleSlot& slot, const ModuleSummary& m) {
    const uint32_t ver = CurrentVersion(slot.id);
    char buf[64];
    for (const std::string& n : *CounterNames(slot.id, ver)) {
      std::snprintf(buf, sizeof(buf), "%" PRId64, m.Total(n));
      out += "total_" + n + ": " + buf + "\n";
    }
    for (const std::string& n : *FCounterNames(slot.id, ver))
      out += "total_" + n + ": " + Fixed(m.FTotal(n)) + "\n";
  });
  return out;
}

std::string FormatParserPerf(const LogSummary& s, bool show_incomplete, std::string* stopped_at) {
  std::string out;
  WalkModules(s, show_incomplete, stopped_at, [&](const ModuleSlot& slot, const ModuleSummary& m) {
    out += "# " + ModuleName(slot.id) + " module data\n";
    out += "# agg_time_by_slowest: " + Fixed(m.perf.agg_time_by_slowest) + " # seconds\n";
    out += "# agg_perf_by_slowest: " + Fixed(m.perf.agg_perf_by_slowest) + " # MiB/s\n";
  });
  return out;
}

}  // namespace iorec::darshan

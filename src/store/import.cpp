#include "iorec/store/import.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "iorec/core/error.hpp"

namespace iorec::store {
namespace {

/// One CSV record and the line it starts on.
struct Record {
  std::vector<std::string> fields;
  size_t line = 0;
};

/// RFC 4180 records: fields split on commas, "..." quoting with "" for a quote (newlines
/// allowed inside), CRLF or LF line ends. Blank lines are skipped. A quote left open is a
/// problem.
std::vector<Record> ReadCsv(std::string_view text, const std::string& file,
                            core::ProblemList& problems) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 byte order mark
  std::vector<Record> out;
  Record rec;
  std::string field;
  bool quoted = false, any = false;
  size_t line = 1;
  rec.line = 1;
  auto end_record = [&] {
    rec.fields.push_back(std::move(field));
    field.clear();
    if (any || rec.fields.size() > 1 || !rec.fields.front().empty()) out.push_back(std::move(rec));
    rec = Record{};
    rec.line = line;
    any = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && field.empty()) {
      quoted = any = true;
    } else if (c == ',') {
      rec.fields.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++line;
      end_record();
    } else {
      field += c;
    }
  }
  if (quoted) problems.Add(file + ":" + std::to_string(rec.line) + ": a quote is never closed");
  if (any || !field.empty()) end_record();
  return out;
}

/// Columns the layouts write that are not knobs; only those named are read.
const std::set<std::string>& MetadataColumns() {
  static const std::set<std::string> kColumns = {
      // iorec: observations.csv and `iorec export`
      "trial_id", "workload", "source", "iteration", "replicate", "batch", "status", "perf", "gain",
      "attempts", "started_at", "ended_at", "wall_seconds", "failure_reason", "origin", "config_id",
      // the reference's observations (warm-start and active-sampling orchestrators)
      "timestamp", "workload_key", "pattern_id", "workload_json", "config_index", "metric_key",
      "metric", "metric_fallback_mib_per_s", "darshan_file", "analysis_dir",
      // ... which also record the four Lustre client settings they applied
      "osc_max_pages_per_rpc", "osc_max_rpcs_in_flight", "mdc_max_pages_per_rpc",
      "mdc_max_rpcs_in_flight"};
  return kColumns;
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::string JoinFirst(const std::vector<std::string>& items, size_t n) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < n; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > n) out += ", ... (" + std::to_string(items.size()) + " in all)";
  return out;
}

std::optional<double> Number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

/// The level of `text` for knob k: the same text, else the same number.
std::optional<uint8_t> MatchLevel(const space::Knob& knob, const std::string& text) {
  for (size_t l = 0; l < knob.values.size(); ++l) {
    if (knob.values[l].text() == text) return static_cast<uint8_t>(l);
  }
  const auto n = Number(text);
  if (!n) return std::nullopt;
  for (size_t l = 0; l < knob.values.size(); ++l) {
    const auto& v = knob.values[l];
    if (v.kind() != space::KnobValue::Kind::kString && v.as_double() == *n) {
      return static_cast<uint8_t>(l);
    }
  }
  return std::nullopt;
}

/// Where the columns are; every problem of the header goes to `problems`.
struct Columns {
  std::optional<size_t> workload, metric, status;
  bool workload_key = false;  ///< the workload column is the reference's workload_key
  std::vector<size_t> knob;   ///< per knob of the space
  std::string layout;
};

Columns ReadHeader(const Record& header, const std::string& file, const space::Space& space,
                   core::ProblemList& problems) {
  Columns c;
  std::map<std::string, size_t> at;
  const std::string where = file + ":" + std::to_string(header.line) + ": ";
  std::vector<std::string> knob_names;
  for (const auto& k : space.knobs()) knob_names.push_back(k.name);
  for (size_t i = 0; i < header.fields.size(); ++i) {
    const std::string& name = header.fields[i];
    const std::string col = "column " + std::to_string(i + 1);
    if (!at.emplace(name, i).second) {
      problems.Add(where + col + " " + Quote(name) + " appears twice (also column " +
                   std::to_string(at[name] + 1) + ")");
      continue;
    }
    const bool knob = std::find(knob_names.begin(), knob_names.end(), name) != knob_names.end();
    if (!knob && !MetadataColumns().count(name)) {
      problems.Add(where + col + " " + Quote(name) +
                   ": not a knob of the study (its knobs: " + JoinFirst(knob_names, 20) +
                   ") nor a column of observations.csv, `iorec export` or the reference's "
                   "observations");
    }
  }
  auto find = [&](const char* name) -> std::optional<size_t> {
    const auto it = at.find(name);
    return it == at.end() ? std::nullopt : std::optional<size_t>(it->second);
  };
  c.workload = find("workload");
  c.layout = c.workload ? "iorec" : "reference";
  if (!c.workload) c.workload = find("pattern_id");
  if (!c.workload && (c.workload = find("workload_key"))) c.workload_key = true;
  if (!c.workload) {
    problems.Add(where +
                 "no workload column (workload, or the reference's pattern_id or "
                 "workload_key)");
  }
  c.metric = find("perf");
  if (!c.metric) c.metric = find("metric");
  if (!c.metric) problems.Add(where + "no metric column (perf, or the reference's metric)");
  c.status = find("status");
  for (const auto& name : knob_names) {
    const auto k = find(name.c_str());
    if (!k) problems.Add(where + "no column for knob " + Quote(name));
    c.knob.push_back(k.value_or(0));
  }
  return c;
}

/// Parses one data row into `out`; returns false when its status skips it.
bool ReadRow(const Record& r, const Columns& c, const std::string& file, const space::Space& space,
             const std::map<std::string, uint32_t>& workload_ids,
             const std::vector<std::string>& header, core::ProblemList& problems, ImportRow& out) {
  const std::string where = file + ":" + std::to_string(r.line) + ": ";
  auto col = [&](size_t i) { return "column " + std::to_string(i + 1) + " (" + header[i] + "): "; };
  if (c.status) {
    const std::string& status = r.fields[*c.status];
    if (status == "failed" || status == "pending" || status == "running") return false;
    if (status != "done") {
      problems.Add(where + col(*c.status) + "status " + Quote(status) +
                   " is not one of done, failed, pending, running");
      return false;
    }
  }
  out.line = r.line;
  std::string id = r.fields[*c.workload];
  if (c.workload_key) id = id.substr(0, id.find("_cap_"));
  const auto w = workload_ids.find(id);
  if (w == workload_ids.end()) {
    std::vector<std::string> known;
    for (const auto& [name, idx] : workload_ids) known.push_back(name);
    problems.Add(where + col(*c.workload) + "unknown workload " + Quote(id) +
                 " (the study's: " + JoinFirst(known, 8) + ")");
  } else {
    out.workload = w->second;
  }
  std::vector<uint8_t> levels(space.num_knobs(), 0);
  for (size_t k = 0; k < space.num_knobs(); ++k) {
    const space::Knob& knob = space.knob(space::KnobIndex(k));
    const std::string& text = r.fields[c.knob[k]];
    if (const auto l = MatchLevel(knob, text)) {
      levels[k] = *l;
      continue;
    }
    std::vector<std::string> values;
    for (const auto& v : knob.values) values.push_back(v.text());
    problems.Add(where + col(c.knob[k]) + "value " + Quote(text) + " is not one of knob " +
                 Quote(knob.name) + "'s values [" + JoinFirst(values, 20) + "]");
  }
  out.config = space::Config(std::move(levels));
  const std::string& m = r.fields[*c.metric];
  const auto v = Number(m);
  if (!v) {
    problems.Add(where + col(*c.metric) +
                 (m.empty() ? std::string("empty; a finished run needs "
                                          "its metric")
                            : Quote(m) + " is not a number"));
  } else if (!std::isfinite(*v)) {
    problems.Add(where + col(*c.metric) + Quote(m) + " is not finite");
  } else if (!(*v > 0.0)) {
    problems.Add(where + col(*c.metric) + Quote(m) +
                 " is not > 0 (gains are ratios to the baseline's metric)");
  } else {
    out.metric = *v;
  }
  return true;
}

/// Throws with the first kMaxImportProblems problems and a count of the rest.
void ThrowProblems(const core::ProblemList& problems) {
  if (problems.size() <= kMaxImportProblems) problems.ThrowIfAny();
  std::vector<std::string> shown(problems.items().begin(),
                                 problems.items().begin() + kMaxImportProblems);
  shown.push_back("... and " + std::to_string(problems.size() - kMaxImportProblems) +
                  " more problems");
  throw core::InputError(shown);
}

}  // namespace

ParsedImport ParseImportCsv(std::string_view text, const std::string& file,
                            const space::Space& space, const space::WorkloadSet& workloads) {
  core::ProblemList problems;
  const std::vector<Record> records = ReadCsv(text, file, problems);
  if (records.empty()) {
    throw core::InputError(file + ": empty; expected a header row and one row per run");
  }
  const size_t before_header = problems.size();
  const Columns c = ReadHeader(records.front(), file, space, problems);
  ParsedImport out;
  out.layout = c.layout;
  if (problems.size() > before_header) ThrowProblems(problems);
  std::map<std::string, uint32_t> ids;
  for (uint32_t w = 0; w < workloads.size(); ++w) ids.emplace(workloads.workloads[w].id, w);
  const std::vector<std::string>& header = records.front().fields;
  for (size_t i = 1; i < records.size(); ++i) {
    const Record& r = records[i];
    if (r.fields.size() != header.size()) {
      problems.Add(file + ":" + std::to_string(r.line) + ": " + std::to_string(r.fields.size()) +
                   " fields, the header has " + std::to_string(header.size()));
      continue;
    }
    ImportRow row;
    if (ReadRow(r, c, file, space, ids, header, problems, row)) {
      out.rows.push_back(std::move(row));
    } else {
      ++out.skipped;
    }
  }
  if (!problems.empty()) ThrowProblems(problems);
  if (out.rows.empty()) {
    throw core::InputError(file + ": no finished run to import (" + std::to_string(out.skipped) +
                           " rows failed or did not finish)");
  }
  return out;
}

std::vector<loop::ImportedTrial> ToImportedTrials(const std::vector<ImportedRecord>& records) {
  std::vector<loop::ImportedTrial> out;
  for (const auto& r : records) {
    loop::ImportedTrial t;
    t.workload = r.workload;
    t.config = space::Config(r.levels);
    t.metric = r.metric;
    t.enters_before_batch = r.enters_before_batch;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace iorec::store

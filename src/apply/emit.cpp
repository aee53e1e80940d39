#include "iorec/apply/emit.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "iorec/runner/knob_settings.hpp"
#include "iorec/runner/real_runner.hpp"
#include "iorec/runner/shell.hpp"
#include "iorec/space/json.hpp"

namespace iorec::apply {
namespace {

using Json = nlohmann::ordered_json;
using runner::KnobTarget;
using runner::ShellQuote;
using runner::ShellWord;

constexpr const char* kHintsEof = "IOREC_HINTS";
constexpr const char* kDirPlaceholder =
    "${OUTPUT_DIR:?set OUTPUT_DIR to the directory the job writes, or pass --dir to iorec "
    "recommend}";

/// Text for a comment line: control characters (a newline would end the comment) as spaces.
std::string OneLine(std::string s) {
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return s;
}

/// The header every output starts with, as shell comments.
std::string Header(const std::string& what, const Settings& s, const EmitContext& ctx) {
  std::string h = "# iorec: " + what + " for workload " + OneLine(ctx.workload) + ", config #" +
                  std::to_string(ctx.rank) + ": " + OneLine(ctx.description) + "\n";
  h += "#   source: " + OneLine(ctx.source) + "\n#   " + OneLine(ctx.expected) + "\n";
  for (const auto& n : ctx.notes) h += "#   " + OneLine(n) + "\n";
  if (!s.other.empty()) {
    h += "#   not a system setting (set it in the application or benchmark):";
    for (const auto& [k, v] : s.other) h += " " + OneLine(k + "=" + v);
    h += "\n";
  }
  for (const auto& p : s.problems) h += "#   " + OneLine(p) + "\n";
  return h;
}

std::string HintsFile(const EmitContext& ctx, const std::string& default_dir) {
  if (!ctx.hints_file.empty()) return ShellQuote(ctx.hints_file);
  return "\"" + default_dir + "\"/" + ShellQuote("romio-hints." + ctx.workload);
}

/// mkdir + lfs setstripe for each directory (or the OUTPUT_DIR placeholder).
std::string LfsLines(const Settings& s, const EmitContext& ctx) {
  std::vector<std::string> argv = {"lfs", "setstripe"};
  if (!s.stripe_count.empty()) argv.insert(argv.end(), {"-c", s.stripe_count});
  if (!s.stripe_size.empty()) argv.insert(argv.end(), {"-S", s.stripe_size});
  std::string out;
  if (ctx.dirs.empty()) {
    out += "dir=" + std::string(kDirPlaceholder) + "\nmkdir -p \"$dir\"\n" +
           runner::ShellJoin(argv) + " \"$dir\"\n";
    return out;
  }
  for (const auto& d : ctx.dirs) {
    out += "mkdir -p " + ShellWord(d) + "\n";
    std::vector<std::string> a = argv;
    a.push_back(d);
    out += runner::ShellJoin(a) + "\n";
  }
  return out;
}

/// Writes the hints file at `path` (a shell word) and exports the variables.
std::string HintsLines(const Settings& s, const std::string& path) {
  std::string out = "iorec_hints=" + path + "\n";
  out += "cat > \"$iorec_hints\" <<'" + std::string(kHintsEof) + "'\n" + RomioHintsFile(s) +
         kHintsEof + "\n";
  out += "export ROMIO_HINTS=\"$iorec_hints\"\n";
  const std::string cray = MpichMpiioHints(s);
  if (!cray.empty()) out += "export MPICH_MPIIO_HINTS=" + ShellQuote(cray) + "\n";
  return out;
}

std::string LctlSetLine(const std::pair<std::string, std::string>& kv) {
  return runner::ShellJoin({"lctl", "set_param", kv.first + "=" + kv.second});
}

std::string CurrentLines(const Settings& s, const EmitContext& ctx) {
  const CurrentLctl& cur = ctx.current;
  if (!cur.unavailable.empty())
    return "# Current values: not readable here (" + cur.unavailable + ").\n";
  std::string out = "# Current values on " + (cur.host.empty() ? "this node" : cur.host) +
                    " (lctl get_param; compute nodes may differ):\n";
  std::map<std::string, std::string> by(cur.values.begin(), cur.values.end());
  std::string restore;
  for (const auto& [param, v] : s.lctl) {
    const auto it = by.find(param);
    out += "#   " + param + " = " + (it == by.end() ? "?" : it->second) + "\n";
    if (it != by.end() && it->second.find(',') == std::string::npos) {
      restore += "# " + LctlSetLine({param, it->second}) + "\n";
    }
  }
  if (!restore.empty()) out += "# To put them back afterwards:\n" + restore;
  return out;
}

constexpr const char* kLctlNote =
    "# NOTE: these settings are node-wide and need root. lctl set_param changes a client setting\n"
    "# for the whole node: every job's I/O on it uses the new value until it is set back or the\n"
    "# node reboots. Apply them on every compute node of the job (e.g. a Slurm prolog/epilog\n"
    "# pair your admins install), not on a login node; ask your site first.\n";

std::string RomioNote() {
  return "# Collective buffering hints: they act on collective MPI-IO (MPI_File_write_all, ...)\n"
         "# in ROMIO-based MPI-IO (MPICH, Intel MPI, Cray MPICH, Open MPI with --mca io romio*).\n"
         "# ROMIO reads the file on rank 0 when the application opens a file; hints the\n"
         "# application sets itself (MPI_Info_set) take precedence. It uses at most\n"
         "# cb_config_list's aggregators per node times the nodes, and no more than the ranks.\n";
}

}  // namespace

std::optional<Format> ParseFormat(std::string_view name) {
  for (Format f :
       {Format::kLfs, Format::kRomioHints, Format::kLctl, Format::kSlurm, Format::kJson}) {
    if (name == ToString(f)) return f;
  }
  return std::nullopt;
}

const char* ToString(Format f) {
  switch (f) {
    case Format::kLfs:
      return "lfs";
    case Format::kRomioHints:
      return "romio-hints";
    case Format::kLctl:
      return "lctl";
    case Format::kSlurm:
      return "slurm";
    case Format::kJson:
      return "json";
  }
  return "";
}

Settings SettingsOf(const space::Space& space, const space::Config& config) {
  Settings s;
  for (size_t k = 0; k < space.num_knobs(); ++k) {
    const std::string& name = space.knobs()[k].name;
    const std::string value = space.Value(config, k).text();
    const runner::KnobSetting* ks = runner::FindKnobSetting(name);
    if (!ks) {
      s.other.emplace_back(name, value);
      continue;
    }
    switch (ks->target) {
      case KnobTarget::kStripeCount:
        s.stripe_count = value;
        break;
      case KnobTarget::kStripeSize:
        s.stripe_size = runner::LfsStripeSize(value);
        break;
      case KnobTarget::kLctl:
        s.lctl.emplace_back(std::string(ks->setting), value);
        break;
      case KnobTarget::kRomioHint: {
        const std::string hint = runner::RomioHintValue(*ks, value);
        if (hint.empty()) {
          s.problems.push_back(name + "=" + value + ": not a positive whole number, so not a " +
                               std::string(ks->setting) + " hint; left out");
        } else {
          s.romio.emplace_back(std::string(ks->setting), hint);
        }
        break;
      }
    }
  }
  return s;
}

KeyValues ParseLctlGetParam(std::string_view output, const std::vector<std::string>& patterns) {
  // "osc.fs-OST0000-osc-ffff.max_pages_per_rpc=1024": the target before the first '.', the key
  // after the last '.' of the name.
  // Numbers in numeric order ("8" before "16").
  auto numeric = [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  };
  std::map<std::string, std::set<std::string, decltype(numeric)>> found;
  std::istringstream in{std::string(output)};
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = line.substr(0, eq);
    std::string value = line.substr(eq + 1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\r')) value.pop_back();
    const size_t first = name.find('.'), last = name.rfind('.');
    if (first == std::string::npos || first == last) continue;
    const std::string pattern = name.substr(0, first) + ".*." + name.substr(last + 1);
    found.try_emplace(pattern, numeric).first->second.insert(value);
  }
  KeyValues out;
  for (const auto& p : patterns) {
    const auto it = found.find(p);
    if (it == found.end()) continue;
    std::string joined;
    for (const auto& v : it->second) joined += (joined.empty() ? "" : ", ") + v;
    out.emplace_back(p, joined);
  }
  return out;
}

std::string RomioHintsFile(const Settings& s) {
  std::string out;
  for (const auto& [hint, v] : s.romio) out += hint + " " + v + "\n";
  return out;
}

std::string MpichMpiioHints(const Settings& s) {
  std::string out;
  for (const auto& [hint, v] : s.romio) {
    if (hint != "cb_config_list") out += ":" + hint + "=" + v;
  }
  return out.empty() ? out : "*" + out;
}

std::string EmitLfs(const Settings& s, const EmitContext& ctx) {
  std::string out = Header("Lustre striping", s, ctx);
  if (s.empty_lustre()) return out + "# The study's space has no striping knob: nothing to set.\n";
  out +=
      "# New files in a directory take its striping; existing files keep theirs (lfs migrate\n"
      "# re-stripes one). Run before the job writes.\n";
  return out + LfsLines(s, ctx);
}

std::string EmitRomioHints(const Settings& s, const EmitContext& ctx) {
  std::string out = Header("MPI-IO hints", s, ctx);
  if (s.romio.empty())
    return out + "# The study's space has no MPI-IO hint knob: nothing to set.\n";
  out += RomioNote();
  out += "# Cray MPICH reads MPICH_MPIIO_HINTS instead; cb_config_list has no form there.\n";
  return out + HintsLines(s, HintsFile(ctx, "$PWD"));
}

std::string EmitLctl(const Settings& s, const EmitContext& ctx) {
  std::string out = Header("Lustre client settings", s, ctx);
  if (s.lctl.empty())
    return out + "# The study's space has no Lustre client knob: nothing to set.\n";
  out += kLctlNote + CurrentLines(s, ctx);
  for (const auto& kv : s.lctl) out += LctlSetLine(kv) + "\n";
  return out;
}

std::string EmitSlurm(const Settings& s, const EmitContext& ctx) {
  std::string out = Header("job-script fragment", s, ctx);
  out += "# Paste after the #SBATCH lines, before the application's srun/mpiexec.\n";
  if (!s.empty_lustre()) {
    out += "\n# Lustre striping of the output directories (new files inherit it).\n" +
           LfsLines(s, ctx);
  }
  if (!s.romio.empty()) {
    out += "\n" + RomioNote() + HintsLines(s, HintsFile(ctx, "${SLURM_SUBMIT_DIR:-$PWD}"));
  }
  if (!s.lctl.empty()) {
    out += "\n# Lustre client settings: left commented out.\n" + std::string(kLctlNote) +
           "# Where your site lets jobs run lctl through sudo, these apply them on every node\n"
           "# of the job (and put the node's values back yourself at the end):\n";
    for (const auto& kv : s.lctl) {
      out += "# srun --ntasks-per-node=1 --nodes=\"$SLURM_JOB_NUM_NODES\" sudo " + LctlSetLine(kv) +
             "\n";
    }
  }
  if (s.empty_lustre() && s.romio.empty() && s.lctl.empty())
    out += "# The study's space has no knob a job script can set.\n";
  return out;
}

Json SettingsJson(const space::Space& space, const space::Config& config, const Settings& s,
                  const EmitContext& ctx) {
  Json j;
  j["workload"] = ctx.workload;
  j["rank"] = ctx.rank;
  j["config"] = space::ConfigJson(space, config);
  j["source"] = ctx.source;
  Json lfs = Json::object();
  if (!s.stripe_count.empty()) lfs["stripe_count"] = s.stripe_count;
  if (!s.stripe_size.empty()) lfs["stripe_size"] = s.stripe_size;
  lfs["dirs"] = ctx.dirs;
  j["lfs"] = s.empty_lustre() ? Json(nullptr) : lfs;
  Json romio = Json::object();
  for (const auto& [k, v] : s.romio) romio[k] = v;
  j["romio_hints"] = romio;
  j["mpich_mpiio_hints"] = MpichMpiioHints(s);
  Json lctl = Json::object();
  for (const auto& [k, v] : s.lctl) lctl[k] = v;
  j["lctl"] = lctl;
  Json current = Json::object();
  for (const auto& [k, v] : ctx.current.values) current[k] = v;
  j["lctl_current"] = ctx.current.unavailable.empty() ? current : Json(nullptr);
  j["lctl_note"] = "node-wide (every job on the node), needs root";
  Json other = Json::object();
  for (const auto& [k, v] : s.other) other[k] = v;
  j["other"] = other;
  j["problems"] = s.problems;
  return j;
}

}  // namespace iorec::apply

#pragma once
/// A recommended config as the settings a user applies, in the formats of
/// `iorec recommend --emit`: `lfs setstripe` lines, a ROMIO hints file with the environment
/// that selects it, `lctl set_param` lines, a Slurm job-script fragment with all of it, and
/// JSON. Each knob becomes the setting the real runner applied when it was measured
/// (runner/knob_settings.hpp); knobs the study's space does not have are not emitted. Pure:
/// the caller reads the node's current lctl values and writes the outputs.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "iorec/space/space.hpp"

namespace iorec::apply {

enum class Format { kLfs, kRomioHints, kLctl, kSlurm, kJson };
/// "lfs", "romio-hints", "lctl", "slurm", "json"; nullopt for anything else.
std::optional<Format> ParseFormat(std::string_view name);
const char* ToString(Format f);

using KeyValues = std::vector<std::pair<std::string, std::string>>;

/// A config split by where each knob goes.
struct Settings {
  std::string stripe_count;  ///< `lfs setstripe -c`; "" when not in the space
  std::string stripe_size;   ///< `lfs setstripe -S`, as the runner converts it; "" when absent
  KeyValues lctl;            ///< lctl parameter pattern -> value
  KeyValues romio;           ///< ROMIO hint -> value
  KeyValues other;           ///< knobs no system setting stands for (json only)
  /// Values that cannot become their setting (e.g. a cb_nodes that is not a whole number);
  /// left out of the outputs, each named.
  std::vector<std::string> problems;
  bool empty_lustre() const { return stripe_count.empty() && stripe_size.empty(); }
};
Settings SettingsOf(const space::Space& space, const space::Config& config);

/// The current values of the lctl parameters on the node that ran `lctl get_param`.
struct CurrentLctl {
  std::string host;
  KeyValues values;         ///< pattern -> value(s) ("1024", or "256, 1024" when devices differ)
  std::string unavailable;  ///< why they could not be read; "" when read
};
/// Parses `lctl get_param PATTERN...` output (DEVICE.KEY=VALUE lines) into per-pattern
/// values for `patterns` (e.g. osc.*.max_pages_per_rpc).
KeyValues ParseLctlGetParam(std::string_view output, const std::vector<std::string>& patterns);

/// What the header of every output says, and where things go.
struct EmitContext {
  std::string workload;
  int rank = 1;                    ///< of the config in the recommendation
  std::string description;         ///< the knob values, "stripe_count=8 stripe_size=4M ..."
  std::string source;              ///< apply::DescribeSource
  std::string expected;            ///< apply::DescribeExpectation
  std::vector<std::string> notes;  ///< more header lines (warnings, synthetic study, ...)
  /// Output directories to stripe; empty: a placeholder that asks for OUTPUT_DIR.
  std::vector<std::string> dirs;
  /// Where the ROMIO hints file is written; empty: romio-hints.<workload> in the current
  /// directory (the job's submit directory in the Slurm fragment).
  std::string hints_file;
  CurrentLctl current;
};

/// `lfs setstripe` lines for each output directory (created first: lfs setstripe on a
/// missing path would make a file).
std::string EmitLfs(const Settings& s, const EmitContext& ctx);
/// A shell snippet that writes the ROMIO hints file (`key value` lines) and exports
/// ROMIO_HINTS, and MPICH_MPIIO_HINTS for Cray MPICH.
std::string EmitRomioHints(const Settings& s, const EmitContext& ctx);
/// `lctl set_param` lines with the note that they are node-wide and need root, the current
/// values where readable, and the lines that put them back.
std::string EmitLctl(const Settings& s, const EmitContext& ctx);
/// A job-script fragment: stripes, hints file and environment; the lctl lines commented out
/// (root on every node) with the srun form that would apply them.
std::string EmitSlurm(const Settings& s, const EmitContext& ctx);
/// Everything above as data: {"workload", "rank", "config", "lfs", "romio_hints",
/// "mpich_mpiio_hints", "lctl", "other", "problems"}; the caller adds the expectation.
nlohmann::ordered_json SettingsJson(const space::Space& space, const space::Config& config,
                                    const Settings& s, const EmitContext& ctx);

/// The ROMIO hints file's text: one `key value` line per hint.
std::string RomioHintsFile(const Settings& s);
/// Cray MPICH's MPICH_MPIIO_HINTS value, `*:cb_nodes=4:cb_buffer_size=16777216` (no
/// cb_config_list: its ':' would split the hint); "" when there is nothing to set.
std::string MpichMpiioHints(const Settings& s);

}  // namespace iorec::apply

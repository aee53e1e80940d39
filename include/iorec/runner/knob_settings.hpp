#pragma once
/// The knobs the real testbed knows and the system setting each one becomes: one table that
/// the real runner applies per trial and `iorec recommend --emit` writes out for users, so a
/// recommendation is applied exactly as it was measured.
#include <span>
#include <string>
#include <string_view>

namespace iorec::runner {

/// How a knob reaches the system.
enum class KnobTarget {
  kStripeCount,  ///< `lfs setstripe -c VALUE DIR`
  kStripeSize,   ///< `lfs setstripe -S VALUE DIR` (LfsStripeSize)
  kLctl,         ///< `lctl set_param <setting>=VALUE` on every client node (root)
  kRomioHint,    ///< the MPI-IO hint <setting> (ROMIO), collective MPI-IO only
};

struct KnobSetting {
  std::string_view knob;  ///< the knob's name in `parameters`
  KnobTarget target;
  std::string_view setting;     ///< lctl parameter pattern, or ROMIO hint name; empty for lfs
  std::string_view synth_flag;  ///< mpi_synthio's flag for a ROMIO hint; empty otherwise
};

/// Every knob the real runner applies, in a fixed order: stripe_count, stripe_size, the four
/// osc_/mdc_ client knobs (osc.*.max_pages_per_rpc, ...), then num_aggregators (cb_nodes),
/// collective_buffer_size (cb_buffer_size), aggregators_per_client (cb_config_list).
std::span<const KnobSetting> KnownKnobSettings();

/// The entry for `knob`, or null when the real testbed does not know it.
const KnobSetting* FindKnobSetting(std::string_view knob);

/// The whole number a ROMIO-hint knob value stands for, as mpi_synthio's flag takes it: a size
/// with a K/M/G suffix becomes bytes ("16M" -> "16777216"), a number stays as written. ""
/// when the value is not a positive whole number.
std::string RomioHintNumber(std::string_view value);

/// The hint's value as ROMIO reads it (what mpi_synthio sets from its flag): cb_nodes and
/// cb_buffer_size take RomioHintNumber, cb_config_list is `*:N` (N aggregators on every
/// node). "" when the value cannot be the hint's.
std::string RomioHintValue(const KnobSetting& setting, std::string_view value);

}  // namespace iorec::runner

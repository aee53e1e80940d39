#pragma once
/// `iorec features LOG_OR_DIR... [--module auto|posix|mpiio] [--json|--csv] [--out-dir DIR]
/// [--jobs N] [--strict]`: prints (or writes) one workload description per Darshan log.
#include <CLI/CLI.hpp>

#include "common.hpp"

namespace iorec::app {

/// Registers the `features` subcommand on `root`. Good logs are printed in input order; bad
/// ones are listed at the end in a core::InputError (exit 2).
void AddFeaturesCommand(CLI::App& root, GlobalOptions& g);

}  // namespace iorec::app

#pragma once
/// `iorec features LOG... [--module auto|posix|mpiio] [--json|--csv] [--out-dir DIR]`:
/// prints (or writes) one workload description per Darshan log.
#include <CLI/CLI.hpp>

namespace iorec::app {

/// Registers the `features` subcommand on `root`. Bad logs throw core::InputError (exit 2).
void AddFeaturesCommand(CLI::App& root);

}  // namespace iorec::app

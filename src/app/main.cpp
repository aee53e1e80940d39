// iorec command-line interface: parse -> wire -> run. Each subcommand lives in its own
// cmd_*.cpp; this file only registers them and maps errors to exit codes.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>

#include "cmd_features.hpp"
#include "commands.hpp"
#include "iorec/core/error.hpp"
#include "iorec/runner/process.hpp"
#include "iorec/runner/runner.hpp"

namespace {

/// libgomp reads OMP_WAIT_POLICY when it loads, before main; re-exec once with it set so
/// XGBoost's idle threads sleep instead of spinning on a busy machine.
void EnsurePassiveOpenMp(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  ::setenv("OMP_WAIT_POLICY", "passive", 1);
  ::execv("/proc/self/exe", argv);
  // If the re-exec fails we carry on; only idle-thread behaviour differs.
}

}  // namespace

int main(int argc, char** argv) {
  using namespace iorec;
  EnsurePassiveOpenMp(argv);

  CLI::App cli{"iorec: recommends Lustre and MPI-IO settings for HPC applications"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", std::string("iorec ") + IOREC_VERSION);
  app::GlobalOptions g;
  app::AddRunCommand(cli, g);
  app::AddWarmstartCommand(cli, g);
  app::AddRecommendCommand(cli, g);
  app::AddStatusCommand(cli, g);
  app::AddExportCommand(cli, g);
  app::AddReportCommand(cli, g);
  app::AddDarshanCommand(cli, g);
  app::AddFeaturesCommand(cli, g);

  // Subcommands run in their callbacks inside parse(), so parsing and running share one
  // error boundary.
  try {
    cli.parse(argc, argv);
    return core::kExitOk;
  } catch (const CLI::ParseError& e) {
    const int rc = cli.exit(e);
    return rc == 0 ? core::kExitOk : core::kExitBadInput;
  } catch (const core::InputError& e) {
    std::fprintf(stderr, "iorec: error: %s\n", e.what());
    return core::kExitBadInput;
  } catch (const runner::Interrupted& e) {
    // Ctrl-C, SIGTERM or SIGHUP: finished trials are in the store; run the same command
    // again to resume. The exit status is the shell's 128 + signal (130 for Ctrl-C).
    std::fprintf(stderr, "iorec: %s\n", e.what());
    return 128 + runner::InterruptSignal();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "iorec: error: %s\n", e.what());
    return core::kExitFailure;
  }
}

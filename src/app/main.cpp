// iorec command-line interface: parse -> wire -> run. Each subcommand lives in its own
// cmd_*.cpp; this file registers them, applies the conventions they share (common.hpp) and
// maps errors to exit codes.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "cmd_features.hpp"
#include "commands.hpp"
#include "iorec/core/config_node.hpp"
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

std::vector<CLI::App*> Commands(CLI::App& root) {
  return root.get_subcommands([](CLI::App*) { return true; });
}

bool IsCommand(CLI::App& root, const std::string& name) {
  for (const CLI::App* c : Commands(root))
    if (c->get_name() == name) return true;
  return false;
}

/// The command name on the command line: the first word that is neither one of the root's
/// options nor its value; "" when there is none. nullopt when an option the root does not know
/// (or "--") comes first: CLI11 reports that.
std::optional<std::string> CommandWord(const CLI::App& root, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") return std::nullopt;
    if (arg.size() < 2 || arg[0] != '-') return arg;
    const size_t eq = arg.find('=');
    const CLI::Option* opt = root.get_option_no_throw(arg.substr(0, eq));
    if (opt == nullptr) return std::nullopt;
    if (opt->get_items_expected_min() > 0 && eq == std::string::npos) ++i;  // skip its value
  }
  return "";
}

bool AsksForHelpOrVersion(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help" || arg == "--version") return true;
  }
  return false;
}

/// "unknown command 'x'" or "no command given", then the list of commands. Exit code 2.
int CommandMissing(CLI::App& root, const std::string& word) {
  std::vector<std::string> names;
  for (const CLI::App* c : Commands(root)) names.push_back(c->get_name());
  std::string msg = "iorec: error: ";
  if (word.empty()) {
    msg += "no command given";
  } else {
    msg += "unknown command '" + word + "'";
    const std::string best = iorec::core::SuggestName(word, names);
    if (!best.empty()) msg += " (did you mean '" + best + "'?)";
  }
  msg += "\nCommands:\n";
  for (const CLI::App* c : Commands(root)) {
    std::string name = c->get_name();
    name.resize(std::max<size_t>(name.size(), 11), ' ');
    msg += "  " + name + " " + c->get_description() + "\n";
  }
  msg += "Run 'iorec COMMAND --help' for a command's options.\n";
  std::fputs(msg.c_str(), stderr);
  return iorec::core::kExitBadInput;
}

/// "unknown option '--josn' (did you mean '--json'?)", "unexpected argument 'b'": what CLI11
/// could not place, which it would otherwise only report after a missing required option.
std::string UnexpectedArguments(const CLI::App& cmd, const std::vector<std::string>& extras) {
  std::vector<std::string> options;
  for (const CLI::Option* opt : cmd.get_options()) {
    for (const auto& name : opt->get_lnames()) options.push_back("--" + name);
  }
  std::string out;
  for (const auto& arg : extras) {
    if (!out.empty()) out += "; ";
    if (arg.size() > 1 && arg[0] == '-') {
      out += "unknown option '" + arg + "'";
      const std::string best = iorec::core::SuggestName(arg.substr(0, arg.find('=')), options);
      if (!best.empty()) out += " (did you mean '" + best + "'?)";
    } else {
      out += "unexpected argument '" + arg + "'";
    }
  }
  return out;
}

/// CLI11's parse errors, named after the command they concern:
/// "iorec run: error: --config is required" and where to find the options.
std::string ParseFailure(const CLI::App* root, const CLI::Error& e) {
  std::string who = "iorec";
  std::string unexpected = UnexpectedArguments(*root, root->remaining());
  for (const CLI::App* sub : root->get_subcommands()) {
    who += " " + sub->get_name();
    const std::string more = UnexpectedArguments(*sub, sub->remaining());
    unexpected += (unexpected.empty() || more.empty() ? "" : "; ") + more;
  }
  return who + ": error: " + (unexpected.empty() ? std::string(e.what()) : unexpected) + "\nRun '" +
         who + " --help' for the options.\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace iorec;
  EnsurePassiveOpenMp(argv);

  CLI::App cli{"iorec: recommends Lustre and MPI-IO settings for HPC applications"};
  cli.require_subcommand(1);
  app::GlobalOptions g;
  // Global flags go before the command name too: `iorec --quiet run ...`.
  app::AddCommonFlags(&cli, g);
  cli.failure_message(ParseFailure);
  app::AddRunCommand(cli, g);
  app::AddAskCommand(cli, g);
  app::AddTellCommand(cli, g);
  app::AddWarmstartCommand(cli, g);
  app::AddRecommendCommand(cli, g);
  app::AddStatusCommand(cli, g);
  app::AddExportCommand(cli, g);
  app::AddReportCommand(cli, g);
  app::AddDarshanCommand(cli, g);
  app::AddImportCommand(cli, g);
  app::AddOnboardCommand(cli, g);
  app::AddFeaturesCommand(cli, g);
  // Set after the commands so that only `iorec --help` shows it.
  cli.footer(
      "Global options go before or after COMMAND; 'iorec COMMAND --help' lists a command's "
      "options. Where a command reads a file, - reads standard input.\nExit status: 0 success, "
      "2 bad input, 130 interrupted (run the same command again to resume), 1 other failures.");
  // Runs once the whole command line is parsed and checked, before the command's callback.
  cli.parse_complete_callback([&g] {
    app::SetupLogging(g);
    for (const auto& d : g.deprecations) spdlog::warn("{}", d);
  });

  if (const auto word = CommandWord(cli, argc, argv)) {
    if (word->empty() ? !AsksForHelpOrVersion(argc, argv) : !IsCommand(cli, *word))
      return CommandMissing(cli, *word);
  }

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

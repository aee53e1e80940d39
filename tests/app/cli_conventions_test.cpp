// The conventions every iorec command shares (src/app/common.hpp, input.hpp): global flags
// before the command, unknown commands, one --json spelling (and the deprecated --format),
// "-" for standard input, NO_COLOR, and progress bars only on a terminal.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "app/cli_util.hpp"

namespace fs = std::filesystem;

namespace {

using iorec::test_support::CliResult;
using iorec::test_support::SplitResult;

const std::string kBin = IOREC_BINARY;
const std::string kLog = IOREC_TEST_DATA "/darshan/combined.darshan";
const std::string kLogText = IOREC_TEST_DATA "/darshan/combined.darshan-parser.txt";

/// One small finished study shared by the tests (about a second on the stub testbed).
class CliConventions : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("iorec_conventions_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "config.yaml")
        << "seed: 3\n"
           "parameters:\n"
           "  - {name: stripe_count, values: [1, 2, 4, 8], is_ordered: true}\n"
           "  - {name: stripe_size, values: [\"64K\", \"1M\", \"4M\"], is_ordered: true}\n"
           "baseline: {stripe_count: 1, stripe_size: \"1M\"}\n"
           "data: {n_patterns: 3, n_features: 4}\n"
           "warm_start: {target_size: 8}\n"
           "model: {num_rounds: 10, max_depth: 3}\n"
           "active: {ensemble_size: 2, iterations: 1, batch_per_iter: 2}\n"
           "evaluation: {enabled: false}\n";
    study_run_ = iorec::test_support::RunShellSplit(
        kBin + " --quiet run -c " + Config() + " -o " + Study(), dir_ / "setup.err");
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static std::string Config() { return (dir_ / "config.yaml").string(); }
  static std::string Study() { return (dir_ / "study").string(); }

  /// `iorec ARGS`, stdout and stderr apart.
  static SplitResult Iorec(const std::string& args) {
    return iorec::test_support::RunShellSplit(kBin + " " + args, dir_ / "stderr.txt");
  }
  /// `iorec ARGS` with stdout and stderr interleaved.
  static CliResult IorecAll(const std::string& args) {
    return iorec::test_support::RunShell(kBin + " " + args);
  }
  /// A workload file with the features of the study's workload `w`.
  static std::string WorkloadFile(size_t w) {
    const auto model =
        nlohmann::json::parse(iorec::test_support::Slurp(dir_ / "study/model/model.json"));
    nlohmann::json j;
    for (size_t i = 0; i < model["feature_names"].size(); ++i)
      j[model["feature_names"][i].get<std::string>()] = model["workloads"][w]["features"][i];
    const fs::path p = dir_ / ("workload" + std::to_string(w) + ".json");
    std::ofstream(p) << j.dump();
    return p.string();
  }
  /// The command names `iorec --help` lists.
  static std::vector<std::string> Commands() {
    const std::string help = IorecAll("--help").out;
    std::vector<std::string> names;
    const std::regex line("\n  ([a-z][a-z0-9-]*) ");
    const size_t at = help.find("Subcommands:");
    for (std::sregex_iterator it(help.begin() + static_cast<long>(at), help.end(), line), end;
         it != end; ++it)
      names.push_back((*it)[1]);
    return names;
  }

  static fs::path dir_;
  static SplitResult study_run_;
};

fs::path CliConventions::dir_;
SplitResult CliConventions::study_run_;

TEST_F(CliConventions, GlobalFlagsGoBeforeTheCommandToo) {
  ASSERT_EQ(study_run_.code, 0) << study_run_.out << study_run_.err;
  // `iorec --quiet run`: no info or progress lines, only the result.
  EXPECT_EQ(study_run_.err, "");
  EXPECT_NE(study_run_.out.find("study finished"), std::string::npos) << study_run_.out;
  const auto loud = Iorec("run -c " + Config() + " -o " + Study());
  ASSERT_EQ(loud.code, 0) << loud.err;
  EXPECT_NE(loud.err.find("iorec: info: resuming the study"), std::string::npos) << loud.err;

  // --quiet keeps warnings; --log-level error (before or after the command) drops them.
  const std::string warmstart = "warmstart -c " + Config() + " --format json";
  EXPECT_NE(Iorec("--quiet " + warmstart).err.find("warning: --format json is deprecated"),
            std::string::npos);
  for (const std::string& args :
       {"--log-level error " + warmstart, "--log-level=error " + warmstart,
        warmstart + " --log-level error", "-q --log-level off " + warmstart}) {
    const auto r = Iorec(args);
    EXPECT_EQ(r.code, 0) << args << r.err;
    EXPECT_EQ(r.err, "") << args;
    EXPECT_EQ(nlohmann::json::parse(r.out)["size"], 8) << args;
  }
  EXPECT_EQ(Iorec("--log-level loud status " + Study()).code, 2);

  const auto version = Iorec("-q --version");
  EXPECT_EQ(version.code, 0);
  EXPECT_EQ(version.out.rfind("iorec ", 0), 0u) << version.out;
  const auto help = Iorec("--help");
  EXPECT_EQ(help.code, 0);
  for (const char* flag : {"--quiet", "--log-level", "--version", "--help"})
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  EXPECT_EQ(Iorec("--quiet status --help").code, 0);
}

TEST_F(CliConventions, UnknownOrMissingCommandListsTheCommands) {
  const auto commands = Commands();
  ASSERT_GE(commands.size(), 8u);
  for (const std::string args : {"nosuch", "--quiet nosuch", "--log-level debug nosuch"}) {
    const auto r = Iorec(args);
    EXPECT_EQ(r.code, 2) << args;
    EXPECT_EQ(r.out, "") << args;
    EXPECT_NE(r.err.find("unknown command 'nosuch'"), std::string::npos) << args << r.err;
    for (const auto& c : commands) EXPECT_NE(r.err.find("\n  " + c + " "), std::string::npos) << c;
  }
  EXPECT_NE(Iorec("recomend").err.find("unknown command 'recomend' (did you mean 'recommend'?)"),
            std::string::npos);
  const auto none = Iorec("--quiet");
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("no command given"), std::string::npos) << none.err;
  EXPECT_NE(none.err.find("\n  run "), std::string::npos) << none.err;
  // A bad option names its command and where its options are listed.
  const auto missing = Iorec("run -c " + Config());
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("iorec run: error: --output-dir is required"), std::string::npos)
      << missing.err;
  EXPECT_NE(missing.err.find("Run 'iorec run --help'"), std::string::npos) << missing.err;
  // An unknown option is named (before any missing required one), with a suggestion.
  const auto typo = Iorec("run --restat -c " + Config());
  EXPECT_EQ(typo.code, 2);
  EXPECT_NE(typo.err.find("iorec run: error: unknown option '--restat' (did you mean "
                          "'--restart'?)"),
            std::string::npos)
      << typo.err;
  const auto extra = Iorec("status " + Study() + " extra");
  EXPECT_EQ(extra.code, 2);
  EXPECT_NE(extra.err.find("unexpected argument 'extra'"), std::string::npos) << extra.err;
}

TEST_F(CliConventions, EveryCommandThatPrintsDataTakesJson) {
  // run, report and tell print a short outcome; the data is in the study's files
  // (summary.json, study.db).
  const std::set<std::string> no_data = {"run", "report", "tell"};
  for (const auto& c : Commands()) {
    const auto help = Iorec(c + " --help").out;
    if (no_data.count(c)) continue;
    EXPECT_NE(help.find("--json"), std::string::npos)
        << "'iorec " << c << "' prints data but takes no --json: add it with AddJsonFlag "
        << "(src/app/common.hpp), or list the command above if it prints none";
  }
  ASSERT_EQ(study_run_.code, 0) << study_run_.err;
  const std::vector<std::string> json_commands = {
      "status " + Study() + " --json",
      "export --json " + Study(),
      "warmstart --json -c " + Config(),
      "recommend --json -m " + Study() + "/model -w " + WorkloadFile(0),
      "darshan --json " + kLog,
      "darshan --json --perf " + kLog,
      "features --json " + kLog,
  };
  for (const auto& args : json_commands) {
    const auto r = Iorec(args);
    ASSERT_EQ(r.code, 0) << args << r.err;
    EXPECT_TRUE(nlohmann::json::accept(r.out)) << args << r.out;
  }
  const auto status = nlohmann::json::parse(Iorec("status --json " + Study()).out);
  EXPECT_EQ(status["phase"], "complete");
  EXPECT_EQ(status["trials"]["total"], status["trials"]["done"]);
  ASSERT_EQ(status["workloads"].size(), 3u);
  EXPECT_GE(status["workloads"][0]["best_gain"].get<double>(), 0.0);
  EXPECT_EQ(status["knobs"][1]["values"][0], "64K");
  const auto darshan = nlohmann::json::parse(Iorec("darshan --json " + kLog).out);
  EXPECT_EQ(darshan["modules"][0]["module"], "POSIX");
  EXPECT_GT(darshan["modules"][0]["totals"]["POSIX_BYTES_WRITTEN"].get<double>(), 0.0);
}

TEST_F(CliConventions, DeprecatedFormatStillWorksAndSaysSo) {
  ASSERT_EQ(study_run_.code, 0) << study_run_.err;
  for (const std::string& cmd : {"export " + Study(), "warmstart -c " + Config()}) {
    const auto json = Iorec(cmd + " --json");
    const auto old_json = Iorec(cmd + " --format json");
    EXPECT_EQ(old_json.code, 0) << cmd << old_json.err;
    EXPECT_EQ(old_json.out, json.out) << cmd;
    EXPECT_NE(old_json.err.find("iorec: warning: --format json is deprecated; use --json"),
              std::string::npos)
        << cmd << old_json.err;
    const auto csv = Iorec(cmd);
    const auto old_csv = Iorec(cmd + " --format csv");
    EXPECT_EQ(old_csv.out, csv.out) << cmd;
    EXPECT_NE(old_csv.err.find("--format csv is deprecated"), std::string::npos) << cmd;
    const auto contradiction = Iorec(cmd + " --format csv --json");
    EXPECT_EQ(contradiction.code, 2) << cmd;
    EXPECT_NE(contradiction.err.find("contradicts --json"), std::string::npos) << contradiction.err;
    EXPECT_EQ(Iorec(cmd + " --json --format json").out, json.out) << cmd;
    EXPECT_EQ(Iorec(cmd + " --format yaml").code, 2) << cmd;
    EXPECT_NE(Iorec(cmd + " --help").out.find("Deprecated"), std::string::npos) << cmd;
  }
}

TEST_F(CliConventions, DashReadsStandardInput) {
  ASSERT_EQ(study_run_.code, 0) << study_run_.err;
  // Config: same output as from the file; errors name <stdin>.
  const auto from_file = Iorec("warmstart -c " + Config());
  const auto from_pipe = Iorec("warmstart -c - < " + Config());
  EXPECT_EQ(from_pipe.code, 0) << from_pipe.err;
  EXPECT_EQ(from_pipe.out, from_file.out);
  const auto bad =
      iorec::test_support::RunShell("printf 'seed: x\\n' | " + kBin + " warmstart -c -");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.out.find("<stdin>: seed: "), std::string::npos) << bad.out;
  // A whole study from a piped config; same study as from the file.
  const std::string piped = (dir_ / "piped").string();
  ASSERT_EQ(Iorec("run -q -c - -o " + piped + " < " + Config()).code, 0);
  EXPECT_EQ(iorec::test_support::Slurp(fs::path(piped) / "recommendation_matrix.json"),
            iorec::test_support::Slurp(fs::path(Study()) / "recommendation_matrix.json"));
  EXPECT_EQ(Iorec("report -q " + piped).code, 0);

  // Workload: `iorec features LOG | iorec recommend --workload -` keeps the log's name.
  const std::string model = Study() + "/model";
  const auto file_rec = Iorec("recommend --json -m " + model + " -w " + WorkloadFile(1));
  const auto pipe_rec = Iorec("recommend --json -m " + model + " -w - < " + WorkloadFile(1));
  ASSERT_EQ(pipe_rec.code, 0) << pipe_rec.err;
  auto a = nlohmann::json::parse(file_rec.out), b = nlohmann::json::parse(pipe_rec.out);
  EXPECT_EQ(b["workload"], "stdin");
  EXPECT_EQ(a["recommendations"], b["recommendations"]);
  const std::string real_model = (dir_ / "real").string();
  std::ofstream(dir_ / "real.yaml")
      << "seed: 5\n"
         "parameters:\n"
         "  - {name: stripe_count, values: [1, 4, 16], is_ordered: true}\n"
         "data: {input_dir: " IOREC_SOURCE_DIR
         "/examples/workloads}\n"
         "warm_start: {target_size: 3}\n"
         "model: {num_rounds: 5, max_depth: 2}\n"
         "active: {ensemble_size: 2, iterations: 1, batch_per_iter: 1}\n"
         "evaluation: {enabled: false}\n"
         "reporting: {plots: false}\n";
  ASSERT_EQ(Iorec("run -q -o " + real_model + " -c - < " + (dir_ / "real.yaml").string()).code, 0);
  const auto chained = IorecAll("features " + kLog + " 2>/dev/null | " + kBin +
                                " recommend --json -m " + real_model + "/model -w -");
  ASSERT_EQ(chained.code, 0) << chained.out;
  EXPECT_EQ(nlohmann::json::parse(chained.out)["workload"], "combined");
  const auto darshan_rec =
      Iorec("recommend --json -m " + real_model + "/model --darshan - < " + kLog);
  ASSERT_EQ(darshan_rec.code, 0) << darshan_rec.err;
  EXPECT_EQ(nlohmann::json::parse(darshan_rec.out)["neighbors"][0]["workload"], "top1_101");

  // Darshan logs, binary or darshan-parser text.
  for (const auto& log : {kLog, kLogText}) {
    auto file = nlohmann::json::parse(Iorec("features " + log).out);
    auto pipe = nlohmann::json::parse(Iorec("features - < " + log).out);
    EXPECT_EQ(pipe["filename"], "<stdin>");
    file.erase("filename"), pipe.erase("filename");
    EXPECT_EQ(pipe, file) << log;
  }
  EXPECT_EQ(Iorec("darshan --total - < " + kLog).out, Iorec("darshan --total " + kLog).out);
  const auto empty = Iorec("darshan - < /dev/null");
  EXPECT_EQ(empty.code, 2);
  EXPECT_NE(empty.err.find("<stdin>: "), std::string::npos) << empty.err;

  // Standard input is one input.
  EXPECT_NE(Iorec("features - - < " + kLog).err.find("given more than once"), std::string::npos);
  const auto out_dir = Iorec("features --out-dir " + (dir_ / "w").string() + " - < " + kLog);
  EXPECT_EQ(out_dir.code, 2);
  EXPECT_NE(out_dir.err.find("standard input has no name"), std::string::npos) << out_dir.err;
  EXPECT_FALSE(fs::exists(dir_ / "w"));
}

TEST_F(CliConventions, ColourOnlyOnATerminalAndNotWithNoColor) {
  // The deprecation warning is a log line: its level is coloured on a terminal.
  const std::string warn = kBin + " warmstart -c " + Config() + " --format json >/dev/null";
  const std::string esc = "\033[";
  const CliResult tty = iorec::test_support::RunInTerminal("env -u NO_COLOR TERM=xterm " + warn);
  ASSERT_EQ(tty.code, 0) << tty.out;
  EXPECT_NE(tty.out.find("deprecated"), std::string::npos) << tty.out;
  EXPECT_NE(tty.out.find(esc), std::string::npos) << tty.out;
  for (const std::string env : {"NO_COLOR=1 TERM=xterm", "NO_COLOR=yes TERM=xterm", "TERM=dumb"}) {
    const CliResult plain = iorec::test_support::RunInTerminal("env " + env + " " + warn);
    EXPECT_NE(plain.out.find("deprecated"), std::string::npos) << env << plain.out;
    EXPECT_EQ(plain.out.find(esc), std::string::npos) << env << plain.out;
  }
  // NO_COLOR set but empty does not count (no-color.org).
  const CliResult empty = iorec::test_support::RunInTerminal("env NO_COLOR= TERM=xterm " + warn);
  EXPECT_NE(empty.out.find(esc), std::string::npos) << empty.out;
  // Not a terminal: no colour whatever the environment.
  const auto piped = Iorec("warmstart -c " + Config() + " --format json");
  EXPECT_NE(piped.err.find("deprecated"), std::string::npos);
  EXPECT_EQ(piped.err.find(esc), std::string::npos) << piped.err;
}

TEST_F(CliConventions, ProgressBarsOnlyOnATerminal) {
  const std::string features = kBin + " features " + kLog + " " + kLogText + " >/dev/null";
  const std::string run =
      kBin + " run -c " + Config() + " -o " + (dir_ / "bar").string() + " >/dev/null";
  const CliResult bar = iorec::test_support::RunInTerminal("env TERM=xterm " + features);
  EXPECT_NE(bar.out.find("\rfeatures ["), std::string::npos) << bar.out;
  const CliResult run_bar = iorec::test_support::RunInTerminal("env TERM=xterm " + run);
  EXPECT_NE(run_bar.out.find("\rwarm_start ["), std::string::npos) << run_bar.out;
  // A terminal that cannot redraw a line, and a pipe: plain lines, no bar.
  fs::remove_all(dir_ / "bar");
  const CliResult dumb = iorec::test_support::RunInTerminal("env TERM=dumb " + run);
  EXPECT_EQ(dumb.out.find("\rwarm_start ["), std::string::npos) << dumb.out;
  EXPECT_NE(dumb.out.find("iorec: phase warm_start: "), std::string::npos) << dumb.out;
  EXPECT_EQ(iorec::test_support::RunInTerminal("env TERM=dumb " + features).out.find("features ["),
            std::string::npos);
  const auto piped = Iorec("features " + kLog + " " + kLogText);
  EXPECT_EQ(piped.err.find("features ["), std::string::npos) << piped.err;
}

}  // namespace

namespace {

TEST_F(CliConventions, BashCompletionFollowsTheHelp) {
  fs::create_directories(dir_ / "comp" / "odir");
  std::ofstream(dir_ / "comp" / "ofile") << "x";
  const fs::path script = dir_ / "comp.sh";
  std::ofstream(script) << "source " IOREC_SOURCE_DIR
                           "/packaging/bash-completion/iorec\n"
                           "comp() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); _iorec;\n"
                           "  shift; echo \"$*| ${COMPREPLY[*]}\"; }\n"
                           "cd " +
                               (dir_ / "comp").string() +
                               "\n"
                               "B=" +
                               kBin +
                               "\n"
                               "comp $B ''\n"
                               "comp $B --quiet ''\n"
                               "comp $B --log-level ''\n"
                               "comp $B --\n"
                               "comp $B export --\n"
                               "comp $B recommend --module ''\n"
                               "comp $B status o\n"
                               "comp $B run --config o\n"
                               "comp $B run --output-dir o\n"
                               "comp $B features --jobs ''\n"
                               "comp $B import o\n"
                               "comp $B import --json odir o\n"
                               "comp $B import odir ofile o\n"
                               "comp $B tell odir o\n"
                               "comp $B features --jobs 2 ofile o\n";
  const auto r = iorec::test_support::RunShell("bash " + script.string());
  ASSERT_EQ(r.code, 0) << r.out;
  std::string commands;
  for (const auto& c : Commands()) commands += (commands.empty() ? "" : " ") + c;
  for (const std::string& line : std::vector<std::string>{
           "| " + commands,
           "--quiet | " + commands,  // global flags before the command
           "--log-level | trace debug info warn error off",
           "--| --help --quiet --log-level --version",  // not the commands' own options
           "export --| --help --json --quiet --log-level --version",  // not the deprecated --format
           "recommend --module | auto posix mpiio",
           "status o| odir",  // a study is a directory
           "run --output-dir o| odir",
           "features --jobs | ",     // a number: nothing to offer
           "import o| odir",         // import DIR FILE: first the study ...
           "import odir ofile o| ",  // ... and nothing after the file
           "tell odir o| ",          // a trial id: nothing to offer
       })
    EXPECT_NE(r.out.find(line + "\n"), std::string::npos) << line << "\n" << r.out;
  // A file (config, import file, Darshan log) completes files and directories (a path through
  // one), in the file system's order.
  for (const std::string& line :
       {"run --config o|", "import --json odir o|", "features --jobs 2 ofile o|"})
    EXPECT_TRUE(r.out.find(line + " odir ofile\n") != std::string::npos ||
                r.out.find(line + " ofile odir\n") != std::string::npos)
        << line << "\n"
        << r.out;
}

}  // namespace

namespace {

TEST_F(CliConventions, ManPageCoversEveryCommandAndFitsTheTerminal) {
  for (const char* tool : {"/usr/bin/help2man", "/usr/bin/groff", "/usr/bin/man"})
    if (!fs::exists(tool)) GTEST_SKIP() << tool << " is not installed";
  const fs::path page = dir_ / "iorec.1";
  const auto gen = iorec::test_support::RunShell(
      "cmake -DIOREC=" + kBin +
      " -DHELP2MAN=/usr/bin/help2man -DSTATIC=" IOREC_SOURCE_DIR "/packaging/man/iorec.h2m -DOUT=" +
      page.string() + " -P " IOREC_SOURCE_DIR "/packaging/man/man_page.cmake");
  ASSERT_EQ(gen.code, 0) << gen.out;
  const auto warnings = iorec::test_support::RunShell("groff -man -ww -z " + page.string());
  EXPECT_EQ(warnings.out, "");
  const auto shown =
      iorec::test_support::RunShell("MANWIDTH=80 man -l " + page.string() + " 2>/dev/null");
  ASSERT_EQ(shown.code, 0);
  for (const auto& c : Commands())
    EXPECT_NE(shown.out.find("\n   iorec " + c + "\n"), std::string::npos) << c;
  for (const char* text : {"--output-dir DIR (required)", "NO_COLOR", "EXIT STATUS"})
    EXPECT_NE(shown.out.find(text), std::string::npos) << text;
  // Options are filled paragraphs, not the help's preformatted lines, and the global options
  // are described once.
  size_t start = 0, widest = 0;
  for (size_t end; (end = shown.out.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = shown.out.substr(start, end - start);
    size_t chars = 0;  // UTF-8 characters (man hyphenates with U+2010)
    for (unsigned char ch : line) chars += (ch & 0xC0) != 0x80;
    widest = std::max(widest, chars);
  }
  EXPECT_LE(widest, 80u) << shown.out;
  size_t quiet = 0;
  for (size_t at = 0; (at = shown.out.find("Print only results", at)) != std::string::npos; ++at)
    ++quiet;
  EXPECT_EQ(quiet, 1u) << shown.out;
}

}  // namespace

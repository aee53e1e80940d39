// The bad-input catalogue (issue 15): one case per hostile or careless input the issue lists,
// plus the earlier ones. Each case runs the iorec binary in a fresh directory and checks the
// exit code, that the message names the file, key and value, and that nothing was written
// (the directory tree is byte-identical afterwards). Cases where the input is legitimate but
// hostile (names that look like shell commands, paths with spaces) must succeed and run
// nothing they name. docs/reliability.md lists the cases by issue row.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli_util.hpp"
#include "common/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

using iorec::test_support::CliResult;
using iorec::test_support::RunShell;
using iorec::test_support::ShellQuote;
using iorec::test_support::Slurp;
using iorec::test_support::WriteFile;

/// Three small workloads in `dir`/wl: features pct_a, pct_b and nprocs.
void WriteWorkloads(const fs::path& dir) {
  WriteFile(dir / "wl/w1.json", R"({"pct_a": 0.1, "pct_b": 0.9, "nprocs": 4})");
  WriteFile(dir / "wl/w2.json", R"({"pct_a": 0.5, "pct_b": 0.5, "nprocs": 8})");
  WriteFile(dir / "wl/w3.json", R"({"pct_a": 0.9, "pct_b": 0.2, "nprocs": 16})");
}

/// A study config that runs in well under a second on the stub. Each line of `extra` is a
/// top-level section in flow style ("model: {num_rounds: 9}") that replaces the same section of
/// the base config or is added.
std::string Config(const std::string& extra = "", const std::string& knobs = "") {
  std::vector<std::pair<std::string, std::string>> sections = {
      {"seed", "5"},
      {"parameters", "\n" + (knobs.empty() ? std::string("  - {name: a, values: [1, 2, 4]}\n"
                                                         "  - {name: b, values: [\"x\", \"y\"]}")
                                           : knobs)},
      {"data", "{input_dir: wl}"},
      {"warm_start", "{target_size: 5}"},
      {"model", "{num_rounds: 5, max_depth: 2}"},
      {"active", "{iterations: 1, batch_per_iter: 2}"},
      {"evaluation", "{enabled: false}"},
      {"reporting", "{plots: false}"}};
  std::istringstream lines(extra);
  for (std::string line; std::getline(lines, line);) {
    const auto colon = line.find(':');
    const std::string key = line.substr(0, colon), value = line.substr(colon + 2);
    auto it = std::find_if(sections.begin(), sections.end(),
                           [&](const auto& kv) { return kv.first == key; });
    if (it != sections.end()) {
      it->second = value;
    } else {
      sections.emplace_back(key, value);
    }
  }
  std::string out;
  for (const auto& [key, value] : sections) out += key + ": " + value + "\n";
  return out;
}

/// Every entry under `dir`: its type, and for files their bytes.
std::map<std::string, std::string> Snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string rel = fs::relative(it->path(), dir).string();
    const auto st = it->symlink_status();
    if (fs::is_regular_file(st)) {
      out[rel] = "file:" + Slurp(it->path());
    } else {
      out[rel] = "type " + std::to_string(static_cast<int>(st.type()));
    }
  }
  return out;
}

/// What a case expects of the directory afterwards.
enum class Writes {
  kNothing,    ///< the tree is byte-identical (a bad input)
  kItsOutput,  ///< a hostile but valid input: the study runs; `check` inspects the result
};

struct Case {
  std::string name;  ///< test name
  std::string row;   ///< the issue's row ("15.7"), or "earlier" for checks that predate it
  std::function<void(const fs::path& dir)> setup;
  std::string args;  ///< iorec's arguments, run in the case's directory
  int code = 2;
  std::vector<std::string> message;  ///< substrings of the output (file, key, value)
  Writes writes = Writes::kNothing;
  std::function<void(const fs::path& dir, const CliResult& r)> check = nullptr;
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

/// A finished study (stub runner) shared by the cases that damage or reuse one: copied into
/// the case's directory as `study/`, with its workloads in `wl/` and its config `c.yaml`.
class SharedStudy {
 public:
  static const fs::path& Dir() {
    static const fs::path dir = Build();
    return dir;
  }
  static void CopyTo(const fs::path& dest) { fs::copy(Dir(), dest, fs::copy_options::recursive); }

 private:
  static fs::path Build() {
    const fs::path dir =
        fs::temp_directory_path() / ("iorec_bad_input_study_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    WriteWorkloads(dir);
    WriteFile(dir / "c.yaml", Config());
    const CliResult r = RunShell("cd " + ShellQuote(dir.string()) + " && " +
                                 ShellQuote(IOREC_BINARY) + " run -c c.yaml -o study --quiet");
    if (r.code != 0) ADD_FAILURE() << "the shared study failed: " << r.out;
    return dir;
  }
};

std::vector<Case> Cases() {
  std::vector<Case> c;
  const auto config_with = [](const std::string& extra, const std::string& knobs = "") {
    return [extra, knobs](const fs::path& d) {
      WriteWorkloads(d);
      WriteFile(d / "c.yaml", Config(extra, knobs));
    };
  };
  // ---- Earlier checks (config and workload validation) ----
  c.push_back({"UnknownKeyWithSuggestion",
               "earlier",
               config_with("active: {batch_per_itr: 2}\n"),
               "run -c c.yaml -o out",
               2,
               {"c.yaml: active.batch_per_itr: unknown key (did you mean "
                "'active.batch_per_iter'?)"}});
  c.push_back({"MissingConfigFile",
               "earlier",
               [](const fs::path&) {},
               "run -c nope.yaml -o out",
               2,
               {"nope.yaml: config file does not exist"}});
  c.push_back({"MalformedYaml",
               "earlier",
               [](const fs::path& d) { WriteFile(d / "c.yaml", "seed: [1,\nparameters: x\n"); },
               "run -c c.yaml -o out",
               2,
               {"c.yaml: line ", "malformed YAML"}});
  c.push_back({"MissingWorkloadDirectory",
               "earlier",
               [](const fs::path& d) { WriteFile(d / "c.yaml", Config()); },
               "run -c c.yaml -o out",
               2,
               {"c.yaml: data.input_dir: workload directory 'wl'", "does not exist"}});
  c.push_back({"DisagreeingWorkloadFeatures",
               "earlier",
               [](const fs::path& d) {
                 WriteWorkloads(d);
                 WriteFile(d / "wl/w4.json", R"({"pct_a": 0.3, "nprocs": 2})");
                 WriteFile(d / "c.yaml", Config());
               },
               "run -c c.yaml -o out",
               2,
               {"wl/w4.json: feature set differs from w1.json: missing features: pct_b"}});
  c.push_back(
      {"UnquotablePlaceholder",
       "15.1",
       config_with("runner: {mode: command, command: \"echo `echo {a}`\", metric: "
                   "stdout_last_number}\n"),
       "run -c c.yaml -o out",
       2,
       {"c.yaml: runner.command: placeholder {a} inside backquotes cannot be quoted safely"}});
  // ---- Issue 15 item 7: unbounded or unchecked inputs ----
  c.push_back({"TwoBillionPatterns",
               "15.7",
               [](const fs::path& d) {
                 WriteFile(d / "c.yaml",
                           "parameters:\n  - {name: a, values: [1, 2]}\n"
                           "data: {input_dir: \"\", n_patterns: 2000000000}\n");
               },
               "run -c c.yaml -o out",
               2,
               {"c.yaml: data.n_patterns: must be <= 10000, got 2000000000"}});
  c.push_back({"NumRoundsIntMax",
               "15.7",
               config_with("model: {num_rounds: 2147483647}\n"),
               "run -c c.yaml -o out",
               2,
               {"c.yaml: model.num_rounds: must be <= 10000, got 2147483647"}});
  c.push_back({"TimeoutBeyondAnyClock",
               "15.7",
               config_with("runner: {mode: stub, timeout_s: 1e300}\n"),
               "run -c c.yaml -o out",
               2,
               {"c.yaml: runner.timeout_s: must be in [0, 2592000], got 1e300"}});
  c.push_back({"MoreTrialsPerWorkloadThanSupported",
               "15.7",
               config_with("active: {iterations: 1000, batch_per_iter: 1000}\n"),
               "run -c c.yaml -o out",
               2,
               {"c.yaml: active: up to 1000005 trials per workload", "at most 5000"}});
  c.push_back({"ConfigThatNeverEnds",
               "15.7",
               [](const fs::path&) {},
               "run -c /dev/zero -o out",
               2,
               {"/dev/zero: more than 16 MiB; too large for a config file"}});
  c.push_back({"FeatureOf1e300",
               "15.7",
               [](const fs::path& d) {
                 WriteWorkloads(d);
                 WriteFile(d / "wl/w2.json", R"({"pct_a": 1e300, "pct_b": 0.5, "nprocs": 8})");
                 WriteFile(d / "c.yaml", Config());
               },
               "run -c c.yaml -o out",
               2,
               {"wl/w2.json: feature 'pct_a' must be within +-1e12, got 1e+300"}});
  c.push_back({"FeatureOf1e400",
               "15.7",
               [](const fs::path& d) {
                 WriteWorkloads(d);
                 WriteFile(d / "wl/w2.json", R"({"pct_a": 1e400, "pct_b": 0.5, "nprocs": 8})");
                 WriteFile(d / "c.yaml", Config());
               },
               "run -c c.yaml -o out",
               2,
               {"wl/w2.json: malformed JSON: number overflow parsing '1e400'"}});
  c.push_back({"KnobValueNotUtf8",
               "15.7",
               config_with("", "  - {name: a, values: [1, \"x\xff\"]}\n"),
               "run -c c.yaml -o out",
               2,
               {"c.yaml: parameters[0].values[1]: value 'x\\xFF' is not valid UTF-8 text (byte "
                "0xFF at offset 1)"}});
  c.push_back({"KnobNameNotUtf8",
               "15.7",
               config_with("", "  - {name: \"a\xfe\", values: [1, 2]}\n"),
               "run -c c.yaml -o out",
               2,
               {"c.yaml: parameters[0].name: value 'a\\xFE' is not valid UTF-8 text"}});
  c.push_back({"WorkloadFileNameNotUtf8",
               "15.7",
               [](const fs::path& d) {
                 WriteWorkloads(d);
                 fs::rename(d / "wl/w3.json", d / "wl/w3\xff.json");
                 WriteFile(d / "c.yaml", Config());
               },
               "run -c c.yaml -o out",
               2,
               {"wl/w3\\xFF.json: the file name is not valid UTF-8 text (byte 0xFF at offset 2); "
                "rename the file"}});
  c.push_back({"TopKZero",
               "15.7",
               [](const fs::path& d) { SharedStudy::CopyTo(d); },
               "recommend --model study/model --workload wl/w1.json --top-k 0",
               2,
               {"--top-k: Value 0 not in range 1 to 1000"}});
  c.push_back({"RecommendForAFeatureOf1e300",
               "15.7",
               [](const fs::path& d) {
                 SharedStudy::CopyTo(d);
                 WriteFile(d / "big.json", R"({"pct_a": 1e300, "pct_b": 0.5, "nprocs": 8})");
               },
               "recommend --model study/model --workload big.json",
               2,
               {"big.json: feature 'pct_a' must be within +-1e12, got 1e+300"}});
  c.push_back(
      {"MetricOf1p5e308",
       "15.7",
       config_with("runner: {mode: command, command: \"if [ {a} = 4 ]; then echo 1.5e308; "
                   "else echo {a}; fi\", metric: stdout_last_number}\n"),
       "run -c c.yaml -o out --quiet",
       0,
       {"study finished"},
       Writes::kItsOutput,
       [](const fs::path& d, const CliResult&) {
         // The trials that printed it failed, saying why; no +inf% anywhere.
         const std::string csv = Slurp(d / "out/observations.csv");
         EXPECT_NE(csv.find("metric 1.5e+308 is outside [1e-100, 1e100]"), std::string::npos)
             << csv;
         for (const char* f : {"summary.json", "summary.md", "report.html"}) {
           EXPECT_EQ(Slurp(d / "out" / f).find("inf%"), std::string::npos) << f;
         }
       }});
  c.push_back({"DarshanTextWithoutNprocs",
               "15.7",
               [](const fs::path& d) {
                 std::string text = Slurp(IOREC_TEST_DATA "/darshan/combined.darshan-parser.txt");
                 const auto at = text.find("# nprocs:");
                 ASSERT_NE(at, std::string::npos);
                 text.erase(at, text.find('\n', at) + 1 - at);
                 WriteFile(d / "log.txt", text);
               },
               "features log.txt",
               2,
               {"log.txt: no '# nprocs:' line"}});
  c.push_back({"DarshanLogThatIsAFifo",
               "15.7",
               [](const fs::path& d) { ASSERT_EQ(::mkfifo((d / "log.darshan").c_str(), 0600), 0); },
               "features log.darshan",
               2,
               {"log.darshan: not a regular file (a FIFO)"}});
  // ---- Issue 15 item 6: damaged model files ----
  for (const size_t keep : {size_t{2}, size_t{100}}) {
    c.push_back({"ModelMemberCutTo" + std::to_string(keep) + "Bytes",
                 "15.6",
                 [keep](const fs::path& d) {
                   SharedStudy::CopyTo(d);
                   const fs::path member = d / "study/model/member_0.ubj";
                   const std::string bytes = Slurp(member);
                   std::ofstream(member, std::ios::binary | std::ios::trunc)
                       << bytes.substr(0, keep);
                 },
                 "recommend --model study/model --workload wl/w1.json",
                 2,
                 {"study/model/member_0.ubj: model member file is damaged (" +
                  std::to_string(keep) + " bytes, model.json records"}});
  }
  c.push_back({"ModelMemberMissing",
               "15.6",
               [](const fs::path& d) {
                 SharedStudy::CopyTo(d);
                 fs::remove(d / "study/model/member_0.ubj");
               },
               "recommend --model study/model --workload wl/w1.json",
               2,
               {"study/model/member_0.ubj: model member file is missing"}});
  // ---- Issue 15 item 1: names that look like shell commands run nothing ----
  c.push_back({"KnobValueIsACommandSubstitution",
               "15.1",
               config_with("runner: {mode: command, command: \"echo {b} > /dev/null; echo 1\", "
                           "metric: stdout_last_number, parallel_trials: 1}\n",
                           "  - {name: a, values: [1, 2]}\n"
                           "  - {name: b, values: [\"$(touch P)\", \"`touch P`\"]}\n"),
               "run -c c.yaml -o out --quiet",
               0,
               {"study finished"},
               Writes::kItsOutput,
               [](const fs::path& d, const CliResult&) {
                 for (const auto& e : fs::recursive_directory_iterator(d)) {
                   EXPECT_NE(e.path().filename(), "P") << e.path();
                 }
               }});
  c.push_back({"WorkloadFileNamedLikeACommand",
               "15.1",
               [](const fs::path& d) {
                 WriteWorkloads(d);
                 fs::rename(d / "wl/w3.json", d / "wl/x;touch P.json");
                 WriteFile(d / "c.yaml",
                           Config("runner: {mode: command, command: \"cat {workload_file} > "
                                  "/dev/null; echo 1\", metric: stdout_last_number}\n"));
               },
               "run -c c.yaml -o out --quiet",
               0,
               {"study finished"},
               Writes::kItsOutput,
               [](const fs::path& d, const CliResult&) {
                 for (const auto& e : fs::recursive_directory_iterator(d)) {
                   EXPECT_NE(e.path().filename(), "P") << e.path();
                 }
                 const std::string csv = Slurp(d / "out/observations.csv");
                 EXPECT_EQ(csv.find(",failed,"), std::string::npos) << csv;
               }});
  // ---- Issue 15 item 2: spaces and quotes in paths ----
  c.push_back({"SpacesAndQuotesInEveryPath",
               "15.2",
               [](const fs::path& d) {
                 const fs::path cfg_dir = d / "my study 'x'";
                 WriteWorkloads(cfg_dir);
                 WriteFile(cfg_dir / "c.yaml",
                           Config("runner: {mode: command, command: \"test -d {trial_dir} && echo "
                                  "1\", metric: stdout_last_number}\n"));
               },
               "run -c \"my study 'x'/c.yaml\" -o \"out dir 'y'\" --quiet",
               0,
               {"study finished"},
               Writes::kItsOutput,
               [](const fs::path& d, const CliResult&) {
                 const std::string csv = Slurp(d / "out dir 'y'/observations.csv");
                 EXPECT_NE(csv.find(",done,"), std::string::npos) << csv;
                 EXPECT_EQ(csv.find(",failed,"), std::string::npos) << csv;
               }});
  return c;
}

class BadInputTest : public ::testing::TestWithParam<Case> {};

TEST_P(BadInputTest, ExitCodeMessageAndWhatIsWritten) {
  const Case& c = GetParam();
  iorec::test_support::TempDir tmp;
  const fs::path dir = tmp.path() / "case";
  fs::create_directories(dir);
  c.setup(dir);
  if (HasFatalFailure()) return;
  const auto before = Snapshot(dir);
  const CliResult r = RunShell("cd " + ShellQuote(dir.string()) + " && " +
                               ShellQuote(IOREC_BINARY) + " " + c.args + " < /dev/null");
  EXPECT_EQ(r.code, c.code) << "issue row " << c.row << ": " << r.out;
  for (const auto& m : c.message) EXPECT_NE(r.out.find(m), std::string::npos) << m << "\n" << r.out;
  if (c.writes == Writes::kNothing) {
    const auto after = Snapshot(dir);
    for (const auto& [path, what] : after) {
      EXPECT_TRUE(before.count(path)) << "written: " << path;
    }
    for (const auto& [path, what] : before) {
      const auto it = after.find(path);
      EXPECT_TRUE(it != after.end() && it->second == what) << "changed or removed: " << path;
    }
  }
  if (c.check) c.check(dir, r);
}

INSTANTIATE_TEST_SUITE_P(Issue15, BadInputTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

}  // namespace

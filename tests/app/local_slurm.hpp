#pragma once
// A private single-node Slurm cluster (scripts/slurm-local.sh) for the integration tests.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace iorec::test_support {

namespace local_slurm_detail {
namespace fs = std::filesystem;
inline int ShellStatus(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}
inline std::string ShellQuoted(const fs::path& p) {
  std::string s = "'";
  for (char c : p.string()) s += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return s + "'";
}
inline std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A private single-node cluster (scripts/slurm-local.sh) for one test, with SLURM_CONF set
/// and `sbatch` on PATH wrapped so every call is logged.
class LocalSlurm {
 public:
  /// Empty when the cluster can be used; otherwise why not (a skip, or a failure in CI).
  static std::string Missing() {
    if (ShellStatus(
            "command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch "
            ">/dev/null && command -v munged >/dev/null") == 0) {
      return "";
    }
    return "slurmctld/slurmd/slurm-client/munge are not installed "
           "(IOREC_WITH_TEST_DEPS=1 scripts/install-deps.sh)";
  }

  // The state dir is short: slurmd's socket paths under it must stay below 108 bytes.
  explicit LocalSlurm(const fs::path& dir)
      : dir_(dir),
        state_(fs::temp_directory_path() / ("iorec-slurm-" + std::to_string(::getpid()))) {
    const std::string script = std::string(IOREC_SOURCE_DIR) + "/scripts/slurm-local.sh";
    const fs::path log = dir_ / "slurm-start.log";
    started_ = ShellStatus(script + " start " + ShellQuoted(state_) + " > " + ShellQuoted(log) +
                           " 2>&1") == 0;
    start_log_ = ReadAll(log);
    old_conf_ = std::getenv("SLURM_CONF") ? std::getenv("SLURM_CONF") : "";
    old_path_ = std::getenv("PATH") ? std::getenv("PATH") : "";
    ::setenv("SLURM_CONF", (state_ / "etc" / "slurm.conf").c_str(), 1);
    // sbatch, logged: one line of arguments per call.
    const fs::path bin = dir_ / "wrap-bin";
    fs::create_directories(bin);
    std::ofstream(bin / "sbatch") << "#!/bin/sh\necho \"$*\" >> " << ShellQuoted(SbatchLog())
                                  << "\n"
                                  << "exec " << RealSbatch() << " \"$@\"\n";
    fs::permissions(bin / "sbatch", fs::perms::owner_all, fs::perm_options::add);
    ::setenv("PATH", (bin.string() + ":" + old_path_).c_str(), 1);
  }
  ~LocalSlurm() {
    // No job outlives the cluster: cancel what is left and wait (30 s at most) until Slurm has
    // ended it, processes included (COMPLETING), before stopping the daemons.
    ShellStatus(
        "scancel -u \"$(id -un)\" >/dev/null 2>&1; i=0; while [ $i -lt 300 ] && [ -n \"$(squeue -h "
        "-t PENDING,RUNNING,COMPLETING -o %i 2>/dev/null)\" ]; do sleep 0.1; i=$((i + 1)); done");
    const std::string script = std::string(IOREC_SOURCE_DIR) + "/scripts/slurm-local.sh";
    ShellStatus(script + " stop " + ShellQuoted(state_) + " > /dev/null 2>&1");
    if (old_conf_.empty()) {
      ::unsetenv("SLURM_CONF");
    } else {
      ::setenv("SLURM_CONF", old_conf_.c_str(), 1);
    }
    ::setenv("PATH", old_path_.c_str(), 1);
    if (!::testing::Test::HasFailure()) fs::remove_all(state_);
  }
  bool started() const { return started_; }
  const std::string& start_log() const { return start_log_; }
  fs::path SbatchLog() const { return dir_ / "sbatch-calls.log"; }
  std::vector<std::string> SbatchCalls() const {
    std::vector<std::string> calls;
    std::istringstream in(ReadAll(SbatchLog()));
    for (std::string line; std::getline(in, line);) calls.push_back(line);
    return calls;
  }

 private:
  static std::string RealSbatch() {
    FILE* p = popen("command -v sbatch", "r");
    char buf[512] = {0};
    if (p) {
      if (!fgets(buf, sizeof buf, p)) buf[0] = 0;
      pclose(p);
    }
    std::string s(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s.empty() ? "sbatch" : s;
  }

  fs::path dir_, state_;
  bool started_ = false;
  std::string start_log_, old_conf_, old_path_;
};

}  // namespace local_slurm_detail

using local_slurm_detail::LocalSlurm;

}  // namespace iorec::test_support

/// Skips a test when the Slurm packages are missing (fails it in CI, where they must be).
#define REQUIRE_LOCAL_SLURM()                                                               \
  do {                                                                                      \
    const std::string missing = ::iorec::test_support::LocalSlurm::Missing();               \
    if (!missing.empty()) {                                                                 \
      const char* ci = std::getenv("CI");                                                   \
      if (ci && std::string(ci) == "true") FAIL() << missing << "; CI must run this test";  \
      GTEST_SKIP() << "\n\n*** SKIPPING a Slurm integration test: " << missing << " ***\n"; \
    }                                                                                       \
  } while (0)

#pragma once
// Helpers shared by the runner tests: temp dirs, small spaces, executable scripts.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/process_util.hpp"
#include "common/temp_dir.hpp"
#include "iorec/runner/process.hpp"
#include "iorec/space/space.hpp"
#include "iorec/space/workload.hpp"

extern char** environ;

namespace iorec::runner::testing {

using TempDir = test_support::TempDir;

inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Knobs with the given names, each with integer values 1..levels.
inline space::Space SmallSpace(const std::vector<std::string>& names, int levels = 3) {
  std::vector<space::Knob> knobs;
  for (const auto& n : names) {
    space::Knob k;
    k.name = n;
    for (int l = 1; l <= levels; ++l)
      k.values.push_back(space::KnobValue::Int(l, std::to_string(l)));
    knobs.push_back(k);
  }
  return space::Space(knobs);
}

/// Prepends a directory to PATH for the lifetime of the object.
class ScopedPath {
 public:
  explicit ScopedPath(const std::filesystem::path& dir) {
    const char* old = std::getenv("PATH");
    old_ = old ? old : "";
    ::setenv("PATH", (dir.string() + ":" + old_).c_str(), 1);
  }
  ~ScopedPath() { ::setenv("PATH", old_.c_str(), 1); }

 private:
  std::string old_;
};

/// Runs `script` with `shell -c` in `cwd` (empty: the current directory).
inline ProcessResult RunShellScript(const std::string& script,
                                    const std::filesystem::path& cwd = {},
                                    const std::string& shell = "/bin/sh") {
  ProcessSpec spec;
  spec.argv = {shell, "-c", script};
  spec.cwd = cwd;
  return RunProcess(spec);
}

using test_support::WaitForExit;
using test_support::WaitForFile;

/// A process group like a trial's: `sh` as the leader and a background `sleep` in it.
struct Group {
  pid_t leader = -1;
  pid_t member = -1;
  std::string start;    ///< the leader's start time (field 22 of /proc/<pid>/stat)
  bool reaped = false;  ///< the leader is reaped: its id may name another group by now

  /// Starts `sh -c script` as the leader of a new group; `script` must write the member's
  /// pid to `bg` in `dir`.
  Group(const std::filesystem::path& dir, const std::string& script) {
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    const std::string cmd = "cd '" + dir.string() + "' || exit 1; " + script;
    const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
    EXPECT_EQ(posix_spawn(&leader, "/bin/sh", nullptr, &attr, const_cast<char**>(argv), environ),
              0);
    posix_spawnattr_destroy(&attr);
    // `echo $! > bg` creates the file, then writes it: wait for the whole line.
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::string line;
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      line = Slurp(dir / "bg");
    }
    member = std::stoi(line);
    const std::string stat = Slurp("/proc/" + std::to_string(leader) + "/stat");
    std::istringstream rest(stat.substr(stat.rfind(')') + 1));
    std::vector<std::string> f;
    for (std::string s; rest >> s;) f.push_back(s);
    start = f.at(19);
  }
  /// The group file a run would have left: "pgid G start T boot B".
  void WriteFile(const std::filesystem::path& file, const std::string& start_time,
                 const std::string& boot) const {
    std::ofstream(file) << "pgid " << leader << " start " << start_time << " boot " << boot << "\n";
  }
  void Reap() {
    EXPECT_EQ(::waitpid(leader, nullptr, 0), leader);
    reaped = true;
  }
  ~Group() {
    if (reaped) return;
    ::kill(-leader, SIGKILL);
    ::waitpid(leader, nullptr, 0);
  }
};

inline std::string BootId() {
  std::string id = Slurp("/proc/sys/kernel/random/boot_id");
  if (!id.empty() && id.back() == '\n') id.pop_back();
  return id;
}

}  // namespace iorec::runner::testing

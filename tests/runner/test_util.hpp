#pragma once
// Helpers shared by the runner tests: temp dirs, small spaces, executable scripts.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/temp_dir.hpp"
#include "iorec/space/space.hpp"
#include "iorec/space/workload.hpp"

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

/// Waits until process `pid` (any process, not only a child) has exited: true at once if it
/// is gone, false only if it still runs after `limit_s`, a bound on a hang, not a timing.
inline bool WaitForExit(pid_t pid, double limit_s = 60.0) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;
  pollfd p{fd, POLLIN, 0};
  const int n = ::poll(&p, 1, static_cast<int>(limit_s * 1000));
  ::close(fd);
  return n == 1;
}

/// Waits until `path` exists; false only if it still does not after `limit_s` (a bound on a
/// hang, not a timing).
inline bool WaitForFile(const std::filesystem::path& path, double limit_s = 60.0) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
  while (!std::filesystem::exists(path)) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace iorec::runner::testing

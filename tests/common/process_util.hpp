#pragma once
// Waiting on processes and files in tests: bounded waits on events, never timings.
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <thread>

namespace iorec::test_support {

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

}  // namespace iorec::test_support

#pragma once
// The supervisor: the forked child of RunProcess that runs the command in a process group of
// its own and makes sure that group dies with iorec. Only async-signal-safe calls happen
// after the fork, so everything is prepared in the parent.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>

namespace iorec::runner::detail {

/// Everything the supervisor needs, as plain pointers into storage the parent keeps alive.
struct ChildPlan {
  const char* path = nullptr;  ///< the executable, already looked up in PATH
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* cwd = nullptr;          ///< null: the parent's
  const char* stdout_path = nullptr;  ///< absolute; null: stdout_pipe
  const char* stderr_path = nullptr;  ///< absolute; null: stderr_pipe
  int stdout_pipe = -1;
  int stderr_pipe = -1;
  int status_fd = -1;  ///< write end of the status pipe (close-on-exec)
  pid_t parent = 0;    ///< iorec's pid, to notice a parent that died before the fork finished
  double kill_grace_s = 1.0;
};

/// A record on the status pipe. The parent reads them until EOF: a successful start gives
/// kStarted with the command's process group; a failure gives kFailed with errno and the
/// step that failed. EOF comes when the command has exec'd (or the supervisor gave up).
struct StatusRecord {
  enum Kind : int32_t { kStarted = 1, kFailed = 2 };
  enum Step : int32_t { kNone = 0, kChdir, kStdout, kStderr, kFork, kExec };
  int32_t kind = 0;
  int32_t value = 0;  ///< kStarted: the process group id; kFailed: errno
  int32_t step = kNone;
};

/// Runs in the child after fork() and never returns. It puts itself in a process group of
/// its own, gets SIGTERM when iorec dies (PR_SET_PDEATHSIG), forks the command into a new
/// process group and waits for it. SIGTERM (from RunProcess on a timeout or interrupt, or
/// from the kernel when iorec died) sends SIGTERM to the command's group and SIGKILL after
/// kill_grace_s. When the command exits, what is left of its group is killed, and the
/// supervisor exits as the command did (same exit code, or the same signal).
[[noreturn]] void RunSupervisor(const ChildPlan& plan);

/// Writes ProcessSpec::group_file for a running command's process group: its id, its
/// leader's start time and the boot id (see KillLeftoverGroup). Best effort.
void WriteGroupFile(const std::filesystem::path& file, pid_t group);

}  // namespace iorec::runner::detail

#pragma once
/// Child processes for trials and for scheduler commands. Each command runs in a process
/// group of its own under a small supervisor process, so a timeout or Ctrl-C kills the whole
/// tree, not just the shell, and so does the death of iorec itself, even by SIGKILL
/// (the supervisor gets SIGTERM through PR_SET_PDEATHSIG).
#include <csignal>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "iorec/runner/shell.hpp"  // callers that build a shell line for RunProcess quote with it

namespace iorec::runner {

/// What to run and how.
struct ProcessSpec {
  std::vector<std::string> argv;  ///< argv[0] is looked up in the parent's PATH when it has no '/'
  /// Added to (or replacing in) the parent's environment, as name/value pairs.
  std::vector<std::pair<std::string, std::string>> env;
  std::filesystem::path cwd;          ///< empty: the parent's working directory
  std::filesystem::path stdout_file;  ///< empty: captured into ProcessResult::out
  std::filesystem::path stderr_file;  ///< empty: captured into ProcessResult::err
  double timeout_s = 0.0;             ///< <= 0: no limit
  double kill_grace_s = 1.0;          ///< SIGTERM, then SIGKILL after this long
  bool interruptible = true;          ///< a requested interrupt (Ctrl-C) kills the child
  /// Non-empty: while the command runs, its process group and that group's identity are
  /// kept in this file (removed when it has ended), so that a later run can kill a group left
  /// behind by a run that died (KillLeftoverGroup).
  std::filesystem::path group_file;
};

/// How it ended.
struct ProcessResult {
  bool started = false;
  std::string start_error;  ///< why the spawn failed (when !started)
  int exit_code = -1;       ///< valid when the child exited normally (term_signal == 0)
  int term_signal = 0;      ///< the signal that ended the child, 0 if it exited
  bool timed_out = false;
  bool interrupted = false;  ///< killed because an interrupt was requested
  double wall_seconds = 0.0;
  std::string out;  ///< captured stdout (only when stdout_file is empty)
  std::string err;  ///< captured stderr (only when stderr_file is empty)

  bool Succeeded() const {
    return started && !timed_out && !interrupted && term_signal == 0 && exit_code == 0;
  }
  /// "exit code 3", "killed by signal 9 (Killed)", "timed out after 5 s", ...
  std::string Describe() const;
};

/// Runs a child to completion (or timeout / interrupt). Thread-safe; the calling thread must
/// live until it returns (it does: the call blocks). The command gets its own process group;
/// on timeout or interrupt the whole group gets SIGTERM, then SIGKILL after kill_grace_s.
/// After the command's main process exits, what is left of its group is killed too. If iorec
/// dies, the group gets SIGTERM, then SIGKILL, the same way. Processes that leave the group
/// (setsid, a daemon) are not followed.
ProcessResult RunProcess(const ProcessSpec& spec);

/// Reads a ProcessSpec::group_file left by a run that died while its command ran. If the
/// group still has live processes (same boot, same leader start time, or remnants of a group
/// whose id is not reused) they are killed with SIGKILL and waited for, up to `limit_s`.
/// Removes the file. Returns what was done ("" when nothing was running); throws
/// core::Error naming the group when processes outlive the limit.
std::string KillLeftoverGroup(const std::filesystem::path& group_file, double limit_s = 30.0);

/// Installs SIGINT, SIGTERM and SIGHUP handlers that request an interrupt (idempotent).
/// Running children are then killed and InterruptRequested() turns true; the caller stops
/// gracefully.
void InstallInterruptHandlers();
/// True once SIGINT/SIGTERM/SIGHUP arrived (or RequestInterrupt was called).
bool InterruptRequested();
/// The signal of the first interrupt request (SIGINT when none or RequestInterrupt()), for
/// the exit status 128 + signal.
int InterruptSignal();
/// Requests an interrupt as if `signal` arrived (async-signal-safe).
void RequestInterrupt(int signal = SIGINT);
/// Clears a requested interrupt (tests, or a driver that handled it).
void ClearInterrupt();
/// Sleeps up to `seconds`; returns false early if an interrupt is requested.
bool InterruptibleSleep(double seconds);

/// The last `max_bytes` of a file (whole lines where possible); empty if it cannot be read.
std::string ReadTail(const std::filesystem::path& path, size_t max_bytes);

}  // namespace iorec::runner

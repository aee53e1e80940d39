#pragma once
/// Child processes for trials and for scheduler commands: each child runs in its own process
/// group, so a timeout or Ctrl-C kills the whole tree, not just the shell.
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

/// Runs a child to completion (or timeout / interrupt). Thread-safe. The child gets its own
/// process group; on timeout or interrupt the whole group gets SIGTERM, then SIGKILL. After the
/// child's main process exits, what is left of its group is killed too.
ProcessResult RunProcess(const ProcessSpec& spec);

/// Installs SIGINT and SIGTERM handlers that request an interrupt (idempotent). Running
/// children are then killed and InterruptRequested() turns true; the caller stops gracefully.
void InstallInterruptHandlers();
/// True once SIGINT/SIGTERM arrived (or RequestInterrupt was called).
bool InterruptRequested();
/// Requests an interrupt as if Ctrl-C was pressed (async-signal-safe).
void RequestInterrupt();
/// Clears a requested interrupt (tests, or a driver that handled it).
void ClearInterrupt();
/// Sleeps up to `seconds`; returns false early if an interrupt is requested.
bool InterruptibleSleep(double seconds);

/// The last `max_bytes` of a file (whole lines where possible); empty if it cannot be read.
std::string ReadTail(const std::filesystem::path& path, size_t max_bytes);

}  // namespace iorec::runner

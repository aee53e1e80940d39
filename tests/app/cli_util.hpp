#pragma once
// Running shell commands (the iorec binary) from the CLI tests.
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace iorec::test_support {

struct CliResult {
  int code = -1;    ///< exit status; -1 when the command did not exit normally
  std::string out;  ///< stdout and stderr, interleaved
};

/// Runs `cmd` through the shell with stderr merged into stdout.
inline CliResult RunShell(const std::string& cmd) {
  CliResult r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// stdout and stderr of a command, apart.
struct SplitResult {
  int code = -1;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};

/// Runs `cmd` through the shell with stderr captured apart, in `err_file` (overwritten).
inline SplitResult RunShellSplit(const std::string& cmd, const std::filesystem::path& err_file) {
  SplitResult r;
  const CliResult c = RunShell("{ " + cmd + " 2>'" + err_file.string() + "'; }");
  r.code = c.code;
  r.out = c.out;
  std::FILE* f = std::fopen(err_file.c_str(), "rb");
  if (f) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) r.err.append(buf, n);
    std::fclose(f);
  }
  return r;
}

/// Runs `cmd` through /bin/sh with stdin, stdout and stderr on a new pseudo-terminal, as at an
/// interactive shell. `out` holds everything written to the terminal.
inline CliResult RunInTerminal(const std::string& cmd) {
  CliResult r;
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) return r;
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  char buf[4096];
  for (;;) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 120000) <= 0) {  // bounds a hang only
      ::kill(pid, SIGKILL);
      break;
    }
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the last process holding the terminal has exited
    r.out.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// `p` single-quoted for the shell.
inline std::string ShellQuote(const std::filesystem::path& p) {
  std::string s = "'";
  for (char c : p.string()) s += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return s + "'";
}

/// A small command-runner study: knobs a (1, 2, 3, 4), b (1, 2, 4, 8), c (0, 1); three
/// synthetic workloads; a warm start of 6; 2 iterations of 2 configs (`active_extra` adds
/// keys to `active:`); the last number the command prints is the metric; no plots.
/// `runner_lines` are more `runner:` keys, each "  key: value\n".
inline std::string SmallCommandStudy(const std::string& command,
                                     const std::string& active_extra = "",
                                     const std::string& runner_lines = "") {
  return "seed: 5\n"
         "parameters:\n"
         "  - {name: a, values: [1, 2, 3, 4]}\n"
         "  - {name: b, values: [1, 2, 4, 8]}\n"
         "  - {name: c, values: [0, 1]}\n"
         "data: {input_dir: \"\", n_patterns: 3, n_features: 4}\n"
         "warm_start: {target_size: 6}\n"
         "model: {num_rounds: 10}\n"
         "active: {iterations: 2, batch_per_iter: 2, ensemble_size: 2" +
         active_extra +
         "}\n"
         "reporting: {plots: false}\n"
         "runner:\n"
         "  mode: command\n"
         "  metric: stdout_last_number\n"
         "  command: '" +
         command + "'\n" + runner_lines;
}

/// Writes `content` to `p` (parents created).
inline void WriteFile(const std::filesystem::path& p, const std::string& content) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace iorec::test_support

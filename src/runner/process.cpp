// Child processes: posix_spawn into a new process group, wait on a pidfd together with the
// captured pipes and the interrupt pipe, kill the group on timeout or interrupt.
#include "iorec/runner/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>

extern char** environ;

namespace iorec::runner {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_interrupted{false};
int g_intr_pipe[2] = {-1, -1};
std::once_flag g_pipe_once;

void EnsureInterruptPipe() {
  std::call_once(g_pipe_once, [] {
    if (::pipe2(g_intr_pipe, O_CLOEXEC | O_NONBLOCK) != 0) g_intr_pipe[0] = g_intr_pipe[1] = -1;
  });
}

void OnSignal(int /*sig*/) { RequestInterrupt(); }

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int PidfdOpen(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

/// True when the child has exited (without reaping it).
bool HasExited(pid_t pid) {
  siginfo_t info{};
  info.si_pid = 0;
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return errno == ECHILD;
  }
  return info.si_pid == pid;
}

void ReadSome(int& fd, std::string& into) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n > 0) {
      into.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    ::close(fd);  // EOF or error
    fd = -1;
    return;
  }
}

class Spawned {
 public:
  ~Spawned() {
    for (int* fd : {&out_r_, &err_r_, &pidfd_}) {
      if (*fd >= 0) ::close(*fd);
    }
  }
  pid_t pid_ = -1;
  int pidfd_ = -1;
  int out_r_ = -1;
  int err_r_ = -1;
};

}  // namespace

std::string ProcessResult::Describe() const {
  if (!started) return "could not start: " + start_error;
  if (interrupted) return "interrupted";
  if (timed_out) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "timed out after %.3g s", wall_seconds);
    return buf;
  }
  if (term_signal != 0) {
    return "killed by signal " + std::to_string(term_signal) + " (" + ::strsignal(term_signal) +
           ")";
  }
  return "exit code " + std::to_string(exit_code);
}

ProcessResult RunProcess(const ProcessSpec& spec) {
  EnsureInterruptPipe();
  ProcessResult res;
  const auto t0 = Clock::now();
  if (spec.argv.empty()) {
    res.start_error = "empty command";
    return res;
  }
  if (spec.interruptible && InterruptRequested()) {
    res.started = false;
    res.interrupted = true;
    res.start_error = "interrupted before start";
    return res;
  }

  // Environment: the parent's, with overrides.
  std::vector<std::string> env_storage;
  for (char** e = environ; e && *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    const std::string name = eq ? std::string(static_cast<const char*>(*e), eq) : std::string(*e);
    bool overridden = false;
    for (const auto& [k, v] : spec.env) overridden |= (k == name);
    if (!overridden) env_storage.emplace_back(*e);
  }
  for (const auto& [k, v] : spec.env) env_storage.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_storage) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_storage = spec.argv;
  std::vector<char*> argv;
  for (auto& s : argv_storage) argv.push_back(s.data());
  argv.push_back(nullptr);

  Spawned sp;
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  auto close_pipes = [&] {
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
      if (fd >= 0) ::close(fd);
    }
  };
  if ((spec.stdout_file.empty() && ::pipe2(out_pipe, O_CLOEXEC) != 0) ||
      (spec.stderr_file.empty() && ::pipe2(err_pipe, O_CLOEXEC) != 0)) {
    res.start_error = std::string("pipe: ") + std::strerror(errno);
    close_pipes();
    return res;
  }

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, spec.cwd.c_str());
  // Output files are opened in the child, after the chdir; use absolute paths to be safe.
  const std::string out_path =
      spec.stdout_file.empty() ? "" : std::filesystem::absolute(spec.stdout_file).string();
  const std::string err_path =
      spec.stderr_file.empty() ? "" : std::filesystem::absolute(spec.stderr_file).string();
  if (out_path.empty()) {
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  } else {
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  if (err_path.empty()) {
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  } else {
    posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults, empty;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGHUP);
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  const bool search = spec.argv[0].find('/') == std::string::npos;
  const int rc = search ? ::posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), envp.data())
                        : ::posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (out_pipe[1] >= 0) ::close(out_pipe[1]);
  if (err_pipe[1] >= 0) ::close(err_pipe[1]);
  out_pipe[1] = err_pipe[1] = -1;
  sp.out_r_ = out_pipe[0];
  sp.err_r_ = err_pipe[0];
  if (rc != 0) {
    res.start_error = "cannot run '" + spec.argv[0] + "'" +
                      (spec.cwd.empty() ? "" : " in " + spec.cwd.string()) + ": " +
                      std::strerror(rc);
    return res;
  }
  res.started = true;
  sp.pid_ = pid;
  for (int fd : {sp.out_r_, sp.err_r_}) {
    if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  sp.pidfd_ = PidfdOpen(pid);

  const bool has_deadline = spec.timeout_s > 0.0;
  const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(has_deadline ? spec.timeout_s : 0));
  bool exited = false;
  Clock::time_point kill_at{};
  bool term_sent = false;
  for (;;) {
    // Poll set: pidfd, pipes, interrupt pipe.
    std::vector<pollfd> fds;
    if (sp.pidfd_ >= 0 && !exited) fds.push_back({sp.pidfd_, POLLIN, 0});
    if (sp.out_r_ >= 0) fds.push_back({sp.out_r_, POLLIN, 0});
    if (sp.err_r_ >= 0) fds.push_back({sp.err_r_, POLLIN, 0});
    const bool watch_intr = spec.interruptible && !term_sent && g_intr_pipe[0] >= 0;
    if (watch_intr) fds.push_back({g_intr_pipe[0], POLLIN, 0});
    if (exited && sp.out_r_ < 0 && sp.err_r_ < 0) break;

    int timeout_ms = -1;
    const auto now = Clock::now();
    if (sp.pidfd_ < 0 && !exited) timeout_ms = 5;  // no pidfd: poll the child
    if (has_deadline && !term_sent && !exited) {
      const double left = Seconds(deadline - now);
      const int ms = left <= 0 ? 0 : static_cast<int>(std::ceil(left * 1000.0));
      timeout_ms = timeout_ms < 0 ? ms : std::min(timeout_ms, ms);
    }
    if (term_sent && !exited) {
      const double left = Seconds(kill_at - now);
      const int ms = left <= 0 ? 0 : static_cast<int>(std::ceil(left * 1000.0));
      timeout_ms = timeout_ms < 0 ? ms : std::min(timeout_ms, ms);
    }
    if (exited) timeout_ms = timeout_ms < 0 ? 1000 : timeout_ms;
    const int n = ::poll(fds.data(), fds.size(), timeout_ms);
    if (n < 0 && errno != EINTR) break;
    for (const auto& p : fds) {
      if (!p.revents) continue;
      if (p.fd == sp.out_r_)
        ReadSome(sp.out_r_, res.out);
      else if (p.fd == sp.err_r_)
        ReadSome(sp.err_r_, res.err);
    }
    if (!exited && HasExited(pid)) {
      exited = true;
      // Whatever the main process left behind in its group goes too (it still holds the
      // group id as an unreaped zombie, so the id cannot have been reused).
      ::kill(-pid, SIGKILL);
      continue;
    }
    if (exited) {
      // Stragglers outside the group may hold the pipes: stop reading after a grace period.
      if (n == 0) break;
      continue;
    }
    const auto now2 = Clock::now();
    if (!term_sent) {
      const bool intr = spec.interruptible && InterruptRequested();
      const bool late = has_deadline && now2 >= deadline;
      if (intr || late) {
        res.interrupted = intr;
        res.timed_out = !intr;
        ::kill(-pid, SIGTERM);
        term_sent = true;
        kill_at = now2 + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(std::max(0.0, spec.kill_grace_s)));
      }
    } else if (now2 >= kill_at) {
      ::kill(-pid, SIGKILL);
      kill_at = now2 + std::chrono::seconds(3600);
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  res.wall_seconds = Seconds(Clock::now() - t0);
  if (WIFEXITED(status)) res.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) res.term_signal = WTERMSIG(status);
  return res;
}

void InstallInterruptHandlers() {
  EnsureInterruptPipe();
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
  });
}

bool InterruptRequested() { return g_interrupted.load(std::memory_order_relaxed); }

void RequestInterrupt() {
  g_interrupted.store(true, std::memory_order_relaxed);
  if (g_intr_pipe[1] >= 0) {
    const char c = 1;
    [[maybe_unused]] const ssize_t n = ::write(g_intr_pipe[1], &c, 1);
  }
}

void ClearInterrupt() {
  EnsureInterruptPipe();
  g_interrupted.store(false, std::memory_order_relaxed);
  if (g_intr_pipe[0] >= 0) {
    char buf[256];
    while (::read(g_intr_pipe[0], buf, sizeof(buf)) > 0) {
    }
  }
}

bool InterruptibleSleep(double seconds) {
  EnsureInterruptPipe();
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(std::max(0.0, seconds)));
  for (;;) {
    if (InterruptRequested()) return false;
    const double left = Seconds(end - Clock::now());
    if (left <= 0) return true;
    pollfd p{g_intr_pipe[0], POLLIN, 0};
    ::poll(&p, g_intr_pipe[0] >= 0 ? 1 : 0, static_cast<int>(std::ceil(left * 1000.0)));
  }
}

std::string ReadTail(const std::filesystem::path& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size <= 0) return "";
  const std::streamoff start = size > static_cast<std::streamoff>(max_bytes)
                                   ? size - static_cast<std::streamoff>(max_bytes)
                                   : 0;
  in.seekg(start);
  std::string s(static_cast<size_t>(size - start), '\0');
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  s.resize(static_cast<size_t>(in.gcount()));
  if (start > 0) {
    const size_t nl = s.find('\n');
    if (nl != std::string::npos && nl + 1 < s.size()) s.erase(0, nl + 1);
  }
  return s;
}

}  // namespace iorec::runner

// Child processes: each runs under a supervisor (see supervisor.hpp) that keeps the command
// in a process group of its own and kills that group when iorec dies. Here: preparing the
// exec, forking, waiting on a pidfd together with the captured pipes and the interrupt pipe,
// and asking the supervisor to stop the command on a timeout or an interrupt.
#include "iorec/runner/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>

#include "supervisor.hpp"

extern char** environ;

namespace iorec::runner {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_interrupted{false};
std::atomic<int> g_interrupt_signal{0};
int g_intr_pipe[2] = {-1, -1};
std::once_flag g_pipe_once;

/// How long after SIGTERM plus the grace a supervisor that has not exited is killed (it
/// escalates to SIGKILL itself after the grace; this only guards against a stuck one).
constexpr double kSupervisorMarginS = 30.0;

void EnsureInterruptPipe() {
  std::call_once(g_pipe_once, [] {
    if (::pipe2(g_intr_pipe, O_CLOEXEC | O_NONBLOCK) != 0) g_intr_pipe[0] = g_intr_pipe[1] = -1;
  });
}

void OnSignal(int sig) { RequestInterrupt(sig); }

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

Clock::duration Duration(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(std::max(0.0, seconds)));
}

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

int Reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
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

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

/// A pipe whose ends close with the object.
struct Pipe {
  int r = -1, w = -1;
  ~Pipe() {
    CloseFd(r);
    CloseFd(w);
  }
  bool Open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    r = fds[0];
    w = fds[1];
    return true;
  }
};

/// The supervisor and what RunProcess holds of it.
class Spawned {
 public:
  ~Spawned() {
    for (int* fd : {&out_r_, &err_r_, &pidfd_}) CloseFd(*fd);
  }
  pid_t pid_ = -1;    ///< the supervisor
  pid_t group_ = -1;  ///< the command's process group
  int pidfd_ = -1;
  int out_r_ = -1;
  int err_r_ = -1;
};

/// argv[0] looked up in PATH as execvp would; empty with `error` (an errno) if not found.
std::string FindExecutable(const std::string& name, int* error) {
  *error = 0;
  if (name.find('/') != std::string::npos) return name;
  const char* env = std::getenv("PATH");
  const std::string path = env ? env : "/usr/local/bin:/usr/bin:/bin";
  int found_error = ENOENT;
  size_t start = 0;
  for (;;) {
    const size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? colon : colon - start);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      found_error = EACCES;
    }
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  *error = found_error;
  return "";
}

/// What the supervisor execs, built before the fork (nothing may be allocated after it).
struct ExecImage {
  std::string path;
  std::vector<std::string> argv_storage, env_storage;
  std::vector<char*> argv, envp;
  std::string stdout_path, stderr_path, cwd;

  explicit ExecImage(const ProcessSpec& spec) : argv_storage(spec.argv) {
    for (char** e = environ; e && *e; ++e) {
      const char* eq = std::strchr(*e, '=');
      const std::string name = eq ? std::string(static_cast<const char*>(*e), eq) : std::string(*e);
      bool overridden = false;
      for (const auto& [k, v] : spec.env) overridden |= (k == name);
      if (!overridden) env_storage.emplace_back(*e);
    }
    for (const auto& [k, v] : spec.env) env_storage.push_back(k + "=" + v);
    for (auto& s : env_storage) envp.push_back(s.data());
    envp.push_back(nullptr);
    for (auto& s : argv_storage) argv.push_back(s.data());
    argv.push_back(nullptr);
    // The output files are opened after the chdir: absolute paths.
    if (!spec.stdout_file.empty()) stdout_path = std::filesystem::absolute(spec.stdout_file);
    if (!spec.stderr_file.empty()) stderr_path = std::filesystem::absolute(spec.stderr_file);
    cwd = spec.cwd.string();
  }
};

std::string StartError(const ProcessSpec& spec, const detail::StatusRecord& r) {
  const std::string why = std::strerror(r.value);
  switch (r.step) {
    case detail::StatusRecord::kStdout:
      return "cannot write " + spec.stdout_file.string() + ": " + why;
    case detail::StatusRecord::kStderr:
      return "cannot write " + spec.stderr_file.string() + ": " + why;
    case detail::StatusRecord::kFork:
      return "fork: " + why;
    default:
      return "cannot run '" + spec.argv[0] + "'" +
             (spec.cwd.empty() ? "" : " in " + spec.cwd.string()) + ": " + why;
  }
}

/// Forks the supervisor and waits until the command has exec'd (or failed to). On success
/// fills `sp` and returns true; otherwise sets res.start_error.
bool Spawn(const ProcessSpec& spec, ProcessResult& res, Spawned& sp) {
  int lookup_error = 0;
  ExecImage image(spec);
  image.path = FindExecutable(spec.argv[0], &lookup_error);
  if (image.path.empty()) {
    res.start_error = "cannot run '" + spec.argv[0] + "': " + std::strerror(lookup_error);
    return false;
  }
  Pipe out, err, status;
  if ((spec.stdout_file.empty() && !out.Open()) || (spec.stderr_file.empty() && !err.Open()) ||
      !status.Open()) {
    res.start_error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  detail::ChildPlan plan;
  plan.path = image.path.c_str();
  plan.argv = image.argv.data();
  plan.envp = image.envp.data();
  plan.cwd = image.cwd.empty() ? nullptr : image.cwd.c_str();
  plan.stdout_path = image.stdout_path.empty() ? nullptr : image.stdout_path.c_str();
  plan.stderr_path = image.stderr_path.empty() ? nullptr : image.stderr_path.c_str();
  plan.stdout_pipe = out.w;
  plan.stderr_pipe = err.w;
  plan.status_fd = status.w;
  plan.parent = ::getpid();
  plan.kill_grace_s = spec.kill_grace_s;

  // The supervisor must not lose a SIGTERM that arrives before its handlers are set.
  sigset_t block, old;
  sigemptyset(&block);
  for (int sig : {SIGTERM, SIGCHLD, SIGALRM}) sigaddset(&block, sig);
  ::pthread_sigmask(SIG_BLOCK, &block, &old);
  const pid_t pid = ::fork();
  if (pid == 0) detail::RunSupervisor(plan);
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) {
    res.start_error = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  CloseFd(out.w);
  CloseFd(err.w);
  CloseFd(status.w);

  detail::StatusRecord rec, started, failed;
  for (;;) {
    const ssize_t n = ::read(status.r, &rec, sizeof rec);
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof rec)) break;
    (rec.kind == detail::StatusRecord::kStarted ? started : failed) = rec;
  }
  if (failed.kind != 0 || started.kind == 0) {
    Reap(pid);
    res.start_error = failed.kind != 0 ? StartError(spec, failed)
                                       : "cannot run '" + spec.argv[0] + "': no supervisor";
    return false;
  }
  sp.pid_ = pid;
  sp.group_ = started.value;
  sp.pidfd_ = PidfdOpen(pid);
  std::swap(sp.out_r_, out.r);
  std::swap(sp.err_r_, err.r);
  for (int fd : {sp.out_r_, sp.err_r_}) {
    if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  return true;
}

/// Waits for the supervisor, reading captured output; on timeout or interrupt asks it to
/// stop the command (SIGTERM; it sends SIGKILL after the grace).
void Wait(const ProcessSpec& spec, Spawned& sp, ProcessResult& res, Clock::time_point t0) {
  const bool has_deadline = spec.timeout_s > 0.0;
  const auto deadline = t0 + Duration(has_deadline ? spec.timeout_s : 0);
  bool exited = false;
  bool term_sent = false;
  Clock::time_point kill_at{};
  for (;;) {
    std::vector<pollfd> fds;
    if (sp.pidfd_ >= 0 && !exited) fds.push_back({sp.pidfd_, POLLIN, 0});
    if (sp.out_r_ >= 0) fds.push_back({sp.out_r_, POLLIN, 0});
    if (sp.err_r_ >= 0) fds.push_back({sp.err_r_, POLLIN, 0});
    if (spec.interruptible && !term_sent && g_intr_pipe[0] >= 0) {
      fds.push_back({g_intr_pipe[0], POLLIN, 0});
    }
    if (exited && sp.out_r_ < 0 && sp.err_r_ < 0) break;

    int timeout_ms = -1;
    const auto now = Clock::now();
    auto until = [&](Clock::time_point t) {
      const double left = Seconds(t - now);
      const int ms = left <= 0 ? 0 : static_cast<int>(std::ceil(left * 1000.0));
      timeout_ms = timeout_ms < 0 ? ms : std::min(timeout_ms, ms);
    };
    if (sp.pidfd_ < 0 && !exited) timeout_ms = 5;  // no pidfd: poll the child
    if (has_deadline && !term_sent && !exited) until(deadline);
    if (term_sent && !exited) until(kill_at);
    if (exited) timeout_ms = timeout_ms < 0 ? 1000 : timeout_ms;
    const int n = ::poll(fds.data(), fds.size(), timeout_ms);
    if (n < 0 && errno != EINTR) break;
    for (const auto& p : fds) {
      if (!p.revents) continue;
      if (p.fd == sp.out_r_) ReadSome(sp.out_r_, res.out);
      if (p.fd == sp.err_r_) ReadSome(sp.err_r_, res.err);
    }
    if (!exited && HasExited(sp.pid_)) {
      exited = true;  // the supervisor has killed what was left of the command's group
      continue;
    }
    if (exited) {
      // Processes that left the group may hold the pipes: stop reading after a grace period.
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
        ::kill(sp.pid_, SIGTERM);
        term_sent = true;
        kill_at = now2 + Duration(spec.kill_grace_s + kSupervisorMarginS);
      }
    } else if (now2 >= kill_at) {
      ::kill(sp.pid_, SIGKILL);  // a stuck supervisor; the command has PDEATHSIG = SIGKILL
      kill_at = now2 + std::chrono::seconds(3600);
    }
  }
}

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
    res.interrupted = true;
    res.start_error = "interrupted before start";
    return res;
  }
  Spawned sp;
  if (!Spawn(spec, res, sp)) return res;
  res.started = true;
  if (!spec.group_file.empty()) detail::WriteGroupFile(spec.group_file, sp.group_);
  Wait(spec, sp, res, t0);
  const int status = Reap(sp.pid_);
  if (!spec.group_file.empty()) {
    std::error_code ec;
    std::filesystem::remove(spec.group_file, ec);
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
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
  });
}

bool InterruptRequested() { return g_interrupted.load(std::memory_order_relaxed); }

int InterruptSignal() {
  const int sig = g_interrupt_signal.load(std::memory_order_relaxed);
  return sig != 0 ? sig : SIGINT;
}

void RequestInterrupt(int signal) {
  int none = 0;  // the first signal is the one that stopped the run
  g_interrupt_signal.compare_exchange_strong(none, signal, std::memory_order_relaxed);
  g_interrupted.store(true, std::memory_order_relaxed);
  if (g_intr_pipe[1] >= 0) {
    const char c = 1;
    [[maybe_unused]] const ssize_t n = ::write(g_intr_pipe[1], &c, 1);
  }
}

void ClearInterrupt() {
  EnsureInterruptPipe();
  g_interrupted.store(false, std::memory_order_relaxed);
  g_interrupt_signal.store(0, std::memory_order_relaxed);
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

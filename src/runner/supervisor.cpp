// The supervisor process. It runs between fork() and the command's exec in a copy of a
// multi-threaded program, so it uses system calls only: no allocation, no locks, no stdio.
#include "supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace iorec::runner::detail {
namespace {

volatile sig_atomic_t g_term = 0;
volatile sig_atomic_t g_alarm = 0;
volatile sig_atomic_t g_child = 0;

void OnTerm(int) { g_term = 1; }
void OnAlarm(int) { g_alarm = 1; }
void OnChild(int) { g_child = 1; }

constexpr int kStatusFd = 3;  // where the status pipe sits in the supervisor and the command

void Report(int fd, StatusRecord::Kind kind, int value, StatusRecord::Step step) {
  StatusRecord r;
  r.kind = kind;
  r.value = value;
  r.step = step;
  while (::write(fd, &r, sizeof r) < 0 && errno == EINTR) {
  }
}

[[noreturn]] void Fail(StatusRecord::Step step) {
  Report(kStatusFd, StatusRecord::kFailed, errno, step);
  ::_exit(127);
}

void Handle(int sig, void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(sig, &sa, nullptr);
}

/// Closes every descriptor from `first` up.
void CloseFrom(int first) {
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, static_cast<unsigned>(first), ~0U, 0) == 0) return;
#endif
  struct rlimit lim {};
  long max = ::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY
                 ? static_cast<long>(lim.rlim_cur)
                 : 65536L;
  if (max > 1048576L) max = 1048576L;
  for (long fd = first; fd < max; ++fd) ::close(static_cast<int>(fd));
}

/// stdin from /dev/null, stdout/stderr to their files or pipes, the status pipe at fd 3,
/// nothing else open (other threads' pipes must not be held by this process).
void SetUpDescriptors(const ChildPlan& p) {
  // First out of the way of 0-3, whatever numbers the parent's descriptors had.
  auto high = [](int fd) { return fd < 0 ? -1 : ::fcntl(fd, F_DUPFD_CLOEXEC, 10); };
  const int status = high(p.status_fd);
  const int out_pipe = high(p.stdout_pipe);
  const int err_pipe = high(p.stderr_pipe);
  if (status < 0 || ::dup2(status, kStatusFd) < 0) ::_exit(127);
  ::fcntl(kStatusFd, F_SETFD, FD_CLOEXEC);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd >= 0) ::dup2(null_fd, 0);
  if (p.cwd && ::chdir(p.cwd) != 0) Fail(StatusRecord::kChdir);
  struct Out {
    const char* path;
    int pipe;
    int target;
    StatusRecord::Step step;
  };
  for (const Out& o : {Out{p.stdout_path, out_pipe, 1, StatusRecord::kStdout},
                       Out{p.stderr_path, err_pipe, 2, StatusRecord::kStderr}}) {
    const int fd = o.path ? ::open(o.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : o.pipe;
    if (fd < 0 || ::dup2(fd, o.target) < 0) Fail(o.step);
  }
  CloseFrom(kStatusFd + 1);
}

/// In the command's process, just before exec: its own group, default signals, and SIGKILL
/// should the supervisor die.
[[noreturn]] void ExecCommand(const ChildPlan& p, pid_t supervisor) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != supervisor) ::_exit(127);
  for (int sig : {SIGTERM, SIGCHLD, SIGALRM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE}) {
    ::signal(sig, SIG_DFL);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(p.path, p.argv, p.envp);
  Fail(StatusRecord::kExec);
}

void ArmTimer(double seconds) {
  struct itimerval t {};
  const double s = seconds > 0.001 ? seconds : 0.001;
  t.it_value.tv_sec = static_cast<time_t>(s);
  t.it_value.tv_usec = static_cast<suseconds_t>((s - static_cast<double>(t.it_value.tv_sec)) * 1e6);
  ::setitimer(ITIMER_REAL, &t, nullptr);
}

/// Waits for the command; SIGTERM terminates its group (SIGKILL after the grace). Returns
/// its wait status once its group is cleaned up.
int WaitForCommand(pid_t command, double kill_grace_s, const sigset_t& wait_mask) {
  bool term_sent = false;
  for (;;) {
    if (g_child) {
      g_child = 0;
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(command), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
          info.si_pid == command) {
        // The group id cannot be reused while its leader is an unreaped zombie.
        ::kill(-command, SIGKILL);
        int status = 0;
        while (::waitpid(command, &status, 0) < 0 && errno == EINTR) {
        }
        return status;
      }
    }
    if (g_term && !term_sent) {
      term_sent = true;
      ::kill(-command, SIGTERM);
      ArmTimer(kill_grace_s);
    }
    if (g_alarm) {
      g_alarm = 0;
      ::kill(-command, SIGKILL);
    }
    ::sigsuspend(&wait_mask);
  }
}

/// Ends the supervisor the way the command ended.
[[noreturn]] void ExitLike(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    struct rlimit no_core {};
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::signal(sig, SIG_DFL);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, sig);
    ::sigprocmask(SIG_UNBLOCK, &only, nullptr);
    ::kill(::getpid(), sig);
    ::_exit(128 + sig);
  }
  ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 127);
}

}  // namespace

void RunSupervisor(const ChildPlan& p) {
  // The parent forked with SIGTERM, SIGCHLD and SIGALRM blocked: none is lost before the
  // handlers are in place.
  sigset_t wait_mask;
  ::sigprocmask(SIG_BLOCK, nullptr, &wait_mask);
  for (int sig : {SIGTERM, SIGCHLD, SIGALRM}) sigdelset(&wait_mask, sig);
  Handle(SIGTERM, OnTerm);
  Handle(SIGCHLD, OnChild);
  Handle(SIGALRM, OnAlarm);
  for (int sig : {SIGINT, SIGHUP, SIGQUIT, SIGPIPE}) ::signal(sig, SIG_IGN);
  ::setpgid(0, 0);  // away from the terminal's signals: iorec decides what stops a trial
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != p.parent) g_term = 1;  // iorec died before prctl
  SetUpDescriptors(p);

  const pid_t self = ::getpid();
  const pid_t command = ::fork();
  if (command < 0) Fail(StatusRecord::kFork);
  if (command == 0) ExecCommand(p, self);
  ::setpgid(command, command);  // also done by the command: whichever runs first
  Report(kStatusFd, StatusRecord::kStarted, command, StatusRecord::kNone);
  for (int fd : {kStatusFd, 0, 1, 2}) ::close(fd);
  ExitLike(WaitForCommand(command, p.kill_grace_s, wait_mask));
}

}  // namespace iorec::runner::detail

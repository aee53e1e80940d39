// Process groups left behind by a run that died: ProcessSpec::group_file records a running
// command's group, KillLeftoverGroup finds what is left of it and kills it.
#include <dirent.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "iorec/core/error.hpp"
#include "iorec/runner/process.hpp"
#include "supervisor.hpp"

namespace iorec::runner {
namespace {

namespace fs = std::filesystem;

std::string BootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

/// The fields of /proc/<pid>/stat after the command name: [0] is field 3 (state).
std::vector<std::string> StatFields(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  const size_t paren = line.rfind(')');
  if (paren == std::string::npos) return {};
  std::istringstream rest(line.substr(paren + 1));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

/// Field 22 (starttime, clock ticks since boot), which with the boot id names a process
/// for good; nullopt when the process does not exist.
std::optional<std::string> StartTime(pid_t pid) {
  const auto f = StatFields(pid);
  if (f.size() < 20) return std::nullopt;
  return f[19];
}

/// Processes of group `group` that still run (zombies do not count).
int LiveMembers(pid_t group) {
  int live = 0;
  DIR* proc = ::opendir("/proc");
  if (!proc) return 0;
  while (const dirent* e = ::readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    const auto f = StatFields(static_cast<pid_t>(pid));
    if (f.size() >= 3 && f[2] == std::to_string(group) && f[0] != "Z" && f[0] != "X") ++live;
  }
  ::closedir(proc);
  return live;
}

}  // namespace

namespace detail {

void WriteGroupFile(const fs::path& file, pid_t group) {
  const auto start = StartTime(group);
  if (!start) return;  // already gone: the supervisor cleans up what is left
  std::ofstream(file, std::ios::trunc)
      << "pgid " << group << " start " << *start << " boot " << BootId() << "\n";
}

}  // namespace detail

std::string KillLeftoverGroup(const fs::path& group_file, double limit_s) {
  std::ifstream in(group_file);
  if (!in) return "";
  std::string k1, k2, k3, start, boot;
  long group = 0;
  const bool parsed = static_cast<bool>(in >> k1 >> group >> k2 >> start >> k3 >> boot);
  in.close();
  std::error_code ec;
  fs::remove(group_file, ec);
  // Unreadable (a run killed while writing it), or from before a reboot: nothing is left.
  if (!parsed || k1 != "pgid" || group <= 1 || boot != BootId()) return "";
  const auto g = static_cast<pid_t>(group);
  const auto now = StartTime(g);
  // A live leader with another start time is a new process that reuses the id: the old
  // group is gone. Without a leader, members with this group id can only be the old ones
  // (a process id still used as a group id is never handed out).
  if (now ? *now != start : LiveMembers(g) == 0) return "";
  ::kill(-g, SIGKILL);
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
  while (LiveMembers(g) > 0) {
    if (std::chrono::steady_clock::now() > end) {
      throw core::Error("process group " + std::to_string(g) + " left running by an earlier run (" +
                        group_file.parent_path().string() +
                        ") survives SIGKILL; stop it before running this trial again");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "killed process group " + std::to_string(g) + ", left running in " +
         group_file.parent_path().string() + " by an earlier run that died";
}

}  // namespace iorec::runner

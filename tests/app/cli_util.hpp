#pragma once
// Running shell commands (the iorec binary) from the CLI tests.
#include <sys/wait.h>

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

inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace iorec::test_support

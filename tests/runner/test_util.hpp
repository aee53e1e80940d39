#pragma once
// Helpers shared by the runner tests: temp dirs, small spaces, executable scripts.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "iorec/space/space.hpp"
#include "iorec/space/workload.hpp"

namespace iorec::runner::testing {

class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string("iorec_runner_") + info->test_suite_name() + "_" + info->name() +
                       "_" + std::to_string(::getpid());
    for (auto& c : name) {
      if (c == '/') c = '_';
    }
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    if (!::testing::Test::HasFailure()) std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path Write(const std::string& rel, const std::string& content,
                              bool executable = false) const {
    const auto p = path_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    if (executable) ::chmod(p.c_str(), 0755);
    return p;
  }

 private:
  std::filesystem::path path_;
};

inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Knobs with the given names, each with integer values 1..levels.
inline space::Space SmallSpace(const std::vector<std::string>& names, int levels = 3) {
  std::vector<space::Knob> knobs;
  for (const auto& n : names) {
    space::Knob k;
    k.name = n;
    for (int l = 1; l <= levels; ++l)
      k.values.push_back(space::KnobValue::Int(l, std::to_string(l)));
    knobs.push_back(k);
  }
  return space::Space(knobs);
}

/// Prepends a directory to PATH for the lifetime of the object.
class ScopedPath {
 public:
  explicit ScopedPath(const std::filesystem::path& dir) {
    const char* old = std::getenv("PATH");
    old_ = old ? old : "";
    ::setenv("PATH", (dir.string() + ":" + old_).c_str(), 1);
  }
  ~ScopedPath() { ::setenv("PATH", old_.c_str(), 1); }

 private:
  std::string old_;
};

}  // namespace iorec::runner::testing

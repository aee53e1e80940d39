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

#include "common/temp_dir.hpp"
#include "iorec/space/space.hpp"
#include "iorec/space/workload.hpp"

namespace iorec::runner::testing {

using TempDir = test_support::TempDir;

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

#pragma once
// A per-test scratch directory for tests of any module.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace iorec::test_support {

/// A fresh directory under the system temp dir named after the running test, removed on
/// destruction unless the test failed (kept for inspection).
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string("iorec_") + info->test_suite_name() + "_" + info->name() + "_" +
                       std::to_string(::getpid());
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
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// Writes `content` to `rel` under the directory (parents created); returns the path.
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

}  // namespace iorec::test_support

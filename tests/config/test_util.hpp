#pragma once
// Helpers shared by the config tests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "iorec/config/study_config.hpp"
#include "iorec/core/error.hpp"

namespace iorec::config::testing {

/// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string("iorec_config_") + info->test_suite_name() + "_" + info->name() +
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
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path Write(const std::string& rel, const std::string& content) const {
    const auto p = path_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

 private:
  std::filesystem::path path_;
};

/// The problems ParseStudyConfig reports; fails the test if it does not throw InputError.
inline std::vector<std::string> Problems(const std::string& yaml,
                                         const std::filesystem::path& origin = "config.yaml") {
  try {
    ParseStudyConfig(yaml, origin);
  } catch (const core::InputError& e) {
    return e.problems();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw something other than InputError: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected InputError for:\n" << yaml;
  return {};
}

}  // namespace iorec::config::testing

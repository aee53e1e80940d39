#pragma once
// Helpers shared by the config tests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/temp_dir.hpp"
#include "iorec/config/study_config.hpp"
#include "iorec/core/error.hpp"

namespace iorec::config::testing {

using TempDir = test_support::TempDir;

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

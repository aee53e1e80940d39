// libFuzzer target: darshan-parser text reader + features.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "iorec/core/error.hpp"
#include "iorec/darshan/features.hpp"
#include "iorec/darshan/summary.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    iorec::darshan::LogSummary s = iorec::darshan::ParseParserText(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.txt");
    (void)iorec::darshan::ComputeFeatures(s);
  } catch (const iorec::core::InputError&) {
  }
  return 0;
}

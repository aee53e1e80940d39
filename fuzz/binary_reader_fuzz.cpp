// libFuzzer target: binary Darshan log reader + summaries + features.
#include <cstddef>
#include <cstdint>
#include <span>

#include "iorec/core/error.hpp"
#include "iorec/darshan/features.hpp"
#include "iorec/darshan/log.hpp"
#include "iorec/darshan/summary.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    iorec::darshan::Log log =
        iorec::darshan::ParseLog(std::span<const unsigned char>(data, size), "fuzz.darshan");
    iorec::darshan::LogSummary s = iorec::darshan::Summarize(log);
    (void)iorec::darshan::ComputeFeatures(s);
    (void)iorec::darshan::ToWorkloadJson(iorec::darshan::ComputeFeatures(s));
  } catch (const iorec::core::InputError&) {
  }
  try {  // streaming path used by `iorec features`
    iorec::darshan::LogSummary s = iorec::darshan::SummarizeLogBytes(
        std::span<const unsigned char>(data, size), "fuzz.darshan");
    (void)iorec::darshan::ComputeObjectives(s);
  } catch (const iorec::core::InputError&) {
  }
  return 0;
}

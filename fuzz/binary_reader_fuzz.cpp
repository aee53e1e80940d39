// libFuzzer target: binary Darshan log reader (every format and module version), summaries,
// darshan-parser --total/--perf output, Lustre layouts and features.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "iorec/core/error.hpp"
#include "iorec/darshan/features.hpp"
#include "iorec/darshan/log.hpp"
#include "iorec/darshan/summary.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const unsigned char> bytes(data, size);
  try {
    iorec::darshan::Log log = iorec::darshan::ParseLog(bytes, "fuzz.darshan");
    iorec::darshan::LogSummary s = iorec::darshan::Summarize(log);
    (void)iorec::darshan::ToWorkloadJson(iorec::darshan::ComputeFeatures(s));
  } catch (const iorec::core::InputError&) {
  }
  try {  // streaming path used by `iorec features` and `iorec darshan`
    iorec::darshan::LogSummary s = iorec::darshan::SummarizeLogBytes(bytes, "fuzz.darshan");
    std::string stopped;
    (void)iorec::darshan::FormatParserTotals(s, false, &stopped);
    (void)iorec::darshan::FormatParserPerf(s, true, &stopped);
    iorec::darshan::FeatureOptions strict;
    strict.strict = true;
    (void)iorec::darshan::ToWorkloadCsvRow(iorec::darshan::ComputeFeatures(s, strict));
  } catch (const iorec::core::InputError&) {
  }
  try {
    (void)iorec::darshan::ComputeObjectives(
        iorec::darshan::SummarizeLogBytes(bytes, "fuzz.darshan"));
  } catch (const iorec::core::InputError&) {
  }
  return 0;
}

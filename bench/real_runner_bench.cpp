// What the real runner adds to a trial after the benchmark ran: reading the trial's Darshan
// log, picking the metric and writing fidelity.json (RealRunner::Finish without the process).
//   ./real_runner_bench
#include <benchmark/benchmark.h>

#include <filesystem>

#include "iorec/darshan/summary.hpp"
#include "iorec/runner/fidelity.hpp"
#include "iorec/runner/real_runner.hpp"

namespace {

using namespace iorec;
namespace fs = std::filesystem;

void BM_RealTrialLogReading(benchmark::State& state) {
  const fs::path log = fs::path(IOREC_SOURCE_DIR) / "tests/data/darshan/combined.darshan";
  const fs::path out = fs::temp_directory_path() / "iorec_real_runner_bench_fidelity.json";
  space::Workload w{"w", std::vector<double>(35, 0.5), "", {}};
  std::vector<std::string> names;
  for (int i = 0; i < 35; ++i) names.push_back("pct_f" + std::to_string(i));
  for (auto _ : state) {
    const darshan::LogSummary s = darshan::ReadAnyLog(log);
    const runner::PickedMetric m =
        runner::PickMetric(s, "POSIX_agg_perf_by_slowest", "bytes_over_f_time", "posix");
    runner::WriteFidelity(out, s, m.column, "posix", &w, names);
    benchmark::DoNotOptimize(m.reading.value);
  }
  fs::remove(out);
}
BENCHMARK(BM_RealTrialLogReading)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();

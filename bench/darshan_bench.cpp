// Darshan reader benchmark: parse + summarize + features on a generated ~88 MB log with
// 1M POSIX records (one zlib stream, 704 MB decompressed). Throughput is over the file size,
// per CPU second (bytes_per_second is in MiB/s). Reports throughput over the file size and peak
// RSS (process-wide: run one benchmark per process with --benchmark_filter for a clean peak).
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bit>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "../tests/darshan/log_encoder.hpp"
#include "iorec/darshan/features.hpp"
#include "iorec/darshan/log.hpp"
#include "iorec/darshan/summary.hpp"

namespace {

constexpr size_t kRecords = 1000000;
constexpr int64_t kNprocs = 1024;

std::string BenchLogPath() {
  return (std::filesystem::temp_directory_path() / "iorec_darshan_bench_1M.darshan").string();
}

/// Builds the log in a child process so its memory does not count toward our peak RSS.
void EnsureBenchLog(const std::string& path) {
  if (std::filesystem::exists(path)) return;
  pid_t pid = fork();
  if (pid == 0) {
    using iorec::darshan::testing::EncLog;
    using iorec::darshan::testing::Encoder;
    const auto* cn = iorec::darshan::CounterNames(1, 4);
    const auto* fn = iorec::darshan::FCounterNames(1, 4);
    const size_t rec_bytes = 16 + 8 * (cn->size() + fn->size());
    std::string raw;
    raw.reserve(kRecords * rec_bytes);
    std::mt19937_64 rng(42);
    for (size_t i = 0; i < kRecords; ++i) {
      std::string rec(rec_bytes, '\0');
      auto put = [&](size_t slot, uint64_t v) { std::memcpy(rec.data() + 8 * slot, &v, 8); };
      put(0, rng());                                     // record id
      put(1, i % 16 == 0 ? uint64_t(-1) : i % kNprocs);  // rank (some shared)
      // A realistic mix: a few high-entropy counters (bytes, offsets, timers), most small or
      // zero. Tuned so the zlib log is ~100 bytes per record.
      for (size_t c = 0; c < cn->size(); ++c) {
        uint64_t v = 0;
        if (c < 7 || (c >= 28 && c < 32)) v = rng() % 64;  // op counts, size bins
        if (c == 14 || c == 16) v = rng() >> 40;           // bytes read, max byte read
        put(2 + c, v);
      }
      for (size_t f = 0; f < fn->size(); ++f) {
        double d = f < 8 || f >= 13 ? 0.0 : static_cast<double>(rng() % 100000) / 1000.0;
        put(2 + cn->size() + f, std::bit_cast<uint64_t>(d));
      }
      raw += rec;
    }
    EncLog L;
    L.nprocs = kNprocs;
    L.zlib_level = 1;
    L.raw_modules[1] = std::move(raw);
    std::string bytes = Encoder::Encode(L);
    std::ofstream(path, std::ios::binary) << bytes;
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
}

void ReportCounters(benchmark::State& state, double file_bytes, size_t records) {
  const double decompressed = static_cast<double>(records) * (16 + 8 * (69 + 17));
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  const double peak = static_cast<double>(ru.ru_maxrss) * 1024.0;
  state.SetBytesProcessed(static_cast<int64_t>(file_bytes) * state.iterations());
  state.counters["records"] = static_cast<double>(records);
  state.counters["file_MB"] = file_bytes / 1e6;
  state.counters["region_MB"] = decompressed / 1e6;
  state.counters["peak_rss_MB"] = peak / 1e6;
  state.counters["peak_over_region"] = peak / decompressed;
}

size_t StreamingFeatures(const std::string& path) {
  iorec::darshan::LogSummary s = iorec::darshan::ReadAnyLog(path);
  auto f = iorec::darshan::ComputeFeatures(s);
  benchmark::DoNotOptimize(f);
  return static_cast<size_t>(s.Module("POSIX")->num_records);
}

/// The `iorec features` path: streaming decode + aggregation, records are not stored. Steady
/// state of a reader going through many logs: one untimed log first, so the thread's
/// decompression buffer is already mapped (as for every log after the first in a batch).
void BM_DarshanFeaturesStreaming(benchmark::State& state) {
  const std::string path = BenchLogPath();
  EnsureBenchLog(path);
  const double file_bytes = static_cast<double>(std::filesystem::file_size(path));
  size_t records = StreamingFeatures(path);
  for (auto _ : state) records = StreamingFeatures(path);
  ReportCounters(state, file_bytes, records);
}
BENCHMARK(BM_DarshanFeaturesStreaming)->Unit(benchmark::kMillisecond)->Iterations(3);

/// The same for the first log a process reads: each iteration runs on a new thread, whose
/// decompression buffer must be faulted in (wall time; the work is on that thread).
void BM_DarshanFeaturesStreamingCold(benchmark::State& state) {
  const std::string path = BenchLogPath();
  EnsureBenchLog(path);
  const double file_bytes = static_cast<double>(std::filesystem::file_size(path));
  size_t records = 0;
  for (auto _ : state) std::thread([&] { records = StreamingFeatures(path); }).join();
  ReportCounters(state, file_bytes, records);
}
BENCHMARK(BM_DarshanFeaturesStreamingCold)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

/// Full decode into Log (all records kept), then summary + features.
void BM_DarshanParseAllRecordsAndFeatures(benchmark::State& state) {
  const std::string path = BenchLogPath();
  EnsureBenchLog(path);
  const double file_bytes = static_cast<double>(std::filesystem::file_size(path));
  size_t records = 0;
  for (auto _ : state) {
    iorec::darshan::Log log = iorec::darshan::ReadLog(path);
    records = log.Module(iorec::darshan::ModuleId::kPosix)->size();
    iorec::darshan::LogSummary s = iorec::darshan::Summarize(log);
    auto f = iorec::darshan::ComputeFeatures(s);
    benchmark::DoNotOptimize(f);
  }
  ReportCounters(state, file_bytes, records);
}
BENCHMARK(BM_DarshanParseAllRecordsAndFeatures)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();

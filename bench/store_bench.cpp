// Study store speed: committing one trial (the per-trial overhead a study pays) and
// `status` on a 100,000-trial study.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <sqlite3.h>

#include <cmath>
#include <filesystem>

#include "iorec/store/sqlite_store.hpp"

namespace fs = std::filesystem;
using namespace iorec;

namespace {

fs::path TempDir(const std::string& name) {
  const fs::path d =
      fs::temp_directory_path() / ("iorec_store_bench_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

space::WorkloadSet Workloads(size_t n) {
  space::WorkloadSet ws;
  ws.feature_names = {"pct_a", "pct_b", "nprocs"};
  for (size_t i = 0; i < n; ++i) {
    ws.workloads.push_back(
        {"w" + std::to_string(i), {0.1 * static_cast<double>(i % 10), 0.5, 64}, "", {}});
  }
  return ws;
}

store::TrialRecord Trial(uint64_t id, uint32_t workloads) {
  store::TrialRecord t;
  t.trial_id = id;
  t.workload = static_cast<uint32_t>(id % workloads);
  t.levels = {static_cast<uint8_t>(id % 4), 1, 2, 3, 0, 1, 2, 3, 4};
  t.values_json =
      R"({"stripe_count":"4","stripe_size":"1M","osc_max_rpcs_in_flight":"8","osc_max_pages_per_rpc":"256","romio_cb_write":"enable","romio_cb_read":"enable","cb_nodes":"4","cb_buffer_size":"16777216","romio_ds_write":"disable"})";
  t.source = id % workloads == 0 ? runner::TrialSource::kBaseline : runner::TrialSource::kActive;
  t.iteration = static_cast<int>(id / 1000);
  t.batch = static_cast<int>(id / 100);
  return t;
}

std::unique_ptr<store::SqliteStore> NewStudy(const fs::path& db, uint32_t workloads) {
  auto s = store::SqliteStore::Create(db);
  store::StudyInfo info;
  info.config_yaml = "seed: 7\n";
  info.config_hash = "0";
  info.phase = "active";
  info.knob_names = {"k"};
  info.knob_values = {{"1"}};
  s->CreateStudy(info, Workloads(workloads));
  return s;
}

/// One finished trial committed in its own transaction (WAL, synchronous=FULL: fsync).
void BM_CommitOneTrial(benchmark::State& state) {
  const fs::path dir = TempDir("commit");
  auto s = NewStudy(dir / "study.db", 25);
  uint64_t id = 0;
  for (auto _ : state) {
    state.PauseTiming();
    ++id;
    s->AddPending({Trial(id, 25)});
    state.ResumeTiming();
    store::TrialRecord t = Trial(id, 25);
    t.status = store::TrialStatus::kDone;
    t.ok = true;
    t.value = 1000.0 + static_cast<double>(id);
    t.wall_seconds = 240.0;
    t.ended_at = store::NowSeconds();
    s->CommitTrial(t);
  }
  s.reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_CommitOneTrial)
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

/// Recording a 75-trial batch as pending (one transaction).
void BM_AddPendingBatch75(benchmark::State& state) {
  const fs::path dir = TempDir("pending");
  auto s = NewStudy(dir / "study.db", 25);
  uint64_t id = 0;
  for (auto _ : state) {
    std::vector<store::TrialRecord> batch;
    for (int i = 0; i < 75; ++i) batch.push_back(Trial(++id, 25));
    s->AddPending(batch);
  }
  s.reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_AddPendingBatch75)->Unit(benchmark::kMillisecond);

/// `iorec status` work (open read-only + study row + summary) on 100,000 trials.
void BM_StatusOn100kTrials(benchmark::State& state) {
  const fs::path dir = TempDir("status");
  const fs::path db = dir / "study.db";
  {
    auto s = NewStudy(db, 25);
    std::vector<store::TrialRecord> batch;
    for (uint64_t id = 1; id <= 100000; ++id) batch.push_back(Trial(id, 25));
    s->AddPending(batch);
  }
  {
    // Finish most trials in bulk (committing 98,000 trials one by one with fsync would take
    // minutes and measure nothing new): 98% done or failed, 1% running, 1% pending.
    sqlite3* raw = nullptr;
    sqlite3_open(db.c_str(), &raw);
    sqlite3_exec(raw,
                 "UPDATE trials SET status = CASE WHEN trial_id % 50 = 0 THEN 'failed' ELSE "
                 "'done' END, ok = (trial_id % 50 != 0), perf = CASE WHEN trial_id % 50 = 0 THEN "
                 "NULL ELSE 100 + trial_id % 997 END, gain = CASE WHEN trial_id % 50 = 0 THEN "
                 "NULL ELSE trial_id % 997 END, started_at = 1, ended_at = 2, attempts = 1 "
                 "WHERE trial_id <= 98000;"
                 "UPDATE trials SET status = 'running', started_at = 3, attempts = 1 "
                 "WHERE trial_id > 98000 AND trial_id <= 99000;",
                 nullptr, nullptr, nullptr);
    sqlite3_close(raw);
  }
  for (auto _ : state) {
    auto s = store::SqliteStore::Open(db, store::SqliteStore::Mode::kReadOnly, false);
    auto info = s->Study();
    auto sum = s->Summary();
    benchmark::DoNotOptimize(info);
    benchmark::DoNotOptimize(sum);
    if (sum.total != 100000) state.SkipWithError("wrong total");
  }
  fs::remove_all(dir);
}
BENCHMARK(BM_StatusOn100kTrials)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

// Unit tests of the study store: SQLite and memory stores, the recording executor
// (resume by replay), lock, schema and corruption checks, canonical config YAML.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/temp_dir.hpp"
#include "iorec/config/study_config.hpp"
#include "iorec/core/error.hpp"
#include "iorec/loop/study.hpp"
#include "iorec/runner/stub_testbed.hpp"
#include "iorec/store/recorder.hpp"
#include "iorec/store/session.hpp"
#include "iorec/store/sqlite_store.hpp"

namespace fs = std::filesystem;
using namespace iorec;

namespace {

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr const char* kConfig =
    "seed: 5\n"
    "parameters:\n"
    "  - {name: stripe_count, values: [1, 2, 4, 8], is_ordered: true}\n"
    "  - {name: stripe_size, values: [\"64K\", \"1M\", \"4M\"], is_ordered: true}\n"
    "  - {name: num_aggregators, values: [1, 2, 4, 8], is_ordered: true}\n"
    "baseline: {stripe_count: 1, stripe_size: \"1M\"}\n"
    "data: {n_patterns: 3, n_features: 5}\n"
    "warm_start: {target_size: 10}\n"
    "model: {mode: ranking, relevance_levels: 4, num_rounds: 10, max_depth: 3}\n"
    "active: {ensemble_size: 2, iterations: 2, batch_per_iter: 2, oracle_mode: warm_only,\n"
    "         replicate_top_n: 1, replicate_repeats: 1}\n"
    "deploy: {topk_per_pattern: 5, knn_neighbors: 2, return_top_k: 3}\n"
    "runner: {mode: stub, noise_std: 0.02}\n";

class StoreTest : public ::testing::Test {
 protected:
  iorec::test_support::TempDir tmp_;
  const fs::path dir_ = tmp_.path();
};

space::WorkloadSet TwoWorkloads() {
  space::WorkloadSet ws;
  ws.feature_names = {"pct_a", "nprocs"};
  ws.workloads.push_back({"w0", {0.25, 16}, "w0.json", {{"io_api", "posix"}}});
  ws.workloads.push_back({"w1", {0.5, 0.1 + 0.2}, "", {}});
  return ws;
}

/// A study row with knobs k0 (1, 2) and k1 (64K, 1M, 4M).
store::StudyInfo TwoKnobStudy() {
  store::StudyInfo info;
  info.config_yaml = "seed: 1\n";
  info.config_hash = "abc";
  info.config_path = "/x/c.yaml";
  info.seed = 1;
  info.iorec_version = "t";
  info.runner = "stub";
  info.knob_names = {"k0", "k1"};
  info.knob_values = {{"1", "2"}, {"64K", "1M", "4M"}};
  info.phase = "created";
  return info;
}

store::TrialRecord Trial(uint64_t id, uint32_t w, std::vector<uint8_t> levels) {
  store::TrialRecord t;
  t.trial_id = id;
  t.workload = w;
  t.levels = std::move(levels);
  t.values_json = "{}";
  t.source = runner::TrialSource::kWarm;
  return t;
}

TEST_F(StoreTest, SqliteRoundTripAndSummary) {
  const fs::path db = dir_ / "study.db";
  {
    auto s = store::SqliteStore::Create(db);
    EXPECT_FALSE(s->Study().has_value());
    s->CreateStudy(TwoKnobStudy(), TwoWorkloads());
    auto base = Trial(1, 0, {0, 1});
    base.source = runner::TrialSource::kBaseline;
    s->AddPending({base, Trial(2, 0, {1, 2}), Trial(3, 1, {0, 0})});
    s->MarkRunning({1, 2}, 100.0);
    auto t1 = Trial(1, 0, {0, 1});
    t1.source = runner::TrialSource::kBaseline;
    t1.status = store::TrialStatus::kDone;
    t1.ok = true;
    t1.value = 123.456789012345678;
    t1.ended_at = 101.0;
    s->CommitTrial(t1);
    auto t2 = Trial(2, 0, {1, 2});
    t2.status = store::TrialStatus::kFailed;
    t2.value = std::numeric_limits<double>::quiet_NaN();
    t2.failure_reason = "timeout";
    s->CommitTrial(t2);
    s->PutDerived({{1, 0.0}}, {store::HistoryRow{0, 2, 0.1, 0.2, 0.3, 0.4, "{}"}});
    EXPECT_THROW(s->CommitTrial(Trial(99, 0, {0, 0})), core::Error);
  }
  auto s = store::SqliteStore::Open(db, store::SqliteStore::Mode::kReadOnly);
  const auto info = s->Study();
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->knob_values[1][2], "4M");
  const auto ws = s->Workloads();
  ASSERT_EQ(ws.size(), 2u);
  EXPECT_EQ(ws.workloads[1].features[1], 0.1 + 0.2);  // doubles survive bit for bit
  EXPECT_EQ(ws.workloads[0].attributes.at("io_api"), "posix");
  const auto trials = s->Trials();
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[0].value, 123.456789012345678);
  EXPECT_EQ(trials[0].attempts, 1);
  EXPECT_EQ(trials[0].started_at, 100.0);
  EXPECT_TRUE(std::isnan(trials[1].value));
  EXPECT_EQ(trials[1].failure_reason, "timeout");
  EXPECT_EQ(trials[2].status, store::TrialStatus::kPending);
  const auto sum = s->Summary();
  EXPECT_EQ(sum.total, 3u);
  EXPECT_EQ(sum.done, 1u);
  EXPECT_EQ(sum.failed, 1u);
  EXPECT_EQ(sum.pending, 1u);
  EXPECT_EQ(sum.workloads[0].best_perf.value(), 123.456789012345678);
  EXPECT_EQ(sum.workloads[0].baseline_perf.value(), 123.456789012345678);
  EXPECT_EQ(sum.last_history_iteration, 0);
  // The memory store summarizes the same way.
  const auto mem = store::SummarizeTrials(trials, ws, s->History());
  EXPECT_EQ(mem.done, sum.done);
  EXPECT_EQ(mem.workloads[0].best_gain, sum.workloads[0].best_gain);
  // Read-only handles refuse writes.
  EXPECT_THROW(s->SetPhase("x", 1.0), core::Error);
}

TEST_F(StoreTest, RefusesUnknownSchemaVersionWithoutModifying) {
  const fs::path db = dir_ / "study.db";
  store::SqliteStore::Create(db).reset();
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  const std::string before = Slurp(db);
  try {
    store::SqliteStore::Open(db, store::SqliteStore::Mode::kReadWrite);
    FAIL() << "expected InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 99"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(db.string()), std::string::npos);
  }
  EXPECT_TRUE(Slurp(db) == before);
}

// Issue 15 item 7: `perf = 'abc'` written into the store read back as 0.
TEST_F(StoreTest, ANumberChangedToTextOutsideIorecIsRefusedNamingTheColumn) {
  const fs::path db = dir_ / "study.db";
  {
    auto s = store::SqliteStore::Create(db);
    s->CreateStudy(TwoKnobStudy(), TwoWorkloads());
    auto t = Trial(1, 0, {0, 1});
    s->AddPending({t});
    t.status = store::TrialStatus::kDone;
    t.ok = true;
    t.value = 42.0;
    s->CommitTrial(t);
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "UPDATE trials SET perf = 'abc'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  auto s = store::SqliteStore::Open(db, store::SqliteStore::Mode::kReadOnly);
  try {
    s->Trials();
    FAIL() << "expected InputError";
  } catch (const core::InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              db.string() +
                  ": column 'perf' holds 'abc', not a number: the study database was changed "
                  "outside iorec. It was not modified; restore it, or move it aside with `iorec "
                  "run --restart`");
  }
}

TEST_F(StoreTest, RefusesGarbageAndTruncatedFiles) {
  const fs::path garbage = dir_ / "garbage.db";
  std::ofstream(garbage) << std::string(8192, 'x');
  EXPECT_THROW(store::SqliteStore::Open(garbage, store::SqliteStore::Mode::kReadWrite),
               core::InputError);
  EXPECT_EQ(Slurp(garbage), std::string(8192, 'x'));

  const fs::path db = dir_ / "study.db";
  {
    auto s = store::SqliteStore::Create(db);
    std::vector<store::TrialRecord> many;
    for (uint64_t i = 1; i <= 3000; ++i) many.push_back(Trial(i, 0, {1, 2, 3}));
    store::StudyInfo info;
    info.phase = "created";
    s->CreateStudy(info, TwoWorkloads());
    s->AddPending(many);
  }
  const std::string full = Slurp(db);
  ASSERT_GT(full.size(), 40000u);
  const std::string cut = full.substr(0, full.size() / 2);
  std::ofstream(db, std::ios::binary | std::ios::trunc) << cut;
  EXPECT_THROW(store::SqliteStore::Open(db, store::SqliteStore::Mode::kReadWrite),
               core::InputError);
  EXPECT_TRUE(Slurp(db) == cut);
}

TEST_F(StoreTest, LockRefusesASecondProcess) {
  auto lock = store::DirLock::Acquire(dir_);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    try {
      store::DirLock::Acquire(dir_);
      ::_exit(0);  // wrongly acquired
    } catch (const core::InputError& e) {
      ::_exit(std::string(e.what()).find("another iorec process") != std::string::npos ? 3 : 4);
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
}

TEST_F(StoreTest, WriteFailureIsReportedWithThePathAndCommittedTrialsSurvive) {
  // A file-size limit makes the disk "full" for the child process.
  const fs::path db = dir_ / "study.db";
  {
    auto s = store::SqliteStore::Create(db);
    store::StudyInfo info;
    info.phase = "created";
    s->CreateStudy(info, TwoWorkloads());
  }
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipefd[0]);
    std::signal(SIGXFSZ, SIG_IGN);
    auto s = store::SqliteStore::Open(db, store::SqliteStore::Mode::kReadWrite);
    rlimit lim{};
    lim.rlim_cur = lim.rlim_max = 1024 * 1024;
    ::setrlimit(RLIMIT_FSIZE, &lim);
    uint64_t committed = 0;
    try {
      for (uint64_t id = 1; id <= 100000; ++id) {
        auto t = Trial(id, 0, std::vector<uint8_t>(9, 1));
        t.failure_reason = std::string(2000, 'x');  // fill the disk quickly
        s->AddPending({t});
        t.status = store::TrialStatus::kFailed;
        s->CommitTrial(t);
        committed = id;
      }
      ::_exit(5);
    } catch (const core::Error& e) {
      const std::string msg = std::to_string(committed) + "\n" + e.what();
      (void)!::write(pipefd[1], msg.data(), msg.size());
      ::_exit(3);
    }
  }
  ::close(pipefd[1]);
  std::string msg;
  char buf[512];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) msg.append(buf, static_cast<size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 3) << msg;
  EXPECT_NE(msg.find(db.string()), std::string::npos) << msg;
  const uint64_t committed = std::stoull(msg.substr(0, msg.find('\n')));
  ASSERT_GT(committed, 5u);
  auto s = store::SqliteStore::Open(db, store::SqliteStore::Mode::kReadWrite);
  const auto sum = s->Summary();
  EXPECT_GE(sum.failed, committed);  // the last committed trial survived
  EXPECT_LE(sum.failed, committed + 1);
}

TEST(CanonicalYamlTest, OrderAndStyleInsensitiveQuotingSensitive) {
  const auto a = config::CanonicalYaml("b: 1\na: {y: [1, \"2\"], x: z}  # comment\n", "a");
  const auto b = config::CanonicalYaml("a:\n  x: z\n  y:\n    - 1\n    - \"2\"\nb: 1\n", "b");
  EXPECT_EQ(a, b);
  EXPECT_EQ(config::ConfigHash(a), config::ConfigHash(b));
  const auto c = config::CanonicalYaml("b: 1\na: {y: [1, 2], x: z}\n", "c");
  EXPECT_NE(a, c);
  const auto diff = config::DiffCanonicalYaml(a, config::CanonicalYaml("a: {x: w, q: 1}\n", "d"));
  ASSERT_EQ(diff.size(), 5u);
  EXPECT_EQ(diff[0], "a.x: z -> w");
  EXPECT_THROW(config::CanonicalYaml("a: [1,\n", "bad.yaml"), core::InputError);
}

TEST(CanonicalYamlTest, CanonicalTextParsesToTheSameStudy) {
  const auto canonical = config::CanonicalYaml(kConfig, "c.yaml");
  const auto a = config::ParseStudyConfig(kConfig, "c.yaml");
  const auto b = config::ParseStudyConfig(canonical, "c.yaml");
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.baseline, b.baseline);
  ASSERT_EQ(a.space.num_knobs(), b.space.num_knobs());
  for (size_t k = 0; k < a.space.num_knobs(); ++k) {
    ASSERT_EQ(a.space.levels(k), b.space.levels(k));
    for (size_t l = 0; l < a.space.levels(k); ++l) {
      EXPECT_TRUE(a.space.knobs()[k].values[l] == b.space.knobs()[k].values[l]);
    }
  }
  EXPECT_EQ(config::CanonicalYaml(canonical, "c2"), canonical);  // idempotent
}

/// Runs the stub and throws after `crash_after` trials, like a killed process.
class CrashingExecutor final : public runner::Executor {
 public:
  CrashingExecutor(runner::Runner& r, long crash_after) : runner_(r), left_(crash_after) {}
  using Executor::RunBatch;
  std::vector<runner::TrialOutcome> RunBatch(const std::vector<runner::TrialRequest>& batch,
                                             const runner::TrialDoneFn& on_done) override {
    std::vector<runner::TrialOutcome> out;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (left_ == 0) throw std::runtime_error("crash");
      --left_;
      ++runs;
      out.push_back(runner_.Run(batch[i]));
      if (on_done) on_done(i, out.back());
    }
    return out;
  }
  size_t runs = 0;

 private:
  runner::Runner& runner_;
  long left_;
};

struct StudyRun {
  loop::StudyResult res;
  size_t runs = 0;
};

StudyRun RunWith(store::Store& s, long crash_after) {
  const auto cfg = config::ParseStudyConfig(kConfig, "c.yaml");
  const auto ws = config::LoadWorkloads(cfg);
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, cfg.runner.noise_std);
  CrashingExecutor inner(stub, crash_after);
  store::StoreExecutor exec(s, cfg.space, &inner);
  store::StoreObserver obs(s);
  StudyRun r;
  r.res = loop::RunStudy(cfg, ws, exec, nullptr, {&obs});
  r.runs = inner.runs;
  return r;
}

TEST(StoreExecutorTest, ResumeReplaysStoredTrialsAndGivesTheSameStudy) {
  store::MemoryStore clean_store;
  const StudyRun clean = RunWith(clean_store, -1);
  const size_t total = clean.res.state.trials().size();
  ASSERT_GT(total, 40u);
  EXPECT_EQ(clean.runs, total);
  for (long n : {0L, 7L, static_cast<long>(total) / 2, static_cast<long>(total) - 1}) {
    store::MemoryStore s;
    EXPECT_ANY_THROW(RunWith(s, n));
    EXPECT_EQ(s.commits(), static_cast<size_t>(n));
    const StudyRun resumed = RunWith(s, -1);
    EXPECT_EQ(resumed.runs, total - static_cast<size_t>(n)) << "crash after " << n;
    ASSERT_EQ(resumed.res.state.trials().size(), total);
    for (size_t i = 0; i < total; ++i) {
      EXPECT_EQ(resumed.res.state.trials()[i].perf.value, clean.res.state.trials()[i].perf.value);
      EXPECT_EQ(resumed.res.state.trials()[i].config, clean.res.state.trials()[i].config);
    }
    ASSERT_EQ(resumed.res.history.size(), clean.res.history.size());
    EXPECT_EQ(resumed.res.history.back().regret_at_3, clean.res.history.back().regret_at_3);
    EXPECT_EQ(s.Summary().done + s.Summary().failed, total);
    EXPECT_EQ(s.History().size(), clean.res.history.size());
  }
  // A complete store replays without running anything.
  const StudyRun again = RunWith(clean_store, 0);
  EXPECT_EQ(again.runs, 0u);
  EXPECT_EQ(clean_store.commits(), total);
}

TEST(StoreExecutorTest, RefusesAStoreThatDisagreesAndReportsIncompleteStudies) {
  const auto cfg = config::ParseStudyConfig(kConfig, "c.yaml");
  const auto ws = config::LoadWorkloads(cfg);
  store::MemoryStore s;
  auto t = Trial(1, 0, {3, 0, 0});  // not the baseline the replay asks for
  t.levels.resize(cfg.space.num_knobs());
  s.AddPending({t});
  store::StoreExecutor exec(s, cfg.space, nullptr);
  EXPECT_THROW(loop::RunStudy(cfg, ws, exec, nullptr, {}), core::Error);

  store::MemoryStore empty;
  store::StoreExecutor replay_only(empty, cfg.space, nullptr);
  try {
    loop::RunStudy(cfg, ws, replay_only, nullptr, {});
    FAIL();
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("incomplete"), std::string::npos);
  }
}

TEST(StoreExecutorTest, AnExternalDriverTellsPendingTrialsAndTheReplayGoesOn) {
  const auto cfg = config::ParseStudyConfig(kConfig, "c.yaml");
  const auto ws = config::LoadWorkloads(cfg);
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, cfg.runner.noise_std);
  store::MemoryStore s;
  // Replays until trials wait for results; an external driver tells them; again.
  auto drive = [&]() -> std::vector<store::TrialRecord> {
    store::StoreExecutor exec(s, cfg.space, store::Unfinished::kLeavePending);
    try {
      loop::RunStudy(cfg, ws, exec, nullptr, {});
    } catch (const store::TrialsPending& p) {
      return p.trials();
    }
    return {};
  };
  auto first = drive();
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first.front().trial_id, 1u);
  EXPECT_EQ(s.Summary().pending, first.size());
  EXPECT_EQ(drive().size(), first.size());  // not told yet: the same trials again
  size_t batches = 0, told = 0;
  for (auto pending = first; !pending.empty(); pending = drive(), ++batches) {
    for (const auto& t : pending) {
      runner::TrialRequest r;
      r.workload_index = t.workload;
      r.workload = &ws.workloads[t.workload];
      r.config = space::Config(t.levels);
      r.replicate = t.replicate;
      store::TellTrial(s, t.trial_id, stub.Run(r));
      ++told;
    }
    runner::TrialOutcome again;
    again.ok = true;
    again.value = 1.0;
    EXPECT_THROW(store::TellTrial(s, pending.front().trial_id, again), core::InputError);
  }
  EXPECT_GT(batches, 2u);
  EXPECT_THROW(store::TellTrial(s, 99999, runner::TrialOutcome{}), core::InputError);
  // The told study equals one run by the executor directly.
  store::MemoryStore direct;
  const StudyRun clean = RunWith(direct, -1);
  EXPECT_EQ(told, clean.res.state.trials().size());
  store::StoreExecutor replay(s, cfg.space, nullptr);
  const auto res = loop::RunStudy(cfg, ws, replay, nullptr, {});
  ASSERT_EQ(res.state.trials().size(), clean.res.state.trials().size());
  for (size_t i = 0; i < res.state.trials().size(); ++i) {
    EXPECT_EQ(res.state.trials()[i].config, clean.res.state.trials()[i].config);
    EXPECT_EQ(res.state.trials()[i].perf.value, clean.res.state.trials()[i].perf.value);
  }
}

TEST_F(StoreTest, SqliteStoreResumesLikeTheMemoryStore) {
  store::MemoryStore mem;
  const StudyRun clean = RunWith(mem, -1);
  const fs::path db = dir_ / "study.db";
  {
    auto s = store::SqliteStore::Create(db);
    store::StudyInfo info;
    info.phase = "created";
    s->CreateStudy(info, config::LoadWorkloads(config::ParseStudyConfig(kConfig, "c.yaml")));
    EXPECT_ANY_THROW(RunWith(*s, 20));
  }
  auto s = store::SqliteStore::Open(db, store::SqliteStore::Mode::kReadWrite);
  EXPECT_EQ(s->Summary().done + s->Summary().failed, 20u);
  EXPECT_GT(s->Summary().running + s->Summary().pending, 0u);
  const StudyRun resumed = RunWith(*s, -1);
  EXPECT_EQ(resumed.runs, clean.res.state.trials().size() - 20);
  EXPECT_EQ(resumed.res.matrix.top.size(), clean.res.matrix.top.size());
  EXPECT_EQ(s->Summary().pending + s->Summary().running, 0u);
  EXPECT_EQ(s->WarmStart().size(), clean.res.warm.configs.size());
}

}  // namespace

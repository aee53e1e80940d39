// The store's onboarding tables (`iorec onboard`): workloads and their trials round-trip in
// SQLite and in memory alike, budgets update in place, trials share the study's id space for
// `iorec tell`, and a version-2 database is read and upgraded when written.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <memory>

#include "common/temp_dir.hpp"
#include "iorec/core/error.hpp"
#include "iorec/store/session.hpp"
#include "iorec/store/sqlite_store.hpp"

namespace iorec::store {
namespace {

namespace fs = std::filesystem;

space::WorkloadSet Workloads() {
  space::WorkloadSet ws;
  ws.feature_names = {"pct_a", "nprocs"};
  ws.workloads.push_back({"top1_101", {0.5, 4}, "", {}});
  return ws;
}

OnboardWorkloadRecord NewWorkload(uint32_t idx, const std::string& id, int budget) {
  OnboardWorkloadRecord r;
  r.idx = idx;
  r.workload = {id, {0.125 * (idx + 1), 64}, "/data/" + id + ".json", {{"jobid", "7"}}};
  r.budget = budget;
  r.added_at = 100.0 + idx;
  return r;
}

OnboardTrialRecord NewTrial(uint64_t id, uint32_t workload, int round, const std::string& pick) {
  OnboardTrialRecord t;
  t.run.trial_id = id;
  t.run.workload = workload;
  t.run.iteration = round;
  t.run.levels = {static_cast<uint8_t>(round), 1};
  t.run.values_json = "{\"a\":\"1\"}";
  t.run.source = pick == "baseline" ? runner::TrialSource::kBaseline : runner::TrialSource::kActive;
  t.pick = pick;
  return t;
}

runner::TrialOutcome Measured(double value) {
  runner::TrialOutcome o;
  o.ok = true;
  o.value = value;
  return o;
}

runner::TrialOutcome Failed(const std::string& reason) {
  runner::TrialOutcome o;
  o.failure_reason = reason;
  return o;
}

/// Exercises one store; returns nothing, checks everything.
void RoundTrip(Store& s) {
  EXPECT_TRUE(s.OnboardWorkloads().empty());
  s.PutOnboardWorkloads({NewWorkload(0, "new1", 5), NewWorkload(1, "new2", 5)});
  s.PutOnboardWorkloads({NewWorkload(0, "new1", 9)});  // a larger budget
  const auto ws = s.OnboardWorkloads();
  ASSERT_EQ(ws.size(), 2u);
  EXPECT_EQ(ws[0].budget, 9);
  EXPECT_EQ(ws[1].workload.id, "new2");
  EXPECT_EQ(ws[1].workload.features, (std::vector<double>{0.25, 64}));
  EXPECT_EQ(ws[1].workload.source_file, "/data/new2.json");
  EXPECT_EQ(ws[1].workload.attributes.at("jobid"), "7");
  EXPECT_DOUBLE_EQ(ws[1].added_at, 101.0);

  s.AddOnboardPending({NewTrial(10, 0, 0, "baseline"), NewTrial(11, 1, 0, "baseline")});
  s.AddOnboardPending({NewTrial(10, 0, 0, "baseline")});  // already there: left alone
  s.MarkOnboardRunning({10, 11}, 50.0);
  TrialRecord done = NewTrial(10, 0, 0, "baseline").run;
  done.status = TrialStatus::kDone;
  done.ok = true;
  done.value = 123.5;
  done.ended_at = 60.0;
  s.CommitOnboardTrial(done);
  TellTrial(s, 11, Failed("out of memory"));
  EXPECT_THROW(TellTrial(s, 11, Measured(1.0)), core::InputError);
  EXPECT_THROW(TellTrial(s, 99, Measured(1.0)), core::InputError);

  const auto ts = s.OnboardTrials();
  ASSERT_EQ(ts.size(), 2u);
  EXPECT_EQ(ts[0].run.status, TrialStatus::kDone);
  EXPECT_DOUBLE_EQ(ts[0].run.value, 123.5);
  EXPECT_DOUBLE_EQ(ts[0].run.started_at, 50.0);
  EXPECT_EQ(ts[0].run.attempts, 1);
  EXPECT_EQ(ts[0].pick, "baseline");
  EXPECT_EQ(ts[0].run.source, runner::TrialSource::kBaseline);
  EXPECT_EQ(ts[0].run.levels, (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(ts[1].run.status, TrialStatus::kFailed);
  EXPECT_FALSE(ts[1].run.ok);
  EXPECT_EQ(ts[1].run.failure_reason, "out of memory");
  EXPECT_TRUE(s.Trials().empty());  // the study's own trials are apart
}

TEST(OnboardStoreTest, SqliteRoundTrip) {
  test_support::TempDir tmp;
  auto s = SqliteStore::Create(tmp.path() / "study.db");
  s->CreateStudy(StudyInfo{}, Workloads());
  RoundTrip(*s);
  s.reset();
  auto ro = SqliteStore::Open(tmp.path() / "study.db", SqliteStore::Mode::kReadOnly);
  EXPECT_EQ(ro->OnboardTrials().size(), 2u);
  EXPECT_THROW(ro->CommitOnboardTrial(NewTrial(12, 0, 1, "transfer").run), core::Error);
}

TEST(OnboardStoreTest, MemoryRoundTrip) {
  MemoryStore m;
  m.CreateStudy(StudyInfo{}, Workloads());
  RoundTrip(m);
}

TEST(OnboardStoreTest, AVersionTwoDatabaseIsReadAndUpgradedWhenWritten) {
  test_support::TempDir tmp;
  const fs::path db = tmp.path() / "study.db";
  SqliteStore::Create(db)->CreateStudy(StudyInfo{}, Workloads());
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw,
                         "DROP TABLE onboard_trials; DROP TABLE onboard_workloads; "
                         "UPDATE schema_version SET version = 2",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  {
    auto ro = SqliteStore::Open(db, SqliteStore::Mode::kReadOnly);
    EXPECT_TRUE(ro->OnboardWorkloads().empty());
    EXPECT_TRUE(ro->OnboardTrials().empty());
  }
  {
    auto rw = SqliteStore::Open(db, SqliteStore::Mode::kReadWrite);
    rw->PutOnboardWorkloads({NewWorkload(0, "new1", 3)});
  }
  auto again = SqliteStore::Open(db, SqliteStore::Mode::kReadOnly);
  EXPECT_EQ(again->OnboardWorkloads().size(), 1u);
}

}  // namespace
}  // namespace iorec::store

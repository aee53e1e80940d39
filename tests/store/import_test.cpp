// `iorec import`'s pieces: the CSV layouts it reads and every problem it names, the store's
// imported table (where runs enter a study) and the upgrade of version-1 study databases.
#include "iorec/store/import.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "common/temp_dir.hpp"
#include "iorec/core/error.hpp"
#include "iorec/store/sqlite_store.hpp"

namespace iorec::store {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

space::Space TwoKnobs() {
  space::Knob a;
  a.name = "stripe_count";
  for (int v : {1, 2, 4}) a.values.push_back(space::KnobValue::Int(v, std::to_string(v)));
  space::Knob b;
  b.name = "stripe_size";
  for (const char* v : {"64K", "1M"}) b.values.push_back(space::KnobValue::String(v));
  space::Knob c;
  c.name = "ratio";
  for (const char* v : {"0.50", "2.5"}) c.values.push_back(space::KnobValue::FromText(v));
  return space::Space({a, b, c});
}

space::WorkloadSet Workloads() {
  space::WorkloadSet ws;
  ws.feature_names = {"pct_a", "nprocs"};
  ws.workloads.push_back({"top1_101", {0.5, 4}, "", {}});
  ws.workloads.push_back({"top2_20", {0.25, 8}, "", {}});
  return ws;
}

std::vector<std::string> Problems(const std::string& csv) {
  try {
    ParseImportCsv(csv, "runs.csv", TwoKnobs(), Workloads());
  } catch (const core::InputError& e) {
    return e.problems();
  }
  ADD_FAILURE() << "expected InputError for:\n" << csv;
  return {};
}

TEST(ImportCsvTest, ReadsIorecObservationsSkippingUnfinishedRuns) {
  const auto p = ParseImportCsv(
      "trial_id,workload,source,iteration,replicate,status,perf,gain,stripe_count,stripe_size,"
      "ratio,failure_reason,config_id\n"
      "1,top1_101,baseline,0,0,done,100.5,0,1,64K,0.50,,abc\n"
      "2,top2_20,warm,0,0,failed,,,4,1M,2.5,\"timeout, after 10 s\",def\n"
      "3,top2_20,active,1,0,done,2.5e2,1.5,4,1M,2.5,,ghi\r\n",
      "runs.csv", TwoKnobs(), Workloads());
  EXPECT_EQ(p.layout, "iorec");
  EXPECT_EQ(p.skipped, 1u);
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].workload, 0u);
  EXPECT_EQ(p.rows[0].config, space::Config({0, 0, 0}));
  EXPECT_DOUBLE_EQ(p.rows[0].metric, 100.5);
  EXPECT_EQ(p.rows[0].line, 2u);
  EXPECT_EQ(p.rows[1].workload, 1u);
  EXPECT_EQ(p.rows[1].config, space::Config({2, 1, 1}));
  EXPECT_DOUBLE_EQ(p.rows[1].metric, 250.0);
  EXPECT_EQ(p.rows[1].line, 4u);
}

TEST(ImportCsvTest, ReadsTheReferenceObservations) {
  // The active-sampling orchestrator's rows (pattern_id), with the Lustre client settings it
  // applied as extra columns; values as Python wrote them (2.5 for 2.50, ints in decimal).
  const auto active = ParseImportCsv(
      "timestamp,workload_key,pattern_id,workload_json,iteration,config_index,config_id,"
      "metric_key,metric,metric_fallback_mib_per_s,darshan_file,analysis_dir,stripe_count,"
      "stripe_size,ratio,osc_max_pages_per_rpc,osc_max_rpcs_in_flight,mdc_max_pages_per_rpc,"
      "mdc_max_rpcs_in_flight\n"
      "2026-03-01T10:00:00,top2_20_cap_512_nproc_8_io_posix_meta_posix_coll_none,top2_20,"
      "/x/top2_20.json,1,0,0123456789abcdef,agg_perf_by_slowest,812.25,700.0,/x/a.darshan,/x/a,"
      "2,1M,0.5,1024,8,256,8\n",
      "obs.csv", TwoKnobs(), Workloads());
  EXPECT_EQ(active.layout, "reference");
  ASSERT_EQ(active.rows.size(), 1u);
  EXPECT_EQ(active.rows[0].workload, 1u);
  EXPECT_EQ(active.rows[0].config, space::Config({1, 1, 0}));
  EXPECT_DOUBLE_EQ(active.rows[0].metric, 812.25);
  // The warm-start orchestrator's rows name the workload by its workload_key only.
  const auto warm = ParseImportCsv(
      "workload_key,iteration,config_id,metric,stripe_count,stripe_size,ratio\n"
      "top1_101_cap_512_nproc_4_io_posix_meta_posix_coll_none,1,abc,55,4,64K,2.5\n",
      "warm.csv", TwoKnobs(), Workloads());
  ASSERT_EQ(warm.rows.size(), 1u);
  EXPECT_EQ(warm.rows[0].workload, 0u);
  EXPECT_EQ(warm.rows[0].config, space::Config({2, 0, 1}));
}

TEST(ImportCsvTest, NamesFileLineColumnAndValueOfEveryProblem) {
  const auto p = Problems(
      "workload,perf,stripe_count,stripe_size,ratio\n"
      "top1_101,10,1,64K,2.5\n"
      "nosuch,10,1,64K,2.5\n"
      "top1_101,10,3,64K,2.5\n"
      "top1_101,10,1,2M,2.5\n"
      "top1_101,fast,1,64K,2.5\n"
      "top1_101,inf,1,64K,2.5\n"
      "top1_101,nan,1,64K,2.5\n"
      "top1_101,-4,1,64K,2.5\n"
      "top1_101,0,1,64K,2.5\n"
      "top1_101,,1,64K,2.5\n"
      "top1_101,10,1\n");
  EXPECT_THAT(
      p, ElementsAre(
             AllOf(HasSubstr("runs.csv:3: column 1 (workload): unknown workload 'nosuch'"),
                   HasSubstr("top1_101, top2_20")),
             "runs.csv:4: column 3 (stripe_count): value '3' is not one of knob 'stripe_count''s "
             "values [1, 2, 4]",
             "runs.csv:5: column 4 (stripe_size): value '2M' is not one of knob 'stripe_size''s "
             "values [64K, 1M]",
             "runs.csv:6: column 2 (perf): 'fast' is not a number",
             "runs.csv:7: column 2 (perf): 'inf' is not finite",
             "runs.csv:8: column 2 (perf): 'nan' is not finite",
             "runs.csv:9: column 2 (perf): '-4' is not > 0 (gains are ratios to the baseline's "
             "metric)",
             "runs.csv:10: column 2 (perf): '0' is not > 0 (gains are ratios to the baseline's "
             "metric)",
             "runs.csv:11: column 2 (perf): empty; a finished run needs its metric",
             "runs.csv:12: 3 fields, the header has 5"));
}

TEST(ImportCsvTest, HeaderProblems) {
  EXPECT_THAT(Problems("workload,perf,stripe_count,stripe_size,ratio,max_pages\n"),
              ElementsAre(AllOf(HasSubstr("runs.csv:1: column 6 'max_pages': not a knob of the "
                                          "study (its knobs: stripe_count, stripe_size, ratio)"))));
  EXPECT_THAT(Problems("workload,perf,stripe_count,ratio\n"),
              ElementsAre("runs.csv:1: no column for knob 'stripe_size'"));
  EXPECT_THAT(Problems("perf,stripe_count,stripe_size,ratio,perf\n"),
              ElementsAre("runs.csv:1: column 5 'perf' appears twice (also column 1)",
                          HasSubstr("runs.csv:1: no workload column")));
  EXPECT_THAT(Problems("workload,stripe_count,stripe_size,ratio\n"),
              ElementsAre(HasSubstr("runs.csv:1: no metric column (perf")));
  EXPECT_THAT(Problems(""), ElementsAre(HasSubstr("runs.csv: empty")));
  EXPECT_THAT(Problems("workload,perf,status,stripe_count,stripe_size,ratio\n"
                       "top1_101,,failed,1,64K,2.5\n"),
              ElementsAre(HasSubstr("runs.csv: no finished run to import (1 rows failed")));
  EXPECT_THAT(Problems("workload,perf,status,stripe_count,stripe_size,ratio\n"
                       "top1_101,5,maybe,1,64K,2.5\n"),
              ElementsAre("runs.csv:2: column 3 (status): status 'maybe' is not one of done, "
                          "failed, pending, running"));
  EXPECT_THAT(Problems("workload,perf,stripe_count,stripe_size,ratio\n\"top1_101,5,1,64K,2.5\n"),
              ElementsAre(HasSubstr("runs.csv:2: a quote is never closed"), HasSubstr("fields")));
}

TEST(ImportCsvTest, ListsAtMostTheFirstProblemsAndCountsTheRest) {
  std::string csv = "workload,perf,stripe_count,stripe_size,ratio\n";
  for (int i = 0; i < 100; ++i) csv += "top1_101,x,1,64K,2.5\n";
  const auto p = Problems(csv);
  ASSERT_EQ(p.size(), kMaxImportProblems + 1);
  EXPECT_EQ(p.back(), "... and 60 more problems");
}

class ImportStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteStore> NewStudy() {
    auto s = SqliteStore::Create(tmp_.path() / "study.db");
    StudyInfo info;
    info.config_yaml = "seed: 1\n";
    info.phase = "created";
    s->CreateStudy(info, Workloads());
    return s;
  }
  ImportedRecord Run(uint32_t w, double metric) {
    ImportedRecord r;
    r.workload = w;
    r.levels = {0, 1, 1};
    r.values_json = "{}";
    r.metric = metric;
    r.origin = "runs.csv:2";
    r.file_hash = "h";
    return r;
  }
  TrialRecord Trial(uint64_t id, int batch) {
    TrialRecord t;
    t.trial_id = id;
    t.levels = {0, 0, 0};
    t.values_json = "{}";
    t.batch = batch;
    return t;
  }
  test_support::TempDir tmp_;
};

TEST_F(ImportStoreTest, RunsEnterAfterTheBatchesRecordedWhenImported) {
  auto s = NewStudy();
  EXPECT_EQ(s->AddImported({Run(0, 10.0)}), 0);  // before the warm start
  s->AddPending({Trial(1, 0), Trial(2, 0), Trial(3, 1)});
  EXPECT_EQ(s->AddImported({Run(1, 20.0), Run(0, 30.0)}), 2);
  const auto all = s->Imported();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].seq, 1u);
  EXPECT_EQ(all[0].enters_before_batch, 0);
  EXPECT_EQ(all[2].seq, 3u);
  EXPECT_EQ(all[2].enters_before_batch, 2);
  EXPECT_EQ(all[1].levels, (std::vector<uint8_t>{0, 1, 1}));
  EXPECT_DOUBLE_EQ(all[1].metric, 20.0);
  EXPECT_EQ(s->Summary().imported, 3u);
  EXPECT_EQ(s->Summary().total, 3u);  // trials only
  // The memory store agrees.
  MemoryStore m;
  EXPECT_EQ(m.AddImported({Run(0, 1.0)}), 0);
  m.AddPending({Trial(1, 0), Trial(2, 3)});
  EXPECT_EQ(m.AddImported({Run(0, 1.0)}), 4);
  EXPECT_EQ(m.Imported().back().seq, 2u);
}

TEST_F(ImportStoreTest, AVersionOneDatabaseIsReadAndUpgradedWhenWritten) {
  const fs::path db = tmp_.path() / "study.db";
  NewStudy().reset();
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(raw,
                   "DROP TABLE imported; DROP TABLE onboard_trials; DROP TABLE onboard_workloads; "
                   "UPDATE schema_version SET version = 1",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(raw);
  {
    auto ro = SqliteStore::Open(db, SqliteStore::Mode::kReadOnly);
    EXPECT_TRUE(ro->Imported().empty());
    EXPECT_EQ(ro->Summary().imported, 0u);
  }
  {
    auto rw = SqliteStore::Open(db, SqliteStore::Mode::kReadWrite);
    EXPECT_EQ(rw->AddImported({Run(0, 5.0)}), 0);
  }
  auto again = SqliteStore::Open(db, SqliteStore::Mode::kReadOnly);
  EXPECT_EQ(again->Imported().size(), 1u);
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "SELECT version FROM schema_version", -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), kSchemaVersion);
  sqlite3_finalize(st);
  sqlite3_close(raw);
}

TEST(ImportedTrialsTest, CarryWhereTheyEnter) {
  ImportedRecord r;
  r.workload = 1;
  r.levels = {2, 0, 1};
  r.metric = 7.5;
  r.enters_before_batch = 3;
  const auto t = ToImportedTrials({r});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].workload, 1u);
  EXPECT_EQ(t[0].config, space::Config({2, 0, 1}));
  EXPECT_DOUBLE_EQ(t[0].metric, 7.5);
  EXPECT_EQ(t[0].enters_before_batch, 3);
}

}  // namespace
}  // namespace iorec::store

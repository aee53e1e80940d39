// End-to-end tests of the study store through the iorec binary: resume after injected
// crashes gives byte-identical outputs; lock; schema; tampering; corrupt DB; status,
// export and report.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "app/cli_util.hpp"
#include "common/process_util.hpp"
#include "common/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

using iorec::test_support::Slurp;
using Result = iorec::test_support::CliResult;

Result Iorec(const std::string& args, const std::string& env = "") {
  return iorec::test_support::RunShell(env + " " + std::string(IOREC_BINARY) + " " + args);
}

/// Size and hash of a file (binary files would flood a failure message).
std::string Fingerprint(const fs::path& p) {
  const std::string s = Slurp(p);
  return std::to_string(s.size()) + ":" + std::to_string(std::hash<std::string>{}(s));
}

/// study.db with its WAL: the whole stored state.
std::string DbFingerprint(const fs::path& dir) {
  return Fingerprint(dir / "study.db") + "+" + Fingerprint(dir / "study.db-wal");
}

const char* const kCompared[] = {"summary.json", "recommendation_matrix.json", "observations.csv",
                                 "model/model.json"};

class StoreCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = dir_ / "config.yaml";
    std::ofstream(cfg_) << Config(2);
  }

  static std::string Config(int iterations) {
    return "seed: 11\n"
           "parameters:\n"
           "  - {name: stripe_count, values: [1, 2, 4, 8], is_ordered: true}\n"
           "  - {name: stripe_size, values: [\"64K\", \"1M\", \"4M\"], is_ordered: true}\n"
           "  - {name: num_aggregators, values: [1, 2, 4, 8], is_ordered: true}\n"
           "baseline: {stripe_count: 1, stripe_size: \"1M\"}\n"
           "data: {n_patterns: 3, n_features: 5}\n"
           "warm_start: {target_size: 10}\n"
           "model: {mode: ranking, relevance_levels: 4, num_rounds: 10, max_depth: 3}\n"
           "active: {ensemble_size: 2, iterations: " +
           std::to_string(iterations) +
           ", batch_per_iter: 2, oracle_mode: heldout,\n"
           "         replicate_top_n: 1, replicate_repeats: 1}\n"
           "deploy: {topk_per_pattern: 5, knn_neighbors: 2, return_top_k: 3}\n"
           "runner: {mode: stub, noise_std: 0.02}\n";
  }

  Result Run(const fs::path& out, const std::string& env = "", const std::string& extra = "") {
    return Iorec("run -q --config " + cfg_.string() + " --output-dir " + out.string() + extra, env);
  }

  /// A clean, uninterrupted run (computed once per test).
  const fs::path& Clean() {
    if (clean_.empty()) {
      clean_ = dir_ / "clean";
      const auto r = Run(clean_);
      EXPECT_EQ(r.code, 0) << r.out;
    }
    return clean_;
  }

  void ExpectSameOutputs(const fs::path& a, const fs::path& b) {
    for (const char* f : kCompared) {
      EXPECT_EQ(Slurp(a / f), Slurp(b / f)) << f << " differs between " << a << " and " << b;
    }
  }

  size_t TotalTrials() {
    std::ifstream in(Clean() / "observations.csv");
    size_t lines = 0;
    std::string line;
    while (std::getline(in, line)) ++lines;
    return lines - 1;
  }

  iorec::test_support::TempDir tmp_;
  const fs::path dir_ = tmp_.path();
  fs::path cfg_, clean_;
};

TEST_F(StoreCliTest, ResumeAfterCrashAfterNTrialsIsByteIdentical) {
  const size_t total = TotalTrials();
  ASSERT_GT(total, 30u);
  for (size_t n : {size_t{0}, size_t{1}, total / 2, total}) {
    const fs::path out = dir_ / ("crash_" + std::to_string(n));
    const auto crashed = Run(out, "IOREC_FAULT_EXIT_AFTER_TRIALS=" + std::to_string(n));
    ASSERT_EQ(crashed.code, 137) << "n=" << n << ": " << crashed.out;
    EXPECT_FALSE(fs::exists(out / "summary.json"));
    const auto status = Iorec("status " + out.string());
    EXPECT_EQ(status.code, 0) << status.out;
    EXPECT_NE(status.out.find(std::to_string(n) + " done"), std::string::npos) << status.out;
    const auto resumed = Run(out);
    ASSERT_EQ(resumed.code, 0) << resumed.out;
    ExpectSameOutputs(Clean(), out);
    const auto timing = nlohmann::json::parse(Slurp(out / "timing.json"));
    EXPECT_EQ(timing["trials_run"].get<size_t>(), total - n) << "n=" << n;
    EXPECT_EQ(timing["trials_from_store"].get<size_t>(), n);
  }
}

TEST_F(StoreCliTest, ResumeAfterCrashMidBatchOrInFinalPhasesIsByteIdentical) {
  const std::vector<std::string> faults = {
      "IOREC_FAULT_EXIT_MID_BATCH=0", "IOREC_FAULT_EXIT_MID_BATCH=2",
      "IOREC_FAULT_EXIT_AT_PHASE=active", "IOREC_FAULT_EXIT_AT_PHASE=final",
      "IOREC_FAULT_EXIT_AT_PHASE=write"};
  int i = 0;
  for (const auto& env : faults) {
    const fs::path out = dir_ / ("fault_" + std::to_string(i++));
    const auto crashed = Run(out, env);
    ASSERT_EQ(crashed.code, 137) << env << ": " << crashed.out;
    // Crashing twice in a row is fine too.
    if (env.find("MID_BATCH=2") != std::string::npos) {
      ASSERT_EQ(Run(out, "IOREC_FAULT_EXIT_AFTER_TRIALS=1").code, 137);
    }
    const auto resumed = Run(out);
    ASSERT_EQ(resumed.code, 0) << env << ": " << resumed.out;
    ExpectSameOutputs(Clean(), out);
  }
}

TEST_F(StoreCliTest, StatusExportAndReport) {
  const fs::path out = Clean();
  const size_t total = TotalTrials();
  const auto status = Iorec("status " + out.string());
  ASSERT_EQ(status.code, 0) << status.out;
  EXPECT_NE(status.out.find(std::to_string(total) + " done"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("phase    complete"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("synthetic"), std::string::npos) << status.out;

  const auto csv = Iorec("export " + out.string());
  ASSERT_EQ(csv.code, 0);
  EXPECT_EQ(static_cast<size_t>(std::count(csv.out.begin(), csv.out.end(), '\n')), total + 1);
  EXPECT_EQ(csv.out.rfind("trial_id,workload,source", 0), 0u);
  const auto json = Iorec("export -q " + out.string() + " --json");
  ASSERT_EQ(json.code, 0);
  const auto arr = nlohmann::json::parse(json.out);
  ASSERT_EQ(arr.size(), total);
  EXPECT_EQ(arr[0]["source"], "baseline");
  EXPECT_EQ(arr[0]["config"]["stripe_size"], "1M");

  // report regenerates every output without running a trial.
  const std::string summary = Slurp(out / "summary.json");
  for (const char* f : kCompared) fs::remove(out / f);
  const auto report = Iorec("report " + out.string());
  ASSERT_EQ(report.code, 0) << report.out;
  EXPECT_EQ(Slurp(out / "summary.json"), summary);
  EXPECT_TRUE(fs::exists(out / "model/model.json"));

  // report on an incomplete study is an error naming what is missing.
  const fs::path part = dir_ / "part";
  ASSERT_EQ(Run(part, "IOREC_FAULT_EXIT_AFTER_TRIALS=5").code, 137);
  const auto incomplete = Iorec("report " + part.string());
  EXPECT_EQ(incomplete.code, 2);
  EXPECT_NE(incomplete.out.find("incomplete"), std::string::npos) << incomplete.out;
  EXPECT_EQ(Iorec("status " + (dir_ / "nothing").string()).code, 2);
}

TEST_F(StoreCliTest, SecondProcessIsRefusedWhileTheFirstHoldsTheLock) {
  const fs::path out = dir_ / "locked";
  const fs::path release = dir_ / "release";
  const fs::path pid_file = dir_ / "first.pid";
  // The first process holds the directory's lock from its first committed trial until
  // `release` exists (it announces that with release.held).
  const std::string cmd = "IOREC_FAULT_HOLD_UNTIL=" + release.string() + " " +
                          std::string(IOREC_BINARY) + " run -q --config " + cfg_.string() +
                          " --output-dir " + out.string() + " >/dev/null 2>&1 & echo $! > " +
                          pid_file.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  ASSERT_TRUE(iorec::test_support::WaitForFile(release.string() + ".held"));
  // Refused at once: a second process that waited for the lock would wait for the release,
  // which comes only after it returned (`timeout` bounds that hang).
  const auto second = Run(out, "timeout 120");
  EXPECT_EQ(second.code, 2) << second.out;
  EXPECT_NE(second.out.find("another iorec process"), std::string::npos) << second.out;
  // Released, the first finishes normally and its outputs are intact.
  std::ofstream(release) << "go\n";
  const pid_t first = std::stoi(Slurp(pid_file));
  ASSERT_TRUE(iorec::test_support::WaitForExit(first));
  ExpectSameOutputs(Clean(), out);
}

TEST_F(StoreCliTest, ChangedConfigIsRefusedListingKeysAndRestartKeepsTheOldStudy) {
  const fs::path out = dir_ / "tamper";
  ASSERT_EQ(Run(out, "IOREC_FAULT_EXIT_AFTER_TRIALS=3").code, 137);
  const std::string db_before = DbFingerprint(out);
  std::ofstream(cfg_) << Config(3);
  const auto refused = Run(out);
  EXPECT_EQ(refused.code, 2) << refused.out;
  EXPECT_NE(refused.out.find("active.iterations: 2 -> 3"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("--restart"), std::string::npos);
  EXPECT_EQ(DbFingerprint(out), db_before);

  // Same config written differently (key order, comments) is not a change.
  std::ofstream(cfg_) << "# reordered\n" << Config(2);
  EXPECT_EQ(Run(out, "IOREC_FAULT_EXIT_AFTER_TRIALS=1").code, 137);

  std::ofstream(cfg_) << Config(3);
  const auto restarted = Run(out, "", " --restart");
  ASSERT_EQ(restarted.code, 0) << restarted.out;
  size_t previous = 0;
  for (const auto& e : fs::directory_iterator(out)) {
    if (e.path().filename().string().rfind("previous-", 0) == 0) {
      ++previous;
      EXPECT_TRUE(fs::exists(e.path() / "study.db"));
    }
  }
  EXPECT_EQ(previous, 1u);
  EXPECT_TRUE(fs::exists(out / "summary.json"));
}

TEST_F(StoreCliTest, BadDatabasesAreRefusedUnmodified) {
  const fs::path out = Clean();
  // Unknown schema version.
  const fs::path v = dir_ / "version";
  fs::create_directories(v);
  fs::copy_file(out / "study.db", v / "study.db");
  ASSERT_EQ(std::system(("sqlite3 " + (v / "study.db").string() +
                         " 'UPDATE schema_version SET version = 0' 2>/dev/null || python3 -c "
                         "\"import sqlite3;c=sqlite3.connect('" +
                         (v / "study.db").string() +
                         "');c.execute('UPDATE schema_version SET version = 0');c.commit()\"")
                            .c_str()),
            0);
  const std::string vbytes = Fingerprint(v / "study.db");
  auto r = Run(v);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("schema version 0"), std::string::npos) << r.out;
  EXPECT_EQ(Fingerprint(v / "study.db"), vbytes);
  EXPECT_FALSE(fs::exists(v / "summary.json"));
  EXPECT_EQ(Iorec("report " + v.string()).code, 2);

  // Truncated.
  const fs::path t = dir_ / "truncated";
  fs::create_directories(t);
  const std::string full = Slurp(out / "study.db");
  std::ofstream(t / "study.db", std::ios::binary) << full.substr(0, full.size() / 3);
  const std::string tbytes = Fingerprint(t / "study.db");
  r = Run(t);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find((t / "study.db").string()), std::string::npos) << r.out;
  EXPECT_EQ(Fingerprint(t / "study.db"), tbytes);

  // Not a database at all.
  const fs::path g = dir_ / "garbage";
  fs::create_directories(g);
  std::ofstream(g / "study.db") << "this is not sqlite\n";
  r = Run(g);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(Slurp(g / "study.db"), "this is not sqlite\n");
  EXPECT_EQ(Iorec("status " + g.string()).code, 2);

  // An output directory that cannot be created or written.
  std::ofstream(dir_ / "afile") << "x";
  r = Run(dir_ / "afile" / "sub");
  EXPECT_EQ(r.code, 2) << r.out;
  if (::geteuid() != 0) {
    const fs::path ro = dir_ / "readonly";
    fs::create_directories(ro);
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
    r = Run(ro);
    EXPECT_EQ(r.code, 2) << r.out;
    fs::permissions(ro, fs::perms::owner_all);
  }
}

}  // namespace

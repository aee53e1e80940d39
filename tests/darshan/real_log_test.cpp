// Checks the readers against the real log and darshan-parser output in tests/data/darshan.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "iorec/core/error.hpp"
#include "iorec/darshan/features.hpp"
#include "iorec/darshan/log.hpp"
#include "iorec/darshan/summary.hpp"

namespace iorec::darshan {
namespace {

const std::string kDir = std::string(IOREC_TEST_DATA) + "/darshan/";

TEST(RealLog, HeaderAndJob) {
  Log log = ReadLog(kDir + "combined.darshan");
  EXPECT_EQ(log.header.version, "3.41");
  EXPECT_FALSE(log.header.byte_swapped);
  EXPECT_EQ(log.header.compression, Compression::kZlib);
  EXPECT_EQ(log.header.header_size, 1328u);
  EXPECT_EQ(log.header.job_map.len, 323u);
  EXPECT_EQ(log.header.name_map.len, 262u);
  EXPECT_EQ(log.header.mod_ver[1], 4u);
  EXPECT_EQ(log.job.jobid, 44660);
  EXPECT_EQ(log.job.nprocs, 1);
  EXPECT_EQ(log.job.start_time, 1761011045);
  EXPECT_EQ(log.job.end_time, 1761011224);
  EXPECT_NEAR(log.job.RunTime(), 178.8429, 1e-4);
  EXPECT_EQ(log.job.exe.rfind("/mnt/hasanfs/bin/mpi_synthio", 0), 0u);
  EXPECT_EQ(log.job.mounts.size(), 13u);
  ASSERT_EQ(log.job.metadata.size(), 2u);
  EXPECT_EQ(log.job.metadata[0].first, "lib_ver");
  EXPECT_EQ(log.job.metadata[0].second, "3.4.7");
  ASSERT_NE(log.Module(ModuleId::kPosix), nullptr);
  EXPECT_EQ(log.Module(ModuleId::kPosix)->size(), 4u);
  ASSERT_NE(log.Module(ModuleId::kStdio), nullptr);
  EXPECT_EQ(log.Module(ModuleId::kStdio)->size(), 2u);
  EXPECT_EQ(log.lustre.size(), 5u);
  EXPECT_EQ(log.lustre[0].components.size(), 1u);
  EXPECT_EQ(log.lustre[0].components[0].stripe_size, 1048576);
  EXPECT_EQ(log.names.size(), 12u);
  bool apmpi_note = false, heatmap_note = false;
  for (const auto& n : log.notes) {
    apmpi_note |= n.find("APMPI") != std::string::npos;
    heatmap_note |= n.find("HEATMAP") != std::string::npos;
  }
  EXPECT_TRUE(apmpi_note);
  EXPECT_TRUE(heatmap_note);
}

// Every total_ counter darshan-parser printed equals our aggregate over the binary records.
TEST(RealLog, EveryCounterMatchesParserText) {
  LogSummary bin = Summarize(ReadLog(kDir + "combined.darshan"));
  LogSummary txt = ReadParserText(kDir + "combined.darshan-parser.txt");
  for (const char* prefix : {"POSIX", "STDIO"}) {
    SCOPED_TRACE(prefix);
    const ModuleSummary* b = bin.Module(prefix);
    const ModuleSummary* t = txt.Module(prefix);
    ASSERT_NE(b, nullptr);
    ASSERT_NE(t, nullptr);
    ASSERT_EQ(b->totals.size(), t->totals.size());
    ASSERT_EQ(b->ftotals.size(), t->ftotals.size());
    for (const auto& [name, v] : t->totals) EXPECT_EQ(b->Total(name), v) << name;
    for (const auto& [name, v] : t->ftotals) EXPECT_NEAR(b->FTotal(name), v, 5e-7) << name;
  }
}

TEST(RealLog, PosixPerfMatchesParser) {
  LogSummary bin = Summarize(ReadLog(kDir + "combined.darshan"));
  const PerfEstimate& p = bin.Module("POSIX")->perf;
  EXPECT_EQ(p.total_bytes, 549755857964);
  EXPECT_LT(std::abs(p.agg_perf_by_slowest / 2949.634132 - 1), 1e-6);
  EXPECT_LT(std::abs(p.agg_time_by_slowest / 177.746805 - 1), 1e-6);
  const PerfEstimate& s = bin.Module("STDIO")->perf;
  EXPECT_LT(std::abs(s.agg_perf_by_slowest / 6.804143 - 1), 1e-6);
}

void ExpectSameCategories(const FileCategories& a, const FileCategories& b) {
  EXPECT_EQ(a.total, b.total);
  EXPECT_EQ(a.read_only, b.read_only);
  EXPECT_EQ(a.write_only, b.write_only);
  EXPECT_EQ(a.read_write, b.read_write);
  EXPECT_EQ(a.unique, b.unique);
  EXPECT_EQ(a.shared, b.shared);
}

TEST(RealLog, BinaryAndTextReadersAgree) {
  LogSummary bin = Summarize(ReadLog(kDir + "combined.darshan"));
  LogSummary txt = ReadParserText(kDir + "combined.darshan-parser.txt");
  EXPECT_EQ(bin.jobid, txt.jobid);
  EXPECT_EQ(bin.nprocs, txt.nprocs);
  EXPECT_EQ(bin.uid, txt.uid);
  EXPECT_EQ(bin.start_time, txt.start_time);
  EXPECT_EQ(bin.end_time, txt.end_time);
  EXPECT_EQ(bin.exe, txt.exe);
  EXPECT_EQ(bin.version, txt.version);
  EXPECT_NEAR(bin.run_time, txt.run_time, 1e-4);
  for (const char* prefix : {"POSIX", "STDIO"}) {
    SCOPED_TRACE(prefix);
    const ModuleSummary& b = *bin.Module(prefix);
    const ModuleSummary& t = *txt.Module(prefix);
    ASSERT_TRUE(t.has_files);
    ASSERT_TRUE(t.has_perf);
    ExpectSameCategories(b.files, t.files);
    EXPECT_EQ(b.perf.total_bytes, t.perf.total_bytes);
    EXPECT_NEAR(b.perf.agg_time_by_slowest, t.perf.agg_time_by_slowest, 1e-6);
    EXPECT_NEAR(b.perf.agg_perf_by_slowest, t.perf.agg_perf_by_slowest, 1e-6);
    EXPECT_NEAR(b.perf.shared_time_by_slowest, t.perf.shared_time_by_slowest, 1e-6);
    EXPECT_NEAR(b.perf.slowest_rank_io_time, t.perf.slowest_rank_io_time, 1e-6);
  }
  WorkloadFeatures fb = ComputeFeatures(bin), ft = ComputeFeatures(txt);
  ASSERT_EQ(fb.values.size(), ft.values.size());
  for (size_t i = 0; i < fb.values.size(); ++i)
    EXPECT_NEAR(fb.values[i].second, ft.values[i].second, 1e-9) << fb.values[i].first;
}

// Minimal extraction of "key": number pairs from the reference JSON.
std::map<std::string, double> ReferenceFeatures() {
  std::ifstream in(kDir + "combined.features.json");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  std::map<std::string, double> out;
  size_t pos = 0;
  while ((pos = s.find('"', pos)) != std::string::npos) {
    size_t end = s.find('"', pos + 1);
    std::string key = s.substr(pos + 1, end - pos - 1);
    size_t colon = s.find_first_not_of(" ", end + 1);
    pos = end + 1;
    if (colon == std::string::npos || s[colon] != ':') continue;
    size_t vstart = s.find_first_not_of(" ", colon + 1);
    if (s[vstart] == '"') continue;
    out[key] = std::stod(s.substr(vstart));
  }
  return out;
}

TEST(RealLog, FeaturesMatchReference) {
  auto ref = ReferenceFeatures();
  WorkloadFeatures f = FeaturesFromFile(kDir + "combined.darshan");
  EXPECT_EQ(f.jobid, 44660);
  EXPECT_EQ(f.nprocs, 1);
  EXPECT_EQ(f.io_api, "posix");
  EXPECT_EQ(f.mpi_collective_mode, "no");
  EXPECT_EQ(ref["nprocs"], 1.0);
  size_t checked = 0;
  for (const auto& [name, v] : f.values) {
    ASSERT_TRUE(ref.count(name)) << name;
    EXPECT_DOUBLE_EQ(std::round(v * 100) / 100, ref[name]) << name << " raw " << v;
    EXPECT_GE(v, 0.0);
    EXPECT_LE(v, 1.0);
    ++checked;
  }
  EXPECT_EQ(checked + 2, ref.size());  // + jobid, nprocs (filename is a string)
  // Same through the text reader.
  WorkloadFeatures ft = FeaturesFromFile(kDir + "combined.darshan-parser.txt");
  for (const auto& [name, v] : ft.values)
    EXPECT_DOUBLE_EQ(std::round(v * 100) / 100, ref[name]) << name;
}

TEST(RealLog, Objectives) {
  TrialObjectives o = ObjectivesFromFile(kDir + "combined.darshan");
  EXPECT_EQ(o.basis, "posix");
  EXPECT_NEAR(o.throughput, 2949.634132, 1e-3);
  EXPECT_NEAR(o.e2e_time, 167.503163 + 8.447431 + 1.796211, 1e-5);
  EXPECT_THROW(ObjectivesFromFile(kDir + "combined.darshan", Basis::kMpiio), core::InputError);
}

TEST(RealLog, WorkloadJsonHasExampleFields) {
  WorkloadFeatures f = FeaturesFromFile(kDir + "combined.darshan");
  std::string j = ToWorkloadJson(f);
  for (const char* key : {"\"filename\"", "\"jobid\"", "\"nprocs\"", "\"io_api\"", "\"meta_api\"",
                          "\"mpi_collective_mode\"", "\"pct_read_10M_1G_PLUS\": 0.5"})
    EXPECT_NE(j.find(key), std::string::npos) << key << "\n" << j;
}

}  // namespace
}  // namespace iorec::darshan

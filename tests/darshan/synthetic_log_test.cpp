// Synthetic logs written by the test encoder: bases, compressions, byte order, edge cases.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <sys/stat.h>

#include "darshan/log_encoder.hpp"
#include "iorec/core/error.hpp"
#include "iorec/darshan/features.hpp"
#include "iorec/darshan/log.hpp"
#include "iorec/darshan/summary.hpp"

namespace iorec::darshan {
namespace {

using testing::EncLog;
using testing::Encoder;
using testing::EncRecord;

std::string WriteTemp(const std::string& name, const std::string& bytes) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

double Feature(const WorkloadFeatures& f, const std::string& name) {
  for (const auto& [n, v] : f.values)
    if (n == name) return v;
  ADD_FAILURE() << "missing " << name;
  return -1;
}

/// 4 ranks: one shared file read via MPI-IO collectively, each rank writes a unique file.
EncLog MpiioLog() {
  EncLog L;
  L.nprocs = 4;
  L.names = {{11, "/mnt/lfs/shared.dat"},
             {20, "/mnt/lfs/u0"},
             {21, "/mnt/lfs/u1"},
             {22, "/mnt/lfs/u2"},
             {23, "/mnt/lfs/u3"}};
  EncRecord shared;
  shared.id = 11;
  shared.rank = -1;
  shared.c = {
      {"MPIIO_COLL_OPENS", 4},        {"MPIIO_COLL_READS", 40},          {"MPIIO_SYNCS", 0},
      {"MPIIO_BYTES_READ", 40 << 20}, {"MPIIO_SIZE_READ_AGG_1M_4M", 40}, {"MPIIO_RW_SWITCHES", 0}};
  shared.f = {
      {"MPIIO_F_READ_TIME", 4.0}, {"MPIIO_F_META_TIME", 0.5}, {"MPIIO_F_SLOWEST_RANK_TIME", 2.0}};
  std::vector<EncRecord> mpiio = {shared};
  std::vector<EncRecord> posix;
  EncRecord ps;
  ps.id = 11;
  ps.rank = -1;
  ps.c = {{"POSIX_OPENS", 4},
          {"POSIX_READS", 80},
          {"POSIX_BYTES_READ", 40 << 20},
          {"POSIX_CONSEC_READS", 40},
          {"POSIX_SEQ_READS", 80},
          {"POSIX_FILE_NOT_ALIGNED", 20},
          {"POSIX_SIZE_READ_100K_1M", 80},
          {"POSIX_STATS", 4},
          {"POSIX_SEEKS", 0},
          {"POSIX_MAX_BYTE_READ", (40 << 20) - 1}};
  ps.f = {{"POSIX_F_READ_TIME", 3.0}, {"POSIX_F_SLOWEST_RANK_TIME", 1.5}};
  posix.push_back(ps);
  for (int r = 0; r < 4; ++r) {
    EncRecord u;
    u.id = 20 + r;
    u.rank = r;
    u.c = {{"POSIX_OPENS", 1},
           {"POSIX_WRITES", 10},
           {"POSIX_BYTES_WRITTEN", 10 * 1000},
           {"POSIX_SIZE_WRITE_100_1K", 10},
           {"POSIX_FSYNCS", 1},
           {"POSIX_MAX_BYTE_WRITTEN", 9999}};
    u.f = {{"POSIX_F_WRITE_TIME", 0.1 * (r + 1)}, {"POSIX_F_META_TIME", 0.05}};
    posix.push_back(u);
    EncRecord mu;
    mu.id = 20 + r;
    mu.rank = r;
    mu.c = {{"MPIIO_INDEP_OPENS", 1},
            {"MPIIO_INDEP_WRITES", 10},
            {"MPIIO_BYTES_WRITTEN", 10000},
            {"MPIIO_SIZE_WRITE_AGG_100_1K", 10}};
    mu.f = {{"MPIIO_F_WRITE_TIME", 0.2 * (r + 1)}, {"MPIIO_F_META_TIME", 0.1}};
    mpiio.push_back(mu);
  }
  L.modules[1] = posix;
  L.modules[2] = mpiio;
  return L;
}

TEST(SyntheticLog, MpiioBasisAutoSelected) {
  std::string path = WriteTemp("mpiio.darshan", Encoder::Encode(MpiioLog()));
  WorkloadFeatures f = FeaturesFromFile(path);
  EXPECT_EQ(f.io_api, "mpiio");
  EXPECT_EQ(f.mpi_collective_mode, "yes");
  EXPECT_EQ(f.nprocs, 4);
  EXPECT_EQ(f.jobid, 77);
  EXPECT_EQ(f.filename, "mpiio.darshan");
  // MPI-IO: reads 40, writes 40; opens 4+4; POSIX stats 4 + seeks 0; syncs 0.
  EXPECT_DOUBLE_EQ(Feature(f, "pct_reads"), 0.5);
  EXPECT_DOUBLE_EQ(Feature(f, "pct_io_access"), 80.0 / (80 + 8 + 4));
  EXPECT_DOUBLE_EQ(Feature(f, "pct_meta_open_access"), 8.0 / 92);
  EXPECT_DOUBLE_EQ(Feature(f, "pct_read_100K_10M"), 1.0);
  EXPECT_DOUBLE_EQ(Feature(f, "pct_write_0_100K"), 1.0);
  EXPECT_DOUBLE_EQ(Feature(f, "pct_shared_files"), 0.2);
  EXPECT_DOUBLE_EQ(Feature(f, "pct_unique_files"), 0.8);
  EXPECT_DOUBLE_EQ(Feature(f, "pct_read_only_files"), 0.2);
  EXPECT_DOUBLE_EQ(Feature(f, "pct_write_only_files"), 0.8);
  // Alignment/consecutive come from POSIX even on the MPI-IO basis.
  EXPECT_DOUBLE_EQ(Feature(f, "pct_consec_reads"), 0.5);
  EXPECT_DOUBLE_EQ(Feature(f, "pct_file_not_aligned"), 20.0 / 120);

  WorkloadFeatures fp = FeaturesFromFile(path, Basis::kPosix);
  EXPECT_EQ(fp.io_api, "posix");
  EXPECT_DOUBLE_EQ(Feature(fp, "pct_reads"), 80.0 / 120);
  EXPECT_DOUBLE_EQ(Feature(fp, "pct_read_100K_10M"), 1.0);
  EXPECT_DOUBLE_EQ(Feature(fp, "pct_meta_sync_access"), 4.0 / (120 + 8 + 4 + 4));

  // Perf (MPI-IO): shared slowest 2.0 + slowest unique rank 3: 0.8 + 0.1.
  TrialObjectives o = ObjectivesFromFile(path);
  EXPECT_EQ(o.basis, "mpiio");
  const double bytes = (40 << 20) + 40000.0;
  EXPECT_NEAR(o.throughput, bytes / 1048576.0 / 2.9, 1e-9);
  EXPECT_NEAR(o.e2e_time, 4.0 + 0.5 + (0.2 + 0.4 + 0.6 + 0.8) + 0.4, 1e-9);
  LogSummary s = ReadAnyLog(path);
  EXPECT_EQ(s.Module("MPIIO")->perf.slowest_rank, 3);
  EXPECT_EQ(s.Module("POSIX")->files.unique.count, 4);
  EXPECT_EQ(s.Module("POSIX")->files.shared.count, 1);
}

void ExpectSameSummary(const LogSummary& a, const LogSummary& b) {
  ASSERT_EQ(a.modules.size(), b.modules.size());
  for (const auto& [p, m] : a.modules) {
    const ModuleSummary* o = b.Module(p);
    ASSERT_NE(o, nullptr);
    EXPECT_EQ(m.totals, o->totals) << p;
    EXPECT_EQ(m.ftotals, o->ftotals) << p;
    EXPECT_EQ(m.num_records, o->num_records);
    EXPECT_EQ(m.perf.agg_perf_by_slowest, o->perf.agg_perf_by_slowest);
  }
  EXPECT_EQ(a.jobid, b.jobid);
  EXPECT_EQ(a.nprocs, b.nprocs);
  EXPECT_EQ(a.exe, b.exe);
}

TEST(SyntheticLog, Bzip2SwappedNoneAndMultiStreamDecodeTheSame) {
  EncLog L = MpiioLog();
  std::string zpath = WriteTemp("z.darshan", Encoder::Encode(L));
  LogSummary ref = ReadAnyLog(zpath);
  struct Variant {
    const char* name;
    Compression c;
    bool swap;
    bool split;
  };
  for (Variant v : {Variant{"bz", Compression::kBzip2, false, false},
                    Variant{"swap", Compression::kZlib, true, false},
                    Variant{"bzswap", Compression::kBzip2, true, true},
                    Variant{"none", Compression::kNone, false, false},
                    Variant{"zsplit", Compression::kZlib, false, true}}) {
    SCOPED_TRACE(v.name);
    EncLog V = L;
    V.compression = v.c;
    V.swap = v.swap;
    V.split_streams = v.split;
    std::string path = WriteTemp(std::string(v.name) + ".darshan", Encoder::Encode(V));
    Log log = ReadLog(path);
    EXPECT_EQ(log.header.byte_swapped, v.swap);
    EXPECT_EQ(log.header.compression, v.c);
    EXPECT_EQ(log.names.at(11), "/mnt/lfs/shared.dat");
    EXPECT_EQ(log.job.mounts.size(), 2u);
    ExpectSameSummary(ref, Summarize(log));
  }
}

TEST(SyntheticLog, EmptyModulesAndNoIo) {
  EncLog L;
  L.raw_modules[1] = "";  // POSIX region present but without records
  L.raw_modules[9] = "";
  std::string path = WriteTemp("empty_mods.darshan", Encoder::Encode(L));
  Log log = ReadLog(path);
  ASSERT_NE(log.Module(ModuleId::kPosix), nullptr);
  EXPECT_EQ(log.Module(ModuleId::kPosix)->size(), 0u);
  EXPECT_EQ(ReadAnyLog(path).Module("POSIX")->perf.agg_perf_by_slowest, 0.0);
  auto expect_no_io = [](const std::string& p, const std::string& detail) {
    try {
      FeaturesFromFile(p);
      ADD_FAILURE() << "features of a log without I/O: " << p;
    } catch (const core::InputError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(p + ": no I/O to describe"), std::string::npos) << what;
      EXPECT_NE(what.find(detail), std::string::npos) << what;
    }
  };
  expect_no_io(path, "no POSIX or MPI-IO records");

  EncLog none;  // no module regions at all
  std::string p2 = WriteTemp("no_io.darshan", Encoder::Encode(none));
  expect_no_io(p2, "no POSIX or MPI-IO records");
  EXPECT_THROW(ObjectivesFromFile(p2), core::InputError);

  EncLog stdio_only = MpiioLog();
  stdio_only.modules.erase(1);
  stdio_only.modules.erase(2);
  EncRecord out;
  out.id = 3;
  out.c = {{"STDIO_WRITES", 7}, {"STDIO_BYTES_WRITTEN", 70}};
  stdio_only.modules[9] = {out};
  expect_no_io(WriteTemp("stdio_only.darshan", Encoder::Encode(stdio_only)), "only STDIO");
}

TEST(SyntheticLog, LustreV2AndUnknownModulesSkipped) {
  EncLog L;
  std::string raw;
  auto put = [&](int64_t v) { raw.append(reinterpret_cast<const char*>(&v), 8); };
  put(11), put(-1), put(2), put(3);  // id, rank, components, stripes
  for (int c = 0; c < 2; ++c) {
    put(1 << 20), put(c == 0 ? 1 : 2), put(0), put(0), put(0), put(-1), put(0);
    raw.append(16, '\0');
  }
  put(4), put(5), put(6);
  L.raw_modules[8] = raw;
  L.raw_modules[15] = "heatmap bytes";
  Log log = ReadLog(WriteTemp("lustre.darshan", Encoder::Encode(L)));
  ASSERT_EQ(log.lustre.size(), 1u);
  EXPECT_EQ(log.lustre[0].components.size(), 2u);
  EXPECT_EQ(log.lustre[0].components[1].stripe_count, 2);
  EXPECT_EQ(log.lustre[0].ost_ids, (std::vector<int64_t>{4, 5, 6}));
  ASSERT_EQ(log.notes.size(), 1u);
  EXPECT_NE(log.notes[0].find("HEATMAP"), std::string::npos);
  EXPECT_TRUE(log.warnings.empty()) << ::testing::PrintToString(log.warnings);
}

/// LUSTRE v2 record of a composite (PFL) layout: [0,1M) 1 x 1M, [1M,1G) 4 x 1M,
/// [1G,EOF) 16 x 4M, then an unused component (stripe size -1) with 2 spare OST slots.
std::string PflRecord(uint64_t id) {
  std::string raw;
  auto put = [&](int64_t v) { raw.append(reinterpret_cast<const char*>(&v), 8); };
  put(static_cast<int64_t>(id)), put(-1), put(4), put(23);
  const int64_t comps[4][3] = {
      {1 << 20, 1, 0}, {1 << 20, 4, 1 << 20}, {4 << 20, 16, 1 << 30}, {-1, 2, 0}};
  for (int c = 0; c < 4; ++c) {
    const int64_t end = c == 0 ? 1 << 20 : c == 1 ? 1 << 30 : -1;
    put(comps[c][0]), put(comps[c][1]), put(1), put(0x10), put(comps[c][2]), put(end), put(0);
    std::string pool = c == 2 ? "flash" : "";
    pool.resize(16, '\0');
    raw += pool;
  }
  for (int i = 0; i < 23; ++i) put(100 + i);
  return raw;
}

TEST(SyntheticLog, LustreCompositeLayout) {
  EncLog L;
  L.nprocs = 2;
  std::string raw = PflRecord(7);
  auto put = [&](int64_t v) { raw.append(reinterpret_cast<const char*>(&v), 8); };
  // a plain 1 x 1M file, id 8, on OST 3
  put(8), put(-1), put(1), put(1);
  put(1 << 20), put(1), put(1), put(0x10), put(0), put(-1), put(0);
  raw.append(16, '\0');
  put(3);
  L.raw_modules[8] = raw;
  EncRecord big;  // the PFL file moved 2 GiB, up to offset 2 GiB: its 16 x 4M component
  big.id = 7;
  big.rank = -1;
  big.c = {{"POSIX_WRITES", 512},
           {"POSIX_BYTES_WRITTEN", int64_t{2} << 30},
           {"POSIX_MAX_BYTE_WRITTEN", (int64_t{2} << 30) - 1}};
  EncRecord small;
  small.id = 8;
  small.rank = 0;
  small.c = {{"POSIX_WRITES", 4}, {"POSIX_BYTES_WRITTEN", 4 << 20}};
  L.modules[1] = {big, small};
  const std::string path = WriteTemp("pfl.darshan", Encoder::Encode(L));

  Log log = ReadLog(path);
  EXPECT_TRUE(log.warnings.empty()) << ::testing::PrintToString(log.warnings);
  ASSERT_EQ(log.lustre.size(), 2u);
  const LustreRecord& pfl = log.lustre[0];
  ASSERT_EQ(pfl.components.size(), 3u);  // the unused component is dropped
  EXPECT_EQ(pfl.components[2].stripe_count, 16);
  EXPECT_EQ(pfl.components[2].ext_start, 1 << 30);
  EXPECT_EQ(pfl.components[2].pool_name, "flash");
  ASSERT_EQ(pfl.ost_ids.size(), 21u);  // the spare slots are dropped too
  EXPECT_EQ(pfl.ost_ids.back(), 120);
  EXPECT_EQ(log.lustre[1].ost_ids, std::vector<int64_t>{3});

  WorkloadFeatures f = FeaturesFromFile(path);
  ASSERT_TRUE(f.layout.has_value());
  EXPECT_EQ(f.layout->stripe_count, 16);
  EXPECT_EQ(f.layout->stripe_size, 4 << 20);
  EXPECT_EQ(f.layout->ost_count, 16);  // OSTs 105..120 of the third component
  EXPECT_EQ(f.layout->files, 1);
  EXPECT_NEAR(f.layout->byte_share, 2048.0 / 2052.0, 1e-12);
  EXPECT_EQ(DescribeLayout(f.layout->stripe_count, f.layout->stripe_size), "16 \u00d7 4M");
  const std::string json = ToWorkloadJson(f);
  EXPECT_NE(json.find("\"lustre_stripe_count\": 16,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"lustre_stripe_size\": 4194304,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"lustre_ost_count\": 16"), std::string::npos) << json;
  // Without POSIX bytes reaching 1 GiB the same file counts with its second component.
  L.modules[1][0].c = {{"POSIX_WRITES", 1},
                       {"POSIX_BYTES_WRITTEN", 8 << 20},
                       {"POSIX_MAX_BYTE_WRITTEN", (8 << 20) - 1}};
  WorkloadFeatures g = FeaturesFromFile(WriteTemp("pfl2.darshan", Encoder::Encode(L)));
  ASSERT_TRUE(g.layout.has_value());
  EXPECT_EQ(DescribeLayout(g.layout->stripe_count, g.layout->stripe_size), "4 \u00d7 1M");
  EXPECT_EQ(g.layout->ost_count, 4);
}

TEST(SyntheticLog, LustreV1) {
  EncLog L;
  std::string raw;
  auto put = [&](int64_t v) { raw.append(reinterpret_cast<const char*>(&v), 8); };
  // id, rank, OSTS, MDTS, STRIPE_OFFSET, STRIPE_SIZE, STRIPE_WIDTH, OST ids
  put(1), put(-1), put(8), put(1), put(0), put(1 << 20), put(2), put(3), put(4);
  put(2), put(0), put(8), put(1), put(0), put(1 << 20), put(0);  // stripe width 0: no OST ids
  L.raw_modules[8] = raw;
  L.versions[8] = 1;
  Log log = ReadLog(WriteTemp("lustre1.darshan", Encoder::Encode(L)));
  ASSERT_EQ(log.lustre.size(), 2u);
  EXPECT_EQ(log.lustre_version, 1u);
  EXPECT_EQ(log.lustre[0].osts, 8);
  EXPECT_EQ(log.lustre[0].components.at(0).stripe_count, 2);
  EXPECT_EQ(log.lustre[0].ost_ids, (std::vector<int64_t>{3, 4}));
  EXPECT_TRUE(log.lustre[1].ost_ids.empty());
}

TEST(SyntheticLog, PartiallySharedFile) {
  EncLog L;
  L.nprocs = 3;
  for (int r = 0; r < 2; ++r) {
    EncRecord e;
    e.id = 5;
    e.rank = r;
    e.c = {{"POSIX_READS", 1}, {"POSIX_BYTES_READ", 100}};
    L.modules[1].push_back(e);
  }
  LogSummary s = ReadAnyLog(WriteTemp("part.darshan", Encoder::Encode(L)));
  const auto& fc = s.Module("POSIX")->files;
  EXPECT_EQ(fc.total.count, 1);
  EXPECT_EQ(fc.part_shared.count, 1);
  EXPECT_EQ(fc.unique.count, 0);
  EXPECT_EQ(fc.read_only.total_bytes, 200);
}

// ---------------------------------------------------------------- bad input

void ExpectInputError(const std::string& path, const std::string& phrase) {
  try {
    ReadLog(path);
    ADD_FAILURE() << "no error for " << path;
  } catch (const core::InputError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find(phrase), std::string::npos) << "want '" << phrase << "' in: " << what;
  }
}

std::string Good() { return Encoder::Encode(MpiioLog()); }

/// The log reads, with exactly one warning containing `phrase`.
Log ReadWithWarning(const std::string& path, const std::string& phrase) {
  Log log = ReadLog(path);
  size_t hits = 0;
  for (const auto& w : log.warnings) hits += w.find(phrase) != std::string::npos;
  EXPECT_EQ(hits, 1u) << "want one warning with '" << phrase << "' in " << path << "; got "
                      << ::testing::PrintToString(log.warnings);
  return log;
}

TEST(BadInput, TruncatedHeaderFailsWholeLog) {
  std::string g = Good();
  ExpectInputError(WriteTemp("t1.darshan", g.substr(0, 12)), "too short");
  ExpectInputError(WriteTemp("t2.darshan", g.substr(0, 600)), "truncated header");
  ExpectInputError(WriteTemp("t2b.darshan", g.substr(0, 600)), "byte 600");
}

TEST(BadInput, TruncatedTailLosesOnlyTheLastModule) {
  std::string g = Good();
  Log log = ReadWithWarning(WriteTemp("t3.darshan", g.substr(0, g.size() - 5)), "past the end");
  // MpiioLog has POSIX and MPI-IO: MPI-IO (the last region) is lost, POSIX is intact.
  EXPECT_NE(log.Module(ModuleId::kPosix), nullptr);
  EXPECT_EQ(log.Module(ModuleId::kMpiio), nullptr);
  EXPECT_EQ(log.skipped_modules, std::vector<int>{2});
}

TEST(BadInput, UnsupportedVersion) {
  EncLog L = MpiioLog();
  L.version = "2.06";
  ExpectInputError(WriteTemp("v206.darshan", Encoder::Encode(L)),
                   "unsupported Darshan log format version '2.06'");
  L.version = "3.15";  // never written by Darshan
  ExpectInputError(WriteTemp("v315.darshan", Encoder::Encode(L)), "unsupported");
}

TEST(SyntheticLog, NewerFormatReadsWithAWarning) {
  EncLog L = MpiioLog();
  L.version = "3.42";
  Log log = ReadWithWarning(WriteTemp("v342.darshan", Encoder::Encode(L)), "newer than 3.41");
  ASSERT_NE(log.Module(ModuleId::kPosix), nullptr);
  EXPECT_EQ(log.Module(ModuleId::kPosix)->size(), 5u);
}

TEST(BadInput, CorruptModuleIsSkippedOthersKept) {
  for (Compression c : {Compression::kZlib, Compression::kBzip2}) {
    EncLog L = MpiioLog();
    L.compression = c;
    std::string g = Encoder::Encode(L);
    Log clean = ParseLog(
        std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(g.data()), g.size()),
        "x");
    RegionMap m = clean.header.mod_map[1];
    for (uint64_t i = m.off + 4; i < m.off + m.len && i < m.off + 40; ++i) g[i] ^= 0x5a;
    const std::string path = WriteTemp("corrupt.darshan", g);
    Log log = ReadWithWarning(path, "corrupt");
    EXPECT_EQ(log.Module(ModuleId::kPosix), nullptr);
    ASSERT_NE(log.Module(ModuleId::kMpiio), nullptr);
    // Features come from the intact MPI-IO module: as if the log had no POSIX module.
    WorkloadFeatures f = FeaturesFromFile(path);
    EncLog without_posix = MpiioLog();
    without_posix.modules.erase(1);
    WorkloadFeatures want =
        FeaturesFromFile(WriteTemp("no_posix.darshan", Encoder::Encode(without_posix)));
    EXPECT_EQ(f.io_api, "mpiio");
    EXPECT_EQ(f.values, want.values);
  }
}

TEST(BadInput, CorruptJobRecordFailsNamingTheOffset) {
  std::string g = Good();
  for (size_t i = 1328 + 2; i < 1328 + 30; ++i) g[i] ^= 0x5a;
  ExpectInputError(WriteTemp("corrupt_job.darshan", g), "job record (region at byte 1328)");
}

TEST(BadInput, RegionPastEofSkipsThatModule) {
  std::string g = Good();
  uint64_t huge = uint64_t{1} << 40;
  std::memcpy(g.data() + 48 + 16 * 1, &huge, 8);  // POSIX region offset
  Log a = ReadWithWarning(WriteTemp("pasteof.darshan", g), "past the end of the file");
  EXPECT_EQ(a.Module(ModuleId::kPosix), nullptr);
  EXPECT_NE(a.Module(ModuleId::kMpiio), nullptr);
  std::string h = Good();
  std::memcpy(h.data() + 48 + 16 * 2 + 8, &huge, 8);  // MPI-IO region length
  Log b = ReadWithWarning(WriteTemp("pasteof2.darshan", h), "past the end of the file");
  EXPECT_NE(b.Module(ModuleId::kPosix), nullptr);
  EXPECT_EQ(b.Module(ModuleId::kMpiio), nullptr);
}

TEST(BadInput, GarbledRecordsStayLocal) {
  EncLog L = MpiioLog();
  std::string raw;
  auto put = [&](int64_t v) { raw.append(reinterpret_cast<const char*>(&v), 8); };
  put(1), put(-1), put(int64_t{1} << 50), put(1);
  L.raw_modules[8] = raw;
  Log lus =
      ReadWithWarning(WriteTemp("absurd.darshan", Encoder::Encode(L)), "absurd component count");
  EXPECT_TRUE(lus.lustre.empty());
  EXPECT_NE(lus.Module(ModuleId::kPosix), nullptr);

  EncLog R = MpiioLog();
  R.modules[1][1].rank = 1000000;
  Log rank =
      ReadWithWarning(WriteTemp("rank.darshan", Encoder::Encode(R)), "outside [-1, nprocs=4)");
  EXPECT_EQ(rank.Module(ModuleId::kPosix), nullptr);
  EXPECT_NE(rank.Module(ModuleId::kMpiio), nullptr);

  EncLog N = MpiioLog();
  N.nprocs = 0;
  ExpectInputError(WriteTemp("nprocs.darshan", Encoder::Encode(N)), "invalid nprocs");

  // A record cut in the middle: the whole records before it are kept, as darshan-util does.
  EncLog T = MpiioLog();
  T.raw_modules[9] = std::string(248 + 100, '\0');
  Log cut =
      ReadWithWarning(WriteTemp("partial_rec.darshan", Encoder::Encode(T)), "100 trailing bytes");
  ASSERT_NE(cut.Module(ModuleId::kStdio), nullptr);
  EXPECT_EQ(cut.Module(ModuleId::kStdio)->size(), 1u);
}

TEST(SyntheticLog, UnknownAndUnsupportedModulesWarnOnce) {
  EncLog L = MpiioLog();
  L.raw_modules[40] = "future module";
  L.modules.erase(2);
  L.raw_modules[2] = std::string(560, '\0');
  L.versions[2] = 9;  // MPI-IO version from the future
  Log log = ReadLog(WriteTemp("unknown.darshan", Encoder::Encode(L)));
  ASSERT_EQ(log.warnings.size(), 2u) << ::testing::PrintToString(log.warnings);
  EXPECT_NE(log.warnings[0].find("MPI-IO module version 9 is not supported"), std::string::npos);
  EXPECT_NE(log.warnings[1].find("module id 40"), std::string::npos);
  EXPECT_EQ(log.Module(ModuleId::kMpiio), nullptr);
  EXPECT_NE(log.Module(ModuleId::kPosix), nullptr);
}

TEST(SyntheticLog, PartialModulesAreFlagged) {
  EncLog L = MpiioLog();
  L.partial_flag = (uint64_t{1} << 1) | (uint64_t{1} << 15);  // POSIX and HEATMAP
  L.raw_modules[15] = "heatmap";
  const std::string path = WriteTemp("partial.darshan", Encoder::Encode(L));
  Log log = ReadLog(path);
  EXPECT_EQ(log.partial_modules, std::vector<int>{1});
  ASSERT_EQ(log.warnings.size(), 2u) << ::testing::PrintToString(log.warnings);
  EXPECT_NE(log.warnings[0].find("POSIX module data is incomplete"), std::string::npos);
  EXPECT_NE(log.warnings[1].find("HEATMAP module data is incomplete"), std::string::npos);
  LogSummary s = ReadAnyLog(path);
  EXPECT_EQ(s.partial_modules, std::vector<std::string>{"POSIX"});
  std::string stopped;
  EXPECT_EQ(FormatParserTotals(s, false, &stopped), "");
  EXPECT_EQ(stopped, "POSIX");
  EXPECT_NE(FormatParserTotals(s, true, &stopped).find("total_MPIIO_COLL_READS: 40\n"),
            std::string::npos);
  EXPECT_EQ(stopped, "");
}

TEST(BadInput, NonDarshanFiles) {
  ExpectInputError(WriteTemp("hello.txt", "hello world, this is not a log at all\n"),
                   "not a Darshan log");
  ExpectInputError(WriteTemp("empty.darshan", ""), "not a Darshan log");
  std::string png = "\x89PNG\r\n\x1a\n" + std::string(2000, '\1');
  ExpectInputError(WriteTemp("img.png", png), "not a Darshan log");
  EXPECT_THROW(ReadLog(::testing::TempDir() + "/does_not_exist.darshan"), core::InputError);
}

TEST(BadInput, FifoIsRejectedWithoutBlocking) {
  const std::string fifo = ::testing::TempDir() + "/iorec_log.fifo";
  std::filesystem::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // No writer ever opens the FIFO: a blocking open would hang here (ctest's timeout bounds it).
  ExpectInputError(fifo, "not a regular file (a FIFO)");
  EXPECT_THROW(ReadAnyLog(fifo), core::InputError);
  std::filesystem::remove(fifo);
  ExpectInputError(::testing::TempDir(), "not a regular file (a directory)");
}

TEST(BadInput, TextReader) {
  EXPECT_THROW(ParseParserText("hello", "x.txt"), core::InputError);
  try {  // a text log must say how many processes ran
    ParseParserText("# darshan log version: 3.41\n# jobid: 4\ntotal_POSIX_READS: 3\n", "np.txt");
    ADD_FAILURE() << "no error without '# nprocs:'";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("np.txt: no '# nprocs:' line"), std::string::npos)
        << e.what();
  }
  try {
    ParseParserText("# darshan log version: 3.41\n# nprocs: 1\ntotal_POSIX_READS: abc\n", "x.txt");
    ADD_FAILURE();
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("x.txt: line 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ParseBasis("hdf5"), core::InputError);
}

TEST(TextReader, RecordLinesAreAggregated) {
  std::string text =
      "# darshan log version: 3.41\n# nprocs: 2\n# jobid: 9\n"
      "# POSIX module data\n"
      "POSIX\t0\t1\tPOSIX_READS\t10\t/a\t/\text4\n"
      "POSIX\t0\t1\tPOSIX_BYTES_READ\t1000\t/a\t/\text4\n"
      "POSIX\t0\t1\tPOSIX_F_READ_TIME\t0.5\t/a\t/\text4\n"
      "POSIX\t1\t2\tPOSIX_WRITES\t5\t/b\t/\text4\n"
      "POSIX\t1\t2\tPOSIX_BYTES_WRITTEN\t500\t/b\t/\text4\n"
      "POSIX\t1\t2\tPOSIX_F_WRITE_TIME\t0.25\t/b\t/\text4\n";
  LogSummary s = ParseParserText(text, "r.txt");
  const ModuleSummary* m = s.Module("POSIX");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->num_records, 2);
  EXPECT_EQ(m->Total("POSIX_READS"), 10);
  EXPECT_EQ(m->files.unique.count, 2);
  EXPECT_NEAR(m->perf.agg_time_by_slowest, 0.5, 1e-12);
  EXPECT_NEAR(m->perf.agg_perf_by_slowest, 1500 / 1048576.0 / 0.5, 1e-12);
  WorkloadFeatures f = ComputeFeatures(s);
  EXPECT_DOUBLE_EQ(Feature(f, "pct_reads"), 10.0 / 15);
}

}  // namespace
}  // namespace iorec::darshan

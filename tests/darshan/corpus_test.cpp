// The 42 real logs of tests/data/darshan/corpus (formats 3.00-3.41, big- and little-endian,
// every module version, partial data): `darshan-parser --total/--perf` lines equal
// darshan-parser 3.4.7's (the .parser files, written by scripts/darshan-expected.sh), and every
// log gives features or the documented "no I/O" error.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/darshan/features.hpp"
#include "iorec/darshan/log.hpp"
#include "iorec/darshan/summary.hpp"

namespace iorec::darshan {
namespace {

namespace fs = std::filesystem;
const fs::path kCorpus = fs::path(IOREC_TEST_DATA) / "darshan" / "corpus";

std::vector<fs::path> CorpusLogs() {
  std::vector<fs::path> logs;
  for (const auto& e : fs::recursive_directory_iterator(kCorpus))
    if (e.path().extension() == ".darshan") logs.push_back(e.path());
  std::sort(logs.begin(), logs.end());
  return logs;
}

/// One "## darshan-parser <options> (exit N)" section of a .parser file.
struct Section {
  bool total = false;
  bool show_incomplete = false;
  int exit_code = 0;
  std::string text;
};

std::vector<Section> ReadSections(const fs::path& file) {
  std::vector<Section> out;
  std::istringstream in(core::ReadFile(file));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("## darshan-parser ", 0) == 0) {
      Section s;
      s.total = line.find("--total") != std::string::npos;
      s.show_incomplete = line.find("--show-incomplete") != std::string::npos;
      s.exit_code = std::stoi(line.substr(line.find("(exit ") + 6));
      out.push_back(s);
    } else if (!out.empty()) {
      out.back().text += line + "\n";
    }
  }
  return out;
}

TEST(Corpus, HasTheSharedLogs) { EXPECT_EQ(CorpusLogs().size(), 42u); }

TEST(Corpus, TotalAndPerfEqualDarshanParser) {
  size_t compared = 0;
  for (const fs::path& log : CorpusLogs()) {
    SCOPED_TRACE(log.string());
    const auto sections = ReadSections(log.string() + ".parser");
    ASSERT_GE(sections.size(), 2u);
    MappedFile file(log);
    const LogSummary s = SummarizeLogBytes(file.bytes(), log.string());
    for (const Section& sec : sections) {
      std::string stopped;
      const std::string got = sec.total ? FormatParserTotals(s, sec.show_incomplete, &stopped)
                                        : FormatParserPerf(s, sec.show_incomplete, &stopped);
      EXPECT_EQ(got, sec.text) << (sec.total ? "--total" : "--perf")
                               << (sec.show_incomplete ? " --show-incomplete" : "");
      // darshan-parser fails exactly when it stops at a partial module.
      EXPECT_EQ(!stopped.empty(), sec.exit_code != 0) << stopped;
      ++compared;
    }
  }
  EXPECT_GE(compared, 84u);
}

TEST(Corpus, EveryLogGivesFeaturesOrSaysItHasNoIo) {
  size_t with_features = 0, no_io = 0;
  for (const fs::path& log : CorpusLogs()) {
    SCOPED_TRACE(log.string());
    try {
      const WorkloadFeatures f = FeaturesFromFile(log);
      EXPECT_GT(f.nprocs, 0);
      EXPECT_EQ(f.values.size(), FeatureNames().size());
      for (const auto& [name, v] : f.values) {
        EXPECT_GE(v, 0.0) << name;
        EXPECT_LE(v, 1.0) << name;
      }
      ++with_features;
    } catch (const core::InputError& e) {
      EXPECT_NE(std::string(e.what()).find("no I/O to describe"), std::string::npos) << e.what();
      ++no_io;
    }
  }
  // Only the APMPI and the inactive-ranks heatmap logs lack POSIX and MPI-IO records.
  EXPECT_EQ(no_io, 2u);
  EXPECT_EQ(with_features, 40u);
}

TEST(Corpus, PartialLogsAreFlaggedAndStrictRefusesThem) {
  const fs::path imbalanced = kCorpus / "imbalanced_io" / "imbalanced-io.darshan";
  const WorkloadFeatures f = FeaturesFromFile(imbalanced);
  EXPECT_EQ(f.incomplete_modules, std::vector<std::string>{"POSIX"});
  FeatureOptions strict;
  strict.strict = true;
  EXPECT_THROW(FeaturesFromFile(imbalanced, strict), core::InputError);
  const fs::path stdio = kCorpus / "partial_data_stdio" / "partial_data_stdio.darshan";
  EXPECT_EQ(FeaturesFromFile(stdio).incomplete_modules, std::vector<std::string>{"STDIO"});
  // A complete log passes --strict.
  EXPECT_NO_THROW(FeaturesFromFile(kCorpus / "skew_io" / "skew-autobench-ior.darshan", strict));
}

TEST(Corpus, OldFormatsAndByteOrders) {
  const Log be300 = ReadLog(kCorpus / "release_logs" / "mpi-io-test-ppc64-3.0.1.darshan");
  EXPECT_EQ(be300.header.version, "3.00");
  EXPECT_TRUE(be300.header.byte_swapped);
  EXPECT_EQ(be300.header.mod_ver[1], 1u);
  EXPECT_EQ(be300.job.nprocs, 4);
  EXPECT_FALSE(be300.names.empty());
  const Log le310 = ReadLog(kCorpus / "release_logs" / "mpi-io-test-x86_64-3.1.4.darshan");
  EXPECT_FALSE(le310.header.byte_swapped);
  EXPECT_EQ(le310.header.mod_ver[9], 1u);  // STDIO at its 3.41 index after re-indexing
  EXPECT_NE(le310.Module(ModuleId::kStdio), nullptr);
  EXPECT_TRUE(le310.warnings.empty()) << ::testing::PrintToString(le310.warnings);
}

TEST(Corpus, LustreLayouts) {
  // Version 1 records (3.21 log) and version 2 records (3.41 logs).
  const Log v1 = ReadLog(kCorpus / "e3sm_io_heatmaps_and_dxt" / "e3sm_io_heatmap_only.darshan");
  EXPECT_EQ(v1.lustre_version, 1u);
  ASSERT_FALSE(v1.lustre.empty());
  for (const auto& r : v1.lustre) {
    ASSERT_EQ(r.components.size(), 1u);
    EXPECT_EQ(static_cast<int64_t>(r.ost_ids.size()), r.components[0].stripe_count);
  }
  const Log v2 = ReadLog(kCorpus / "dlio_logs" /
                         "snyder_python3_id3116902-2110488_12-19-66980-5572527740071444157_1"
                         ".darshan");
  EXPECT_EQ(v2.lustre_version, 2u);
  ASSERT_FALSE(v2.lustre.empty());
  for (const auto& r : v2.lustre) {
    int64_t stripes = 0;
    for (const auto& c : r.components) {
      EXPECT_NE(c.stripe_size, -1);
      stripes += c.stripe_count;
    }
    EXPECT_EQ(static_cast<int64_t>(r.ost_ids.size()), stripes);
  }
  const WorkloadFeatures f = FeaturesFromFile(kCorpus / "dlio_logs" /
                                              "snyder_python3_id3116902-2110488_12-19-66980-"
                                              "5572527740071444157_1.darshan");
  ASSERT_TRUE(f.layout.has_value());
  EXPECT_GT(f.layout->stripe_count, 0);
  EXPECT_GT(f.layout->stripe_size, 0);
  EXPECT_GT(f.layout->ost_count, 0);
}

}  // namespace
}  // namespace iorec::darshan

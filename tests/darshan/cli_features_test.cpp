// End-to-end check of `iorec features` (skipped when the CLI binary has not been built).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace {

std::string RunCmd(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int rc = pclose(p);
  *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

TEST(FeaturesCli, PrintsWorkloadJsonAndRejectsBadLogs) {
  const std::string bin = IOREC_BINARY;
  ASSERT_TRUE(std::filesystem::exists(bin)) << "iorec binary not built: " << bin;
  const std::string log = std::string(IOREC_TEST_DATA) + "/darshan/combined.darshan";
  int status = -1;
  std::string out = RunCmd(bin + " features " + log, &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("\"filename\": \"combined.darshan\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"pct_read_only_files\": 0.67"), std::string::npos) << out;
  EXPECT_NE(out.find("\"io_api\": \"posix\""), std::string::npos) << out;

  out = RunCmd(bin + " features --csv " + log, &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out.rfind("filename,jobid,", 0), 0u) << out;

  const std::string text = std::string(IOREC_TEST_DATA) + "/darshan/combined.darshan-parser.txt";
  out = RunCmd(bin + " features " + text, &status);
  EXPECT_EQ(status, 0) << out;

  out = RunCmd(bin + " features " + std::string(IOREC_TEST_DATA) + "/darshan/combined.summary.csv",
               &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("combined.summary.csv"), std::string::npos) << out;
  EXPECT_NE(out.find("not a Darshan log"), std::string::npos) << out;

  out = RunCmd(bin + " features --module mpiio " + log, &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("no MPI-IO records"), std::string::npos) << out;
}

}  // namespace

namespace {

TEST(DarshanCli, TotalAndPerfLinesAndPartialLogs) {
  const std::string bin = IOREC_BINARY;
  const std::string corpus = std::string(IOREC_TEST_DATA) + "/darshan/corpus/";
  int status = -1;
  std::string out =
      RunCmd(bin + " darshan -q --total " + corpus + "release_logs/mpi-io-test-ppc64-3.0.1.darshan",
             &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out.rfind("total_POSIX_OPENS: ", 0), 0u) << out;
  EXPECT_NE(out.find("\ntotal_MPIIO_F_VARIANCE_RANK_BYTES: "), std::string::npos) << out;

  out =
      RunCmd(bin + " darshan -q --perf " + corpus + "skew_io/skew-autobench-ior.darshan", &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out.rfind("# POSIX module data\n# agg_time_by_slowest: ", 0), 0u) << out;

  // darshan-parser stops at a partial module and fails; so do we, unless --show-incomplete.
  const std::string partial = corpus + "partial_data_stdio/partial_data_stdio.darshan";
  out = RunCmd(bin + " darshan -q --total " + partial, &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("total_MPIIO_BYTES_READ"), std::string::npos) << out;
  EXPECT_EQ(out.find("total_STDIO_OPENS"), std::string::npos) << out;
  EXPECT_NE(out.find("STDIO module holds incomplete data"), std::string::npos) << out;
  out = RunCmd(bin + " darshan -q --total --show-incomplete " + partial, &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("total_STDIO_OPENS"), std::string::npos) << out;
}

}  // namespace

namespace {

TEST(FeaturesCli, DirectoryTreeInParallelKeepsOrderAndListsBadLogs) {
  const std::string bin = IOREC_BINARY;
  const std::string corpus = std::string(IOREC_TEST_DATA) + "/darshan/corpus";
  int status1 = -1, status2 = -1;
  // stdout only: the failures go to stderr
  auto stdout_of = [](const std::string& cmd) { return "sh -c '" + cmd + " 2>/dev/null'"; };
  const std::string one =
      RunCmd(stdout_of(bin + " features -q --csv --jobs 1 " + corpus), &status1);
  const std::string two =
      RunCmd(stdout_of(bin + " features -q --csv --jobs 2 " + corpus), &status2);
  EXPECT_EQ(status1, 2);  // two of the 42 logs have no I/O
  EXPECT_EQ(status2, 2);
  EXPECT_EQ(one, two);
  size_t rows = 0;
  for (char c : one) rows += c == '\n';
  EXPECT_EQ(rows, 1u + 40u) << one;

  int status = -1;
  const std::string err =
      RunCmd("sh -c '" + bin + " features -q --jobs 2 " + corpus + " 2>&1 >/dev/null'", &status);
  EXPECT_EQ(status, 2);
  EXPECT_NE(err.find("2 of 42 logs failed"), std::string::npos) << err;
  EXPECT_NE(err.find("darshan-apmpi-2nodes-64mpi.darshan: no I/O to describe"), std::string::npos)
      << err;

  // Only good logs: exit 0. --strict turns the incomplete POSIX module into a failure.
  const std::string good = corpus + "/skew_io " + corpus + "/imbalanced_io";
  std::string out = RunCmd(bin + " features -q --jobs 2 " + good, &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("\"incomplete_modules\": \"POSIX\""), std::string::npos) << out;
  out = RunCmd(bin + " features -q --strict " + good, &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("--strict refuses incomplete logs"), std::string::npos) << out;
  EXPECT_NE(out.find("skew-autobench-ior.darshan"), std::string::npos) << out;  // still printed

  out = RunCmd(bin + " features " + corpus + "/no_such_dir", &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("no_such_dir: no such file or directory"), std::string::npos) << out;
}

}  // namespace

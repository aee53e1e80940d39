// The Lustre bridge with fake lfs, lctl, sudo and python3 on a PATH the test builds.
#include "iorec/runner/real_runner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "test_util.hpp"

namespace iorec::runner {
namespace {

using ::testing::HasSubstr;
using testing::Slurp;
using testing::TempDir;

space::Space LustreSpace() {
  auto knob = [](const std::string& name, std::vector<std::string> values) {
    space::Knob k;
    k.name = name;
    for (const auto& v : values) k.values.push_back(space::KnobValue::FromText(v));
    return k;
  };
  return space::Space({knob("stripe_count", {"1", "4"}), knob("stripe_size", {"64K", "1M"}),
                       knob("osc_max_pages_per_rpc", {"256"}),
                       knob("mdc_max_pages_per_rpc", {"64"}), knob("osc_max_rpcs_in_flight", {"8"}),
                       knob("mdc_max_rpcs_in_flight", {"16"}), knob("num_aggregators", {"2"}),
                       knob("collective_buffer_size", {"16777216"}),
                       knob("aggregators_per_client", {"1"})});
}

struct RealFixture {
  TempDir dir;
  space::Space space = LustreSpace();
  space::WorkloadSet ws;
  std::filesystem::path log, root, out;
  RealFixture() {
    log = dir.path() / "commands.log";
    root = dir.path() / "io_synth";
    out = dir.path() / "out_synth";
    ws.feature_names = {"nprocs"};
    ws.workloads.push_back({"top1", {4}, dir.Write("top1.json", "{\"nprocs\": 4}").string(), {}});
    const std::string logger = "echo \"$(basename $0) $*\" >> " + log.string() + "\n";
    dir.Write("bin/lfs", "#!/bin/sh\n" + logger, true);
    dir.Write("bin/lctl", "#!/bin/sh\n" + logger, true);
    dir.Write("bin/sudo", "#!/bin/sh\necho \"sudo $*\" >> " + log.string() + "\nexec \"$@\"\n",
              true);
    dir.Write("bin/python3", "#!/bin/sh\n" + logger + R"SH(script=$1; shift
case $script in
  *features2synth_opsaware.py)
    while [ $# -gt 0 ]; do [ "$1" = --outdir ] && outdir=$2; shift; done
    mkdir -p $outdir
    printf 'echo "run_prep.sh" >> %s\n' "$LOG" > $outdir/run_prep.sh
    printf 'echo "run_from_features.sh aggr=$SYNTH_MPI_NUM_AGGREGATORS cb=$SYNTH_MPI_COLLECTIVE_BUFFER_SIZE apc=$SYNTH_MPI_AGGREGATORS_PER_CLIENT" >> %s\n' "$LOG" > $outdir/run_from_features.sh ;;
  *analyze_darshan_merged.py)
    while [ $# -gt 0 ]; do [ "$1" = --outdir ] && outdir=$2; shift; done
    mkdir -p $outdir
    printf 'file,POSIX_agg_perf_by_slowest,POSIX_bytes_over_f_time\nold.darshan,1,2\nx.darshan,%s,7\n' "${METRIC:-123.5}" > $outdir/darshan_summary.csv ;;
esac
)SH",
              true);
    dir.Write("io_synth/scripts/features2synth_opsaware.py", "# fake\n");
    ::setenv("LOG", log.c_str(), 1);
  }
  RealRunnerOptions Options() const {
    RealRunnerOptions o;
    o.io_synth_root = root;
    o.out_root = out;
    o.flush_wait_sec = 0;
    o.trials_root = dir.path() / "trials";
    return o;
  }
  TrialRequest Request(uint64_t id) const {
    TrialRequest r;
    r.workload = &ws.workloads[0];
    r.config = space::Config({1, 1, 0, 0, 0, 0, 0, 0, 0});
    r.trial_id = id;
    return r;
  }
  std::string Expected(const std::string& sudo) const {
    const std::string plan = out.string() + "/top1";
    std::string e = "python3 " + root.string() + "/scripts/features2synth_opsaware.py --features " +
                    ws.workloads[0].source_file + " --outdir " + plan +
                    " --cap-total-gib 512 --io-api posix --meta-api posix --mpi-collective-mode "
                    "none --meta-scope separate --nprocs-cap 64\n";
    for (const char* p : {"osc.*.max_pages_per_rpc=256", "osc.*.max_rpcs_in_flight=8",
                          "mdc.*.max_pages_per_rpc=64", "mdc.*.max_rpcs_in_flight=16"}) {
      if (!sudo.empty()) e += "sudo lctl set_param " + std::string(p) + "\n";
      e += "lctl set_param " + std::string(p) + "\n";
    }
    for (const char* d : {"data_ro", "data_rw", "data_wo", "meta"}) {
      const std::string c = "lfs setstripe -c 4 -S 1M " + plan + "/payload/" + d + "\n";
      if (!sudo.empty()) e += "sudo " + c;
      e += c;
    }
    e += "run_prep.sh\nrun_from_features.sh aggr=2 cb=16777216 apc=1\n";
    e += "python3 " + root.string() +
         "/analysis/scripts_analysis/analyze_darshan_merged.py --logs " + plan +
         "/darshan --outdir " + (dir.path() / "trials/top1/3/analysis").string() + "\n";
    return e;
  }
};

TEST(RealRunnerTest, RunsTheExactCommandsInOrderAndReadsTheMetric) {
  RealFixture f;
  testing::ScopedPath path(f.dir.path() / "bin");
  RealRunner runner(f.space, f.Options());
  const auto o = runner.Run(f.Request(3));
  ASSERT_TRUE(o.ok) << o.failure_reason << "\n" << o.stderr_tail;
  EXPECT_DOUBLE_EQ(o.value, 123.5);
  EXPECT_EQ(Slurp(f.log), f.Expected(""));
}

TEST(RealRunnerTest, SudoPrefixesLustreCommandsAndPlanIsCachedPerWorkload) {
  RealFixture f;
  testing::ScopedPath path(f.dir.path() / "bin");
  auto opt = f.Options();
  opt.use_sudo_for_lustre = true;
  RealRunner runner(f.space, opt);
  ASSERT_TRUE(runner.Run(f.Request(3)).ok);
  EXPECT_EQ(Slurp(f.log), f.Expected("sudo"));
  std::filesystem::remove(f.log);
  ASSERT_TRUE(runner.Run(f.Request(4)).ok);
  EXPECT_THAT(Slurp(f.log), ::testing::Not(HasSubstr("features2synth")));
}

TEST(RealRunnerTest, FallbackColumnAndBadValues) {
  RealFixture f;
  const auto csv = f.dir.Write("s.csv", "POSIX_bytes_over_f_time,other\n9.5,x\n");
  EXPECT_DOUBLE_EQ(ReadSummaryCsv(csv, "POSIX_agg_perf_by_slowest", "bytes_over_f_time").value,
                   9.5);
  EXPECT_THAT(ReadSummaryCsv(csv, "nope", "").error,
              HasSubstr("has none of the columns nope, POSIX_nope"));
  EXPECT_THAT(ReadSummaryCsv(f.dir.path() / "missing.csv", "a", "b").error,
              HasSubstr("is missing"));
  testing::ScopedPath path(f.dir.path() / "bin");
  ::setenv("METRIC", "n/a", 1);
  RealRunner runner(f.space, f.Options());
  const auto o = runner.Run(f.Request(3));
  ::unsetenv("METRIC");
  EXPECT_FALSE(o.ok);
  EXPECT_THAT(o.failure_reason, HasSubstr("column POSIX_agg_perf_by_slowest is not a number"));
}

TEST(RealRunnerTest, DryRunPrintsAndRunsNothing) {
  RealFixture f;
  testing::ScopedPath path(f.dir.path() / "bin");
  std::ostringstream printed;
  auto opt = f.Options();
  opt.dry_run = true;
  opt.dry_run_out = &printed;
  RealRunner runner(f.space, opt);
  const auto o = runner.Run(f.Request(3));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.failure_reason, "dry_run: commands printed, nothing run");
  EXPECT_FALSE(std::filesystem::exists(f.log));
  const std::string text = printed.str();
  EXPECT_THAT(text, HasSubstr("features2synth_opsaware.py"));
  EXPECT_THAT(text, HasSubstr("lctl set_param 'osc.*.max_pages_per_rpc=256'\n"));
  EXPECT_LT(text.find("lctl set_param"), text.find("lfs setstripe -c 4 -S 1M"));
  EXPECT_LT(text.find("lfs setstripe"), text.find("run_prep.sh"));
  EXPECT_LT(text.find("run_prep.sh"), text.find("run_from_features.sh"));
  EXPECT_LT(text.find("run_from_features.sh"), text.find("analyze_darshan_merged.py"));
}

TEST(RealRunnerTest, MissingSynthesizerNamesThePath) {
  RealFixture f;
  auto opt = f.Options();
  opt.io_synth_root = f.dir.path() / "nowhere";
  RealRunner runner(f.space, opt);
  const auto o = runner.Run(f.Request(3));
  EXPECT_FALSE(o.ok);
  EXPECT_THAT(o.failure_reason,
              HasSubstr((f.dir.path() / "nowhere/scripts/features2synth_opsaware.py").string() +
                        " does not exist"));
}

}  // namespace
}  // namespace iorec::runner

// The real runner with stand-ins that accept exactly the real tools' argument forms: the
// planner's flags (as features2synth_opsaware.py's argparse has them), its output layout
// (payload/data/{ro,rw,wo}, payload/meta, a run script with an mpi_synthio launch line),
// mpiexec, and scripts/fake-lustre/{lfs,lctl}. The real chain is in real_chain_test.cpp.
#include "iorec/runner/real_runner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <sstream>
#include <thread>

#include "iorec/core/file_io.hpp"
#include "iorec/darshan/summary.hpp"
#include "test_util.hpp"

namespace iorec::runner {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunShellScript;
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

// The planner's flags: anything else is an argparse error (exit 2), as with the real one.
// Its outputs have the real layout and launch line.
constexpr const char* kFakePlanner = R"SH(
echo "planner $*" >> "$LOG"
shift
while [ $# -gt 0 ]; do
  case $1 in
    --features|--cap-total-gib|--nprocs|--meta-api|--meta-scope) shift 2 ;;
    --io-api) api=$2; shift 2 ;;
    --outdir) outdir=$2; shift 2 ;;
    --mpi-collective-mode)
      case $2 in yes|no) ;; *) echo "invalid choice: '$2'" >&2; exit 2 ;; esac; shift 2 ;;
    *) echo "unrecognized arguments: $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$outdir/payload"
printf 'type,path\ndata,%s/payload/data/wo/wo_0.dat\n' "$outdir" > "$outdir/payload/plan.csv"
{
  echo 'set -eu'
  echo "echo prep >> \"\$LOG\""
  echo "mkdir -p $outdir/payload/data/ro $outdir/payload/data/rw $outdir/payload/data/wo $outdir/payload/meta"
  echo "truncate -s 4096 '$outdir/payload/data/wo/wo_0.dat'"
} > "$outdir/run_prep.sh"
{
  echo '#!/usr/bin/env bash'
  echo "bash $outdir/run_prep.sh"
  echo 'export DARSHAN_LOGFILE="${DARSHAN_LOGFILE:-/mnt/somewhere/x.darshan}"'
  echo 'MPI_SYNTH_ARGS=()'
  echo "mpiexec -n 4 -genv LD_PRELOAD /mnt/x/libdarshan.so -genv DARSHAN_LOGFILE \"\$DARSHAN_LOGFILE\" /mnt/x/bin/mpi_synthio --plan $outdir/payload/plan.csv --io-api $api --meta-api posix --collective yes --fs-align 4096 \"\${MPI_SYNTH_ARGS[@]}\""
} > "$outdir/run_from_features.sh"
printf '{\n  "run_sh": "%s/run_from_features.sh"\n}\n' "$outdir"
)SH";

// mpiexec -n N PROGRAM ARGS: logs its argv and, for a run with Darshan, writes the fixture
// log where DARSHAN_LOGFILE says (what libdarshan.so would do).
constexpr const char* kFakeMpiexec = R"SH(#!/bin/sh
echo "mpiexec $*" >> "$LOG"
[ "$1" = -n ] || { echo "fake mpiexec: -n N first" >&2; exit 2; }
shift 2
[ "$1" = env ] || exit 0
for a in "$@"; do case $a in DARSHAN_LOGFILE=*) cp "$FIXTURE_LOG" "${a#DARSHAN_LOGFILE=}" ;; esac; done
)SH";

std::string HostName() {
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  return host;
}

struct RealFixture {
  TempDir dir;
  space::Space space = LustreSpace();
  space::WorkloadSet ws;
  std::filesystem::path log, root, out, lustre_log;
  RealFixture() {
    log = dir.path() / "commands.log";
    lustre_log = dir.path() / "lustre.log";
    root = dir.path() / "io_synth";
    out = dir.path() / "out_synth";
    ws.feature_names = {"pct_reads", "pct_writes"};
    const auto wfile = dir.Write("top1.json", R"({"nprocs": 16, "io_api": "mpiio",
        "mpi_collective_mode": "yes", "pct_reads": 0.5, "pct_writes": 0.5})");
    ws.workloads.push_back({"top1", {0.5, 0.5}, wfile.string(), {}});
    dir.Write("planner.sh", kFakePlanner);
    dir.Write("bin/python3",
              "#!/bin/sh\nexec sh " + (dir.path() / "planner.sh").string() + " \"$@\"\n", true);
    dir.Write("bin/mpiexec", kFakeMpiexec, true);
    dir.Write("bin/sudo", "#!/bin/sh\necho \"sudo $*\" >> \"$LOG\"\nexec \"$@\"\n", true);
    for (const char* tool : {"lfs", "lctl"}) {
      std::filesystem::create_symlink(
          std::filesystem::path(IOREC_SOURCE_DIR) / "scripts/fake-lustre" / tool,
          dir.path() / "bin" / tool);
    }
    dir.Write("io_synth/scripts/features2synth_opsaware.py", "# fake\n");
    ::setenv("LOG", log.c_str(), 1);
    ::setenv("FIXTURE_LOG", IOREC_TEST_DATA "/darshan/combined.darshan", 1);
    ::setenv("IOREC_FAKE_LUSTRE_LOG", lustre_log.c_str(), 1);
    ::setenv("IOREC_FAKE_LUSTRE_STATE", (dir.path() / "lustre-state").c_str(), 1);
  }
  RealRunnerOptions Options() const {
    RealRunnerOptions o;
    o.io_synth_root = root;
    o.out_root = out;
    o.flush_wait_sec = 0;
    o.nprocs_cap = 1;  // the fixture log's rank count
    o.cap_total_gib = 0.25;
    o.require_lustre = false;
    o.darshan_lib = "/opt/darshan/lib/libdarshan.so";
    o.trials_root = dir.path() / "trials";
    o.feature_names = ws.feature_names;
    return o;
  }
  TrialRequest Request(uint64_t id) const {
    TrialRequest r;
    r.workload = &ws.workloads[0];
    r.config = space::Config({1, 1, 0, 0, 0, 0, 0, 0, 0});
    r.trial_id = id;
    return r;
  }
  std::string Plan() const { return (out / "top1").string(); }
  std::string Lctl(const std::string& param) const {
    return Slurp(dir.path() / "lustre-state" / param);
  }
};

double FixtureColumn(const std::string& column) {
  const auto s = darshan::ReadAnyLog(IOREC_TEST_DATA "/darshan/combined.darshan");
  return SummaryColumn(s, column).value();
}

TEST(RealRunnerTest, DrivesTheToolsWithTheirRealArgumentForms) {
  RealFixture f;
  testing::ScopedPath path(f.dir.path() / "bin");
  RealRunner runner(f.space, f.Options());
  const auto o = runner.Run(f.Request(3));
  ASSERT_TRUE(o.ok) << o.failure_reason << "\n" << o.stderr_tail;
  const std::string trial = (f.dir.path() / "trials/top1/3").string();
  // The planner with its own flags: nprocs = min(16, nprocs_cap 1), the workload's io_api.
  // Then the trial's copy of run_prep.sh, then mpi_synthio on the trial's copy of the plan,
  // with Darshan and the MPI-IO knobs as its flags.
  EXPECT_EQ(Slurp(f.log),
            "planner " + f.root.string() + "/scripts/features2synth_opsaware.py --features " +
                f.ws.workloads[0].source_file +
                " --cap-total-gib 0.25 --io-api mpiio --meta-api posix --mpi-collective-mode yes "
                "--meta-scope separate --nprocs 1 --outdir " +
                f.Plan() +
                "\nprep\nmpiexec -n 1 env LD_PRELOAD=/opt/darshan/lib/libdarshan.so "
                "DARSHAN_LOGFILE=" +
                trial + "/top1.darshan DARSHAN_MODMEM=64 mpi_synthio --plan " + trial +
                "/plan.csv --io-api mpiio --meta-api posix --collective yes --fs-align "
                "4096 --mpi-num-aggregators 2 --mpi-collective-buffer-size 16777216 "
                "--mpi-aggregators-per-client 1\n");
  // lctl: the node's values recorded, then set; lfs on every directory the plan writes
  // (run_prep.sh, which creates the files, comes after: see the log above).
  std::string expected =
      "lctl\tget_param\tosc.*.max_pages_per_rpc\tosc.*.max_rpcs_in_flight\t"
      "mdc.*.max_pages_per_rpc\tmdc.*.max_rpcs_in_flight\n"
      "lctl\tset_param\tosc.*.max_pages_per_rpc=256\nlctl\tset_param\tosc.*.max_rpcs_in_flight=8\n"
      "lctl\tset_param\tmdc.*.max_pages_per_rpc=64\nlctl\tset_param\tmdc.*.max_rpcs_in_flight=16\n";
  for (const char* d : {"", "/data/ro", "/data/rw", "/data/wo", "/meta"}) {
    expected += "lfs\tsetstripe\t-c\t4\t-S\t1M\t" + f.Plan() + "/payload-3" + d + "\n";
  }
  const std::string lustre = Slurp(f.lustre_log);
  EXPECT_EQ(lustre.substr(0, expected.size()), expected) << lustre;
  // ... and restored after the trial, device by device.
  EXPECT_THAT(lustre, HasSubstr("lctl\tset_param\tosc.fake-OST0000-osc.max_pages_per_rpc=1024\n"));
  EXPECT_EQ(f.Lctl("osc.fake-OST0001-osc.max_pages_per_rpc"), "1024\n");
  EXPECT_EQ(f.Lctl("mdc.fake-MDT0000-mdc.max_rpcs_in_flight"), "8\n");
  // The metric from the trial's own log; fidelity and both modules' figures beside it.
  // The default metric_key (agg_perf_by_slowest) on an MPI-IO run: MPI-IO's figure if the log
  // has it, else POSIX's.
  const auto s = darshan::ReadAnyLog(IOREC_TEST_DATA "/darshan/combined.darshan");
  const PickedMetric want = PickMetric(s, "agg_perf_by_slowest", "bytes_over_f_time", "mpiio");
  ASSERT_TRUE(want.reading.ok);
  EXPECT_DOUBLE_EQ(o.value, want.reading.value);
  EXPECT_THAT(Slurp(trial + "/fidelity.json"), HasSubstr("\"metric_column\": \"" + want.column));
  EXPECT_THAT(Slurp(trial + "/fidelity.json"), HasSubstr("\"POSIX\": "));
}

TEST(RealRunnerTest, SudoPrefixesLustreCommandsAndThePlanIsMadeOncePerWorkload) {
  RealFixture f;
  testing::ScopedPath path(f.dir.path() / "bin");
  auto opt = f.Options();
  opt.use_sudo_for_lustre = true;
  RealRunner runner(f.space, opt);
  ASSERT_TRUE(runner.Run(f.Request(3)).ok);
  const std::string log = Slurp(f.log);
  EXPECT_THAT(log, HasSubstr("sudo lfs setstripe -c 4 -S 1M " + f.Plan() + "/payload-3\n"));
  EXPECT_THAT(log, HasSubstr("sudo lctl set_param osc.*.max_pages_per_rpc=256\n"));
  EXPECT_THAT(log, HasSubstr("sudo lctl get_param osc.*.max_pages_per_rpc"));
  std::filesystem::remove(f.log);
  ASSERT_TRUE(runner.Run(f.Request(4)).ok);
  EXPECT_THAT(Slurp(f.log), Not(HasSubstr("planner")));
}

TEST(RealRunnerTest, ACrashedTrialsClientSettingsAreRestoredBeforeTheNextTrial) {
  RealFixture f;
  testing::ScopedPath path(f.dir.path() / "bin");
  // A trial killed after setting 256 left its record of the original value (512) behind.
  f.dir.Write("lustre-state/osc.fake-OST0000-osc.max_pages_per_rpc", "256\n");
  f.dir.Write("out_synth/.iorec-lctl/" + HostName(),
              "osc.fake-OST0000-osc.max_pages_per_rpc=512\n");
  RealRunner runner(f.space, f.Options());
  ASSERT_TRUE(runner.Run(f.Request(3)).ok);
  const std::string log = Slurp(f.lustre_log);
  const size_t restore = log.find("lctl\tset_param\tosc.fake-OST0000-osc.max_pages_per_rpc=512\n");
  ASSERT_NE(restore, std::string::npos) << log;
  EXPECT_LT(restore, log.find("lctl\tget_param"));
  EXPECT_EQ(f.Lctl("osc.fake-OST0000-osc.max_pages_per_rpc"), "512\n");
  EXPECT_FALSE(std::filesystem::exists(f.out / ".iorec-lctl" / HostName()));
}

TEST(RealRunnerTest, EachTrialHasItsOwnPayloadWhichGoesWhenItEnds) {
  RealFixture f;
  testing::ScopedPath path(f.dir.path() / "bin");
  RealRunner runner(f.space, f.Options());
  ASSERT_TRUE(runner.Run(f.Request(3)).ok);
  ASSERT_TRUE(runner.Run(f.Request(4)).ok);
  // The trial's copies of the plan name files in its own payload directory (trials of one
  // workload may run at the same time under Slurm); the workload's plan is left as it was.
  const std::string trial = (f.dir.path() / "trials/top1/4").string();
  EXPECT_EQ(Slurp(trial + "/plan.csv"),
            "type,path\ndata," + f.Plan() + "/payload-4/data/wo/wo_0.dat\n");
  EXPECT_THAT(Slurp(trial + "/run_prep.sh"),
              HasSubstr("truncate -s 4096 '" + f.Plan() + "/payload-4/data/wo/wo_0.dat'"));
  EXPECT_THAT(Slurp(f.Plan() + "/payload/plan.csv"), HasSubstr(f.Plan() + "/payload/data/wo/"));
  EXPECT_THAT(Slurp(f.lustre_log), HasSubstr("\t" + f.Plan() + "/payload-4/data/wo\n"));
  // The data files go with the trial.
  EXPECT_FALSE(std::filesystem::exists(f.Plan() + "/payload-3"));
  EXPECT_FALSE(std::filesystem::exists(f.Plan() + "/payload-4"));
}

TEST(RealRunnerTest, ALogWithAnotherRankCountThanThePlanFailsTheTrial) {
  // srun without the MPI plugin the MPI needs starts N single-rank jobs, not one of N ranks:
  // the log says 1 rank (the fixture's), the plan 4.
  RealFixture f;
  testing::ScopedPath path(f.dir.path() / "bin");
  auto opt = f.Options();
  opt.nprocs_cap = 4;
  opt.launcher = "mpiexec -n {nprocs}";
  RealRunner runner(f.space, opt);
  const auto o = runner.Run(f.Request(3));
  EXPECT_FALSE(o.ok);
  EXPECT_THAT(o.failure_reason,
              AllOf(HasSubstr("top1.darshan: the run had 1 rank(s), the plan 4"),
                    HasSubstr("runner.launcher 'mpiexec -n {nprocs}' did not start one MPI job "
                              "of 4 ranks"),
                    HasSubstr("srun --mpi=pmi2")));
}

/// `pid:<pid>:<start time>`, the owner id of a trial run by a local shell with that pid.
std::string PidOwner(pid_t pid) {
  std::istringstream stat(Slurp("/proc/" + std::to_string(pid) + "/stat"));
  std::string field;
  for (int i = 0; i < 22 && stat >> field; ++i) {
  }
  return "pid:" + std::to_string(pid) + ":" + field;
}

TEST(RealRunnerTest, ALiveTrialsClientSettingsAreWaitedForAndADeadOnesPutBack) {
  RealFixture f;
  testing::ScopedPath path(f.dir.path() / "bin");
  RealRunner runner(f.space, f.Options());
  const auto apply = f.dir.Write("apply.sh", runner.LctlApplyScript(f.Request(3)));
  const auto restore = f.dir.Write("restore.sh", runner.LctlRestoreScript());
  // This test process is a live trial that set 256 on the node and recorded 512.
  const auto state = f.out / ".iorec-lctl";
  f.dir.Write("out_synth/.iorec-lctl/" + HostName() + ".owner", PidOwner(::getpid()) + "\n");
  f.dir.Write("lustre-state/osc.fake-OST0000-osc.max_pages_per_rpc", "256\n");
  f.dir.Write("out_synth/.iorec-lctl/" + HostName(),
              "osc.fake-OST0000-osc.max_pages_per_rpc=512\n");
  // Another trial's restore leaves them alone.
  ASSERT_TRUE(RunShellScript("sh " + restore.string() + " job:7").Succeeded());
  EXPECT_EQ(f.Lctl("osc.fake-OST0000-osc.max_pages_per_rpc"), "256\n");
  EXPECT_TRUE(std::filesystem::exists(state / HostName()));
  // Another trial's apply waits...
  const auto err = f.dir.path() / "apply.err";
  std::thread waiter(
      [&] { RunShellScript("timeout 60 sh " + apply.string() + " job:7 2> " + err.string()); });
  for (int i = 0; i < 3000 && Slurp(err).find("waiting for") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // bounds a hang only
  }
  EXPECT_THAT(Slurp(err), HasSubstr("waiting for " + PidOwner(::getpid()) +
                                    ", another trial that set this node's client settings"));
  EXPECT_THAT(Slurp(f.lustre_log), Not(HasSubstr("get_param")));
  // ... until the holder is gone (its pid reused by another process: another start time).
  // Atomically: the waiter must never read a half-written owner file.
  core::WriteFileAtomic(state / (HostName() + ".owner"),
                        "pid:" + std::to_string(::getpid()) + ":0\n");
  waiter.join();
  // Then it puts back what the dead trial left before recording the node's values.
  const std::string log = Slurp(f.lustre_log);
  const size_t put_back = log.find("lctl\tset_param\tosc.fake-OST0000-osc.max_pages_per_rpc=512\n");
  ASSERT_NE(put_back, std::string::npos) << log;
  EXPECT_LT(put_back, log.find("lctl\tget_param"));
  EXPECT_EQ(Slurp(state / (HostName() + ".owner")), "job:7\n");
  EXPECT_THAT(Slurp(state / HostName()), HasSubstr("osc.fake-OST0000-osc.max_pages_per_rpc=512\n"));
  EXPECT_EQ(f.Lctl("osc.fake-OST0000-osc.max_pages_per_rpc"), "256\n");
  // Its own restore puts the node back and frees it.
  ASSERT_TRUE(RunShellScript("sh " + restore.string() + " job:7").Succeeded());
  EXPECT_EQ(f.Lctl("osc.fake-OST0000-osc.max_pages_per_rpc"), "512\n");
  EXPECT_FALSE(std::filesystem::exists(state / HostName()));
  EXPECT_FALSE(std::filesystem::exists(state / (HostName() + ".owner")));
  EXPECT_FALSE(std::filesystem::exists(state / (HostName() + ".guard")));
}

TEST(RealRunnerTest, OnlyTrialsThatSetClientKnobsNeedWholeNodes) {
  RealFixture f;
  auto opt = f.Options();
  opt.dry_run = true;  // no planner needed for Plan()
  RealRunner lustre(f.space, opt);
  EXPECT_TRUE(lustre.Plan(f.Request(3)).whole_nodes);
  const space::Space stripes_only = testing::SmallSpace({"stripe_count", "num_aggregators"});
  RealRunner no_lctl(stripes_only, opt);
  TrialRequest r = f.Request(3);
  r.config = space::Config({0, 0});
  EXPECT_FALSE(no_lctl.Plan(r).whole_nodes);
}

TEST(RealRunnerTest, ReferenceApiOverridesAndPosixRunsGetNoMpiIoFlags) {
  RealFixture f;
  testing::ScopedPath path(f.dir.path() / "bin");
  auto opt = f.Options();
  opt.io_api = "posix";
  opt.mpi_collective_mode = "yes";  // "no" unless mpiio, as the reference reads it
  RealRunner runner(f.space, opt);
  ASSERT_TRUE(runner.Run(f.Request(3)).ok);
  const std::string log = Slurp(f.log);
  EXPECT_THAT(log, HasSubstr("--io-api posix --meta-api posix --mpi-collective-mode no "));
  EXPECT_THAT(log, Not(HasSubstr("--mpi-num-aggregators")));
}

TEST(RealRunnerTest, DryRunPrintsEveryCommandAndRecordsThePlaceholderMetric) {
  RealFixture f;
  testing::ScopedPath path(f.dir.path() / "bin");
  std::ostringstream printed;
  auto opt = f.Options();
  opt.dry_run = true;
  opt.dry_run_out = &printed;
  RealRunner runner(f.space, opt);
  const auto o = runner.Run(f.Request(3));
  EXPECT_TRUE(o.ok);
  EXPECT_EQ(o.value, kDryRunMetric);
  EXPECT_FALSE(std::filesystem::exists(f.log));
  EXPECT_FALSE(std::filesystem::exists(f.lustre_log));
  const std::string text = printed.str();
  EXPECT_THAT(text, HasSubstr("features2synth_opsaware.py --features"));
  EXPECT_THAT(text, HasSubstr("lctl set_param 'osc.*.max_pages_per_rpc=256'\n"));
  EXPECT_LT(text.find("lfs setstripe -c 4 -S 1M"), text.find("run_prep.sh"));
  EXPECT_LT(text.find("run_prep.sh"), text.find("mpiexec -n 1 env"));
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

TEST(RealRunnerTest, LustreKnobsThatCannotTakeEffectStopTheStudyOrWarn) {
  RealFixture f;
  auto opt = f.Options();
  opt.require_lustre = true;
  RealRunner strict(f.space, opt);
  EXPECT_THAT([&] { strict.CheckLustre(); },
              ::testing::ThrowsMessage<core::InputError>(
                  AllOf(HasSubstr("the Lustre knobs stripe_count, stripe_size, "
                                  "osc_max_pages_per_rpc, mdc_max_pages_per_rpc, "
                                  "osc_max_rpcs_in_flight, mdc_max_rpcs_in_flight cannot take "
                                  "effect"),
                        HasSubstr("is not on Lustre"), HasSubstr("require_lustre: false"))));
  opt.require_lustre = false;
  RealRunner lenient(f.space, opt);
  EXPECT_THAT(lenient.CheckLustre(), HasSubstr("tuned without effect"));
  const space::Space mpi_only = testing::SmallSpace({"num_aggregators"});
  RealRunner no_lustre(mpi_only, opt);
  EXPECT_EQ(no_lustre.CheckLustre(), "");
}

TEST(RealRunnerTest, HostileKnobValuesReachTheToolsAsOneArgumentEach) {
  RealFixture f;
  testing::ScopedPath path(f.dir.path() / "bin");
  const std::string bomb = f.dir.path().string() + "/PWNED";
  auto knob = [](const std::string& name, const std::string& value) {
    space::Knob k;
    k.name = name;
    k.values.push_back(space::KnobValue::String(value));
    return k;
  };
  const space::Space hostile({knob("stripe_count", "1; touch " + bomb),
                              knob("stripe_size", "$(touch " + bomb + ")"),
                              knob("osc_max_pages_per_rpc", "`touch " + bomb + "`")});
  RealRunner runner(hostile, f.Options());
  TrialRequest r = f.Request(3);
  r.config = space::Config({0, 0, 0});
  const auto o = runner.Run(r);
  EXPECT_FALSE(o.ok);  // the fake tools refuse the values, as the real ones would
  EXPECT_FALSE(std::filesystem::exists(bomb));
  const std::string log = Slurp(f.lustre_log);
  EXPECT_THAT(log, HasSubstr("lctl\tset_param\tosc.*.max_pages_per_rpc=`touch " + bomb + "`\n"));
}

TEST(RealRunnerTest, ACollectiveBufferSizeWithASuffixReachesMpiSynthioInBytes) {
  // mpi_synthio reads its flag with atoll: "16M" would be 16 bytes.
  RealFixture f;
  testing::ScopedPath path(f.dir.path() / "bin");
  auto knob = [](const std::string& name, const std::string& value) {
    space::Knob k;
    k.name = name;
    k.values.push_back(space::KnobValue::FromText(value));
    return k;
  };
  const space::Space sp({knob("num_aggregators", "4"), knob("collective_buffer_size", "16M"),
                         knob("aggregators_per_client", "2")});
  RealRunner runner(sp, f.Options());
  TrialRequest r = f.Request(3);
  r.config = space::Config({0, 0, 0});
  const auto o = runner.Run(r);
  ASSERT_TRUE(o.ok) << o.failure_reason;
  EXPECT_THAT(Slurp(f.log), HasSubstr("--mpi-num-aggregators 4 --mpi-collective-buffer-size "
                                      "16777216 --mpi-aggregators-per-client 2\n"));
}

TEST(RealRunnerTest, ToolArgumentHelpers) {
  EXPECT_EQ(LfsStripeSize("1m"), "1M");
  EXPECT_EQ(LfsStripeSize("64K"), "64K");
  EXPECT_EQ(LfsStripeSize("1024"), "1M");
  EXPECT_EQ(LfsStripeSize("1048576"), "1G");
  EXPECT_EQ(LfsStripeSize("48"), "48K");
  EXPECT_EQ(CollectiveFlag("collective", "mpiio"), "yes");
  EXPECT_EQ(CollectiveFlag("none", "mpiio"), "no");
  EXPECT_EQ(CollectiveFlag("yes", "posix"), "no");
  EXPECT_EQ(SynthArgsFromRunScript("x\nmpiexec -n 2 -genv A 'b c' /p/mpi_synthio --plan "
                                   "/a/plan.csv --fs-align 4096 \"${MPI_SYNTH_ARGS[@]}\"\n",
                                   "run.sh"),
            (std::vector<std::string>{"--plan", "/a/plan.csv", "--fs-align", "4096"}));
  EXPECT_THROW(SynthArgsFromRunScript("echo hi\n", "run.sh"), core::Error);
}

TEST(RealRunnerTest, MetricIsPickedAsTheReferencePicksIt) {
  const auto s = darshan::ReadAnyLog(IOREC_TEST_DATA "/darshan/combined.darshan");
  const bool mpiio = s.Module("MPIIO") != nullptr && s.Module("MPIIO")->has_perf;
  auto pick = [&](const std::string& key) {
    return PickMetric(s, key, "bytes_over_f_time", "posix").column;
  };
  EXPECT_EQ(pick("POSIX_agg_perf_by_slowest"), "POSIX_agg_perf_by_slowest");
  EXPECT_EQ(pick("agg_perf_by_slowest"),
            mpiio ? "MPIIO_agg_perf_by_slowest" : "POSIX_agg_perf_by_slowest");
  EXPECT_EQ(pick("no_such_column"), "POSIX_bytes_over_f_time");
  const auto fb = PickMetric(s, "no_such_column", "bytes_over_f_time", "posix");
  const double bytes = FixtureColumn("POSIX_BYTES_READ") + FixtureColumn("POSIX_BYTES_WRITTEN");
  const double time = FixtureColumn("POSIX_F_READ_TIME") + FixtureColumn("POSIX_F_WRITE_TIME") +
                      FixtureColumn("POSIX_F_META_TIME");
  EXPECT_DOUBLE_EQ(fb.reading.value, bytes / time / (1024.0 * 1024.0));
  EXPECT_FALSE(PickMetric(s, "no_such_column", "other", "posix").reading.ok);
}

}  // namespace
}  // namespace iorec::runner

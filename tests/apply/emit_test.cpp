// Every emitted format is parsed back by what reads it: the lfs and lctl lines run against
// the stand-ins in scripts/fake-lustre (which accept only the real tools' argument forms),
// the hints snippet runs and its file is read as ROMIO reads it, the Slurm fragment passes
// `bash -n` and runs.
#include "iorec/apply/emit.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "common/temp_dir.hpp"
#include "iorec/runner/process.hpp"

namespace iorec::apply {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

space::Knob Knob(const std::string& name, std::vector<std::string> values) {
  space::Knob k;
  k.name = name;
  for (const auto& v : values) k.values.push_back(space::KnobValue::FromText(v));
  return k;
}

/// The default study's nine knobs (one value each) plus one no system setting stands for.
space::Space FullSpace() {
  return space::Space(
      {Knob("stripe_count", {"8"}), Knob("stripe_size", {"4M"}),
       Knob("osc_max_pages_per_rpc", {"512"}), Knob("mdc_max_pages_per_rpc", {"128"}),
       Knob("osc_max_rpcs_in_flight", {"32"}), Knob("mdc_max_rpcs_in_flight", {"16"}),
       Knob("num_aggregators", {"4"}), Knob("collective_buffer_size", {"16777216"}),
       Knob("aggregators_per_client", {"2"}), Knob("bs", {"64k"})});
}

EmitContext Context() {
  EmitContext ctx;
  ctx.workload = "app";
  ctx.rank = 1;
  ctx.description = "stripe_count=8 ...";
  ctx.source = "measured here (3 runs)";
  ctx.expected = "expected 2,900 MiB/s (2,600–3,100) vs 410 MiB/s with the current settings";
  return ctx;
}

/// Runs `script` with sh (or bash) in `dir`, the fake Lustre tools first on PATH.
runner::ProcessResult RunScript(const test_support::TempDir& dir, const std::string& script,
                                std::vector<std::pair<std::string, std::string>> env = {},
                                const std::string& shell = "sh") {
  const auto file = dir.Write("script.sh", script);
  runner::ProcessSpec spec;
  spec.argv = {shell, file.string()};
  spec.cwd = dir.path();
  const std::string fake = std::string(IOREC_SOURCE_DIR) + "/scripts/fake-lustre";
  env.emplace_back("PATH", fake + ":" + std::getenv("PATH"));
  env.emplace_back("IOREC_FAKE_LUSTRE_LOG", (dir.path() / "lustre.log").string());
  env.emplace_back("IOREC_FAKE_LUSTRE_STATE", (dir.path() / "lustre-state").string());
  spec.env = std::move(env);
  spec.timeout_s = 60;
  return runner::RunProcess(spec);
}

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A ROMIO hints file as ROMIO reads it: `key value` per line, '#' in column 0 a comment,
/// lines with another number of words ignored.
std::map<std::string, std::string> ReadHintsFile(const std::string& text) {
  std::map<std::string, std::string> hints;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string key, value, extra;
    if (words >> key >> value && !(words >> extra)) hints.emplace(key, value);
  }
  return hints;
}

TEST(EmitTest, SettingsFollowWhatTheRealRunnerApplies) {
  const auto sp = FullSpace();
  const Settings s = SettingsOf(sp, space::Config(std::vector<uint8_t>(10, 0)));
  EXPECT_EQ(s.stripe_count, "8");
  EXPECT_EQ(s.stripe_size, "4M");
  EXPECT_EQ(s.lctl, (KeyValues{{"osc.*.max_pages_per_rpc", "512"},
                               {"mdc.*.max_pages_per_rpc", "128"},
                               {"osc.*.max_rpcs_in_flight", "32"},
                               {"mdc.*.max_rpcs_in_flight", "16"}}));
  EXPECT_EQ(
      s.romio,
      (KeyValues{{"cb_nodes", "4"}, {"cb_buffer_size", "16777216"}, {"cb_config_list", "*:2"}}));
  EXPECT_EQ(s.other, (KeyValues{{"bs", "64k"}}));
  EXPECT_TRUE(s.problems.empty());
  EXPECT_EQ(MpichMpiioHints(s), "*:cb_nodes=4:cb_buffer_size=16777216");
  // A plain stripe size is KiB, as the reference and the runner read it.
  const space::Space kib({Knob("stripe_size", {"1024"}), Knob("num_aggregators", {"x"})});
  const Settings k = SettingsOf(kib, space::Config({0, 0}));
  EXPECT_EQ(k.stripe_size, "1M");
  EXPECT_TRUE(k.romio.empty());
  ASSERT_EQ(k.problems.size(), 1u);
  EXPECT_THAT(k.problems[0], HasSubstr("num_aggregators=x"));
}

TEST(EmitTest, LfsLinesRunAgainstLfsOnEveryNamedDirectory) {
  test_support::TempDir dir;
  const auto sp = FullSpace();
  const Settings s = SettingsOf(sp, space::Config(std::vector<uint8_t>(10, 0)));
  EmitContext ctx = Context();
  const std::string odd = (dir.path() / "out dir/it's").string();
  ctx.dirs = {(dir.path() / "a").string(), odd};
  const std::string text = EmitLfs(s, ctx);
  EXPECT_THAT(text, HasSubstr("# iorec: Lustre striping for workload app, config #1"));
  EXPECT_THAT(text, HasSubstr("expected 2,900 MiB/s"));
  EXPECT_THAT(text, HasSubstr("not a system setting (set it in the application or benchmark): "
                              "bs=64k"));
  const auto r = RunScript(dir, text);
  ASSERT_TRUE(r.Succeeded()) << r.Describe() << r.err;
  EXPECT_EQ(Slurp(dir.path() / "lustre.log"), "lfs\tsetstripe\t-c\t8\t-S\t4M\t" +
                                                  (dir.path() / "a").string() +
                                                  "\nlfs\tsetstripe\t-c\t8\t-S\t4M\t" + odd + "\n");
  EXPECT_TRUE(std::filesystem::is_directory(odd));
}

TEST(EmitTest, WithoutADirectoryTheLfsLinesAskForOne) {
  test_support::TempDir dir;
  const space::Space sp({Knob("stripe_count", {"4"})});
  const Settings s = SettingsOf(sp, space::Config({0}));
  const std::string text = EmitLfs(s, Context());
  const auto unset = RunScript(dir, text);
  EXPECT_FALSE(unset.Succeeded());
  EXPECT_THAT(unset.err, HasSubstr("set OUTPUT_DIR to the directory the job writes"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "lustre.log"));
  const auto set = RunScript(dir, text, {{"OUTPUT_DIR", (dir.path() / "o").string()}});
  ASSERT_TRUE(set.Succeeded()) << set.err;
  EXPECT_EQ(Slurp(dir.path() / "lustre.log"),
            "lfs\tsetstripe\t-c\t4\t" + (dir.path() / "o").string() + "\n");
}

TEST(EmitTest, HostileKnobValuesStayOneArgument) {
  test_support::TempDir dir;
  const std::string bomb = (dir.path() / "PWNED").string();
  const space::Space sp({Knob("stripe_count", {"1; touch " + bomb}),
                         Knob("osc_max_pages_per_rpc", {"$(touch " + bomb + ")"})});
  const Settings s = SettingsOf(sp, space::Config({0, 0}));
  EmitContext ctx = Context();
  ctx.workload = "x\ntouch " + bomb;  // a newline must not end the comment
  ctx.dirs = {(dir.path() / "d").string()};
  for (const std::string& text : {EmitLfs(s, ctx), EmitLctl(s, ctx), EmitSlurm(s, ctx)}) {
    RunScript(dir, text);  // the fake tools refuse the values, as the real ones would
    EXPECT_FALSE(std::filesystem::exists(bomb)) << text;
  }
  EXPECT_THAT(Slurp(dir.path() / "lustre.log"), HasSubstr("lfs\tsetstripe\t-c\t1; touch " + bomb));
}

TEST(EmitTest, LctlLinesSetTheClientKnobsAndShowHowToPutThemBack) {
  test_support::TempDir dir;
  const auto sp = FullSpace();
  const Settings s = SettingsOf(sp, space::Config(std::vector<uint8_t>(10, 0)));
  EmitContext ctx = Context();
  ctx.current.host = "login1";
  ctx.current.values = ParseLctlGetParam(
      "osc.fs-OST0000-osc-ffff8.max_pages_per_rpc=1024\n"
      "osc.fs-OST0001-osc-ffff8.max_pages_per_rpc=1024\n"
      "mdc.fs-MDT0000-mdc-ffff8.max_pages_per_rpc=256\n"
      "osc.fs-OST0000-osc-ffff8.max_rpcs_in_flight=8\n"
      "osc.fs-OST0001-osc-ffff8.max_rpcs_in_flight=16\n",
      {"osc.*.max_pages_per_rpc", "mdc.*.max_pages_per_rpc", "osc.*.max_rpcs_in_flight",
       "mdc.*.max_rpcs_in_flight"});
  EXPECT_EQ(ctx.current.values, (KeyValues{{"osc.*.max_pages_per_rpc", "1024"},
                                           {"mdc.*.max_pages_per_rpc", "256"},
                                           {"osc.*.max_rpcs_in_flight", "8, 16"}}));
  const std::string text = EmitLctl(s, ctx);
  EXPECT_THAT(text, HasSubstr("node-wide"));
  EXPECT_THAT(text, HasSubstr("need root"));
  EXPECT_THAT(text, HasSubstr("# Current values on login1"));
  EXPECT_THAT(text, HasSubstr("#   osc.*.max_rpcs_in_flight = 8, 16\n"));
  EXPECT_THAT(text, HasSubstr("#   mdc.*.max_rpcs_in_flight = ?\n"));
  // Put back only where the value is one.
  EXPECT_THAT(text, HasSubstr("# lctl set_param 'osc.*.max_pages_per_rpc=1024'\n"));
  EXPECT_THAT(text, Not(HasSubstr("# lctl set_param 'osc.*.max_rpcs_in_flight=16")));
  const auto r = RunScript(dir, text);
  ASSERT_TRUE(r.Succeeded()) << r.err;
  for (const auto& [file, value] :
       std::map<std::string, std::string>{{"osc.fake-OST0000-osc.max_pages_per_rpc", "512"},
                                          {"osc.fake-OST0001-osc.max_rpcs_in_flight", "32"},
                                          {"mdc.fake-MDT0000-mdc.max_pages_per_rpc", "128"},
                                          {"mdc.fake-MDT0000-mdc.max_rpcs_in_flight", "16"}}) {
    EXPECT_EQ(Slurp(dir.path() / "lustre-state" / file), value + "\n") << file;
  }
  ctx.current = {"", {}, "lctl not found on PATH"};
  EXPECT_THAT(EmitLctl(s, ctx), HasSubstr("# Current values: not readable here (lctl not found"));
}

TEST(EmitTest, RomioHintsSnippetWritesAFileRomioReadsAndExportsItsPath) {
  test_support::TempDir dir;
  const auto sp = FullSpace();
  const Settings s = SettingsOf(sp, space::Config(std::vector<uint8_t>(10, 0)));
  const std::string text = EmitRomioHints(s, Context());
  const auto r = RunScript(dir, text + "echo \"$ROMIO_HINTS\"\necho \"$MPICH_MPIIO_HINTS\"\n");
  ASSERT_TRUE(r.Succeeded()) << r.err;
  const auto file = dir.path() / "romio-hints.app";
  EXPECT_EQ(r.out, file.string() + "\n*:cb_nodes=4:cb_buffer_size=16777216\n");
  EXPECT_EQ(ReadHintsFile(Slurp(file)),
            (std::map<std::string, std::string>{
                {"cb_nodes", "4"}, {"cb_buffer_size", "16777216"}, {"cb_config_list", "*:2"}}));
  EmitContext ctx = Context();
  ctx.hints_file = (dir.path() / "my hints").string();
  const auto r2 = RunScript(dir, EmitRomioHints(s, ctx) + "echo \"$ROMIO_HINTS\"\n");
  ASSERT_TRUE(r2.Succeeded()) << r2.err;
  EXPECT_EQ(r2.out, ctx.hints_file + "\n");
  EXPECT_EQ(ReadHintsFile(Slurp(ctx.hints_file)).at("cb_config_list"), "*:2");
}

TEST(EmitTest, SlurmFragmentIsValidBashAndAppliesAllButTheRootOnlySettings) {
  test_support::TempDir dir;
  const auto sp = FullSpace();
  const Settings s = SettingsOf(sp, space::Config(std::vector<uint8_t>(10, 0)));
  EmitContext ctx = Context();
  ctx.dirs = {(dir.path() / "out").string()};
  const std::string text = EmitSlurm(s, ctx);
  const auto file = dir.Write("fragment.sh", text);
  runner::ProcessSpec check;
  check.argv = {"bash", "-n", file.string()};
  const auto n = runner::RunProcess(check);
  ASSERT_TRUE(n.Succeeded()) << n.err;
  EXPECT_THAT(text, HasSubstr("# srun --ntasks-per-node=1 --nodes=\"$SLURM_JOB_NUM_NODES\" sudo "
                              "lctl set_param 'osc.*.max_pages_per_rpc=512'"));
  const auto submit = dir.path() / "submit";
  std::filesystem::create_directories(submit);
  const auto r = RunScript(dir, text + "echo \"$ROMIO_HINTS\"\n",
                           {{"SLURM_SUBMIT_DIR", submit.string()}}, "bash");
  ASSERT_TRUE(r.Succeeded()) << r.err;
  EXPECT_EQ(r.out, (submit / "romio-hints.app").string() + "\n");
  EXPECT_EQ(ReadHintsFile(Slurp(submit / "romio-hints.app")).size(), 3u);
  // lfs ran; lctl did not (commented out: it needs root on every node).
  EXPECT_EQ(Slurp(dir.path() / "lustre.log"),
            "lfs\tsetstripe\t-c\t8\t-S\t4M\t" + (dir.path() / "out").string() + "\n");
}

TEST(EmitTest, KnobsTheSpaceDoesNotHaveAreNotEmitted) {
  const space::Space sp({Knob("bs", {"4k"}), Knob("iodepth", {"16"})});
  const Settings s = SettingsOf(sp, space::Config({0, 0}));
  const EmitContext ctx = Context();
  EXPECT_THAT(EmitLfs(s, ctx), HasSubstr("no striping knob: nothing to set"));
  EXPECT_THAT(EmitLctl(s, ctx), HasSubstr("no Lustre client knob: nothing to set"));
  EXPECT_THAT(EmitRomioHints(s, ctx), HasSubstr("no MPI-IO hint knob: nothing to set"));
  EXPECT_THAT(EmitSlurm(s, ctx), Not(HasSubstr("lfs setstripe")));
  const auto j = SettingsJson(sp, space::Config({0, 0}), s, ctx);
  EXPECT_TRUE(j["lfs"].is_null());
  EXPECT_TRUE(j["romio_hints"].empty());
  EXPECT_EQ(j["other"]["iodepth"], "16");
}

TEST(EmitTest, FormatNames) {
  for (const char* name : {"lfs", "romio-hints", "lctl", "slurm", "json"}) {
    ASSERT_TRUE(ParseFormat(name).has_value()) << name;
    EXPECT_STREQ(ToString(*ParseFormat(name)), name);
  }
  EXPECT_FALSE(ParseFormat("yaml").has_value());
}

}  // namespace
}  // namespace iorec::apply

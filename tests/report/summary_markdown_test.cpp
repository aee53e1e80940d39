// summary.md shows names and values as text (issue 15 item 11): a workload id or knob value
// holding HTML or Markdown syntax must not become a tag, a link, emphasis or a block.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "iorec/config/study_config.hpp"
#include "iorec/eval/contribution.hpp"
#include "iorec/loop/study.hpp"
#include "iorec/report/evaluation_outputs.hpp"
#include "iorec/runner/stub_testbed.hpp"

namespace iorec::report {
namespace {

/// Names that are HTML, a Markdown link, code, emphasis or a block marker if not escaped.
const std::vector<std::string> kHostile = {"<script>alert(1)</script>",
                                           "<img src=x onerror=alert(1)>",
                                           "[click](javascript:alert(2))",
                                           "`code`_*em*_",
                                           "# heading\n- item",
                                           "1. x & y &amp; | z"};

struct HostileStudy {
  config::StudyConfig cfg;
  loop::StudyResult res;
};

HostileStudy RunHostileStudy() {
  HostileStudy h;
  auto& cfg = h.cfg;
  cfg.seed = 3;
  space::Knob k0;
  k0.name = "stripe_count";
  for (int v : {1, 2, 4}) k0.values.push_back(space::KnobValue::Int(v, std::to_string(v)));
  space::Knob k1;
  k1.name = "mode";
  k1.is_ordered = false;
  for (const auto& v : kHostile) k1.values.push_back(space::KnobValue::String(v));
  cfg.space = space::Space({k0, k1});
  cfg.baseline = space::Config({0, 0});
  cfg.warm_start.target_size = 6;
  cfg.active.ensemble_size = 2;
  cfg.active.iterations = 1;
  cfg.active.batch_per_iter = 2;
  cfg.active.oracle_mode = config::OracleMode::kWarmOnly;
  cfg.model.num_rounds = 5;
  cfg.model.max_depth = 2;
  cfg.evaluation.enabled = false;
  space::WorkloadSet ws = config::SyntheticWorkloads(3, static_cast<int>(kHostile.size()), 3);
  for (size_t w = 0; w < ws.size(); ++w) ws.workloads[w].id = kHostile[w];
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.02);
  runner::SerialExecutor exec(stub);
  h.res = loop::RunStudy(cfg, ws, exec, nullptr, {});
  return h;
}

TEST(SummaryMarkdownTest, NamesAndValuesAreTextNotHtmlOrMarkdown) {
  const HostileStudy h = RunHostileStudy();
  const eval::ContributionReport contribution = eval::ComputeContribution(h.res.state, 3, 1.0);
  ReportContent content;
  content.cfg = &h.cfg;
  content.res = &h.res;
  content.contribution = &contribution;
  const std::string md = SummaryMarkdown(content);
  // No tag from a name: the only '<' iorec writes itself is the <br> of a multi-line cell.
  for (const char* raw : {"<script", "<img", "[click](", "`code`", "*em*", "&amp; |"}) {
    EXPECT_EQ(md.find(raw), std::string::npos) << raw << "\n" << md;
  }
  // Each workload id is there, escaped, on one line.
  for (const char* escaped :
       {"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;",
        "\\[click\\](javascript:alert(2))", "\\`code\\`\\_\\*em\\*\\_", "# heading - item",
        "1. x &amp; y &amp;amp; \\| z"}) {
    EXPECT_NE(md.find(escaped), std::string::npos) << escaped << "\n" << md;
  }
  // A knob name with an underscore between letters stays readable.
  EXPECT_NE(md.find("stripe_count"), std::string::npos);
  EXPECT_EQ(md.find("stripe\\_count"), std::string::npos);
  // No line of the document starts a block from a name.
  EXPECT_EQ(md.find("\n# heading"), std::string::npos);
  EXPECT_EQ(md.find("\n- item"), std::string::npos);
}

}  // namespace
}  // namespace iorec::report

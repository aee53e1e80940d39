#include "progress.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>

namespace iorec::app {

ProgressObserver::ProgressObserver(bool tty, bool quiet) : tty_(tty), quiet_(quiet) {}

ProgressObserver::~ProgressObserver() { EndLine(); }

void ProgressObserver::EndLine() {
  if (line_open_) {
    std::fputc('\n', stderr);
    line_open_ = false;
  }
}

void ProgressObserver::OnPhase(std::string_view phase, size_t total) {
  if (quiet_) return;
  EndLine();
  phase_ = std::string(phase);
  total_ = total;
  done_ = 0;
  have_batch_ = false;
  phase_start_ = std::chrono::steady_clock::now();
  if (!tty_) {
    if (phase_ == "final") {
      std::fprintf(stderr, "iorec: phase final: fitting the final model\n");
    } else {
      std::fprintf(stderr, "iorec: phase %s: %zu trials planned\n", phase_.c_str(), total_);
    }
  }
  Draw(true);
}

void ProgressObserver::OnTrial(const state::Trial& trial) {
  if (quiet_) return;
  if (trial.source != state::Source::kReplicate) ++done_;
  if (!trial.ok) ++failed_;
  Draw(false);
}

void ProgressObserver::OnWarning(const std::string& message) {
  EndLine();
  spdlog::warn("{}", message);
}

void ProgressObserver::OnIteration(const loop::IterationRecord& rec, const state::StudyState&) {
  if (quiet_) return;
  EndLine();
  std::fprintf(stderr,
               "iorec: iteration %d: %zu runs  regret@3 %.4f  hit@3 %.3f  ndcg@3 %.3f  "
               "mean best gain %+.1f%%%s\n",
               rec.iteration, rec.runs, rec.regret_at_3, rec.hit_at_3, rec.ndcg_at_3,
               100.0 * rec.best_gain_so_far, rec.failed_runs ? " (some trials failed)" : "");
  if (rec.iteration == 0 && !rec.against_truth) {
    std::fprintf(stderr,
                 "iorec: note: regret@3, hit@3 and ndcg@3 compare with each workload's best "
                 "warm-start result (no true optimum is known here), so regret@3 stays 0 and "
                 "hit@3 1; the mean best gain shows what the loop finds\n");
  }
}

void ProgressObserver::OnBatchProgress(const runner::BatchProgress& p) {
  if (quiet_) return;
  const bool new_note = !p.note.empty() && p.note != batch_.note;
  batch_ = p;
  const bool finished = p.waiting + p.queued + p.running + p.retrying == 0;
  have_batch_ = !finished;
  if (new_note) {
    EndLine();
    std::fprintf(stderr, "[iorec] %s\n", p.note.c_str());
  }
  if (tty_) {
    Draw(false);
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (finished || now - last_batch_line_ < std::chrono::seconds(30)) return;
  last_batch_line_ = now;
  std::fprintf(stderr, "[iorec] trials of the batch: %s\n", BatchSummary().c_str());
}

/// "2 running, 18 queued, ..." (without "done" on a terminal: the bar shows it).
std::string ProgressObserver::BatchSummary() const {
  const runner::BatchProgress& p = batch_;
  std::string s;
  auto add = [&s](size_t n, const char* what) {
    if (n == 0) return;
    s += (s.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  add(p.running, "running");
  add(p.queued, "queued");
  add(p.waiting, "waiting");
  add(p.retrying, "retrying");
  if (!tty_) add(p.done, "done");
  add(p.failed, "failed");
  return s;
}

void ProgressObserver::Draw(bool force) {
  if (!tty_ || total_ == 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && done_ < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double frac = std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
  const double elapsed = std::chrono::duration<double>(now - phase_start_).count();
  const double eta = frac > 0 ? elapsed * (1.0 - frac) / frac : 0.0;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '-');
  const std::string batch = have_batch_ ? "  (" + BatchSummary() + ")" : "";
  std::fprintf(stderr, "\r%-10s [%s] %5.1f%% %zu/%zu  elapsed %.0fs  ETA %.0fs%s   ",
               phase_.c_str(), bar.c_str(), 100.0 * frac, done_, total_, elapsed, eta,
               batch.c_str());
  std::fflush(stderr);
  line_open_ = true;
}

}  // namespace iorec::app

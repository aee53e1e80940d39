#include "progress.hpp"

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
  phase_start_ = std::chrono::steady_clock::now();
  if (!tty_) std::fprintf(stderr, "[iorec] phase %s: %zu steps\n", phase_.c_str(), total_);
  Draw(true);
}

void ProgressObserver::OnTrial(const loop::Observation& obs) {
  if (quiet_) return;
  if (obs.source != runner::TrialSource::kReplicate) ++done_;
  if (!obs.ok) ++failed_;
  Draw(false);
}

void ProgressObserver::OnIteration(const loop::IterationRecord& rec) {
  if (quiet_) return;
  EndLine();
  std::fprintf(stderr,
               "[iorec] iteration %d: runs=%zu regret@3=%.4f hit@3=%.3f ndcg@3=%.3f "
               "best_gain=%.3f%s\n",
               rec.iteration, rec.runs, rec.regret_at_3, rec.hit_at_3, rec.ndcg_at_3,
               rec.best_gain_so_far, rec.failed_runs ? " (some trials failed)" : "");
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
  std::fprintf(stderr, "\r%-10s [%s] %5.1f%% %zu/%zu  elapsed %.0fs  ETA %.0fs   ", phase_.c_str(),
               bar.c_str(), 100.0 * frac, done_, total_, elapsed, eta);
  std::fflush(stderr);
  line_open_ = true;
}

}  // namespace iorec::app

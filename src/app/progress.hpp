#pragma once
// Progress reporting for long studies: a live bar with ETA on a terminal, plain log
// lines otherwise. Attached to the loop as an observer.
#include <chrono>
#include <string>

#include "iorec/loop/study.hpp"
#include "iorec/runner/runner.hpp"

namespace iorec::app {

class ProgressObserver final : public loop::LoopObserver {
 public:
  /// `tty`: draw a live bar on stderr; otherwise print a line per phase/iteration.
  ProgressObserver(bool tty, bool quiet);
  ~ProgressObserver() override;
  void OnPhase(std::string_view phase, size_t total) override;
  void OnTrial(const state::Trial& trial) override;
  void OnIteration(const loop::IterationRecord& rec, const state::StudyState& state) override;
  /// Logged as a warning even with --quiet.
  void OnWarning(const std::string& message) override;
  /// Where the running batch's trials are (from an executor that knows, e.g. Slurm): shown
  /// beside the bar on a terminal, otherwise as a line at most every 30 s, and each new
  /// note (e.g. sbatch backing off) as its own line.
  void OnBatchProgress(const runner::BatchProgress& p);

 private:
  void Draw(bool force);
  std::string BatchSummary() const;
  void EndLine();

  bool tty_;
  bool quiet_;
  std::string phase_;
  size_t total_ = 0;
  size_t done_ = 0;
  size_t failed_ = 0;
  std::chrono::steady_clock::time_point phase_start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool line_open_ = false;
  runner::BatchProgress batch_;
  bool have_batch_ = false;
  std::chrono::steady_clock::time_point last_batch_line_;
};

}  // namespace iorec::app

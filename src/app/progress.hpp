#pragma once
// Progress reporting for long studies: a live bar with ETA on a terminal, plain log
// lines otherwise. Attached to the loop as an observer.
#include <chrono>
#include <string>

#include "iorec/loop/study.hpp"

namespace iorec::app {

class ProgressObserver final : public loop::LoopObserver {
 public:
  /// `tty`: draw a live bar on stderr; otherwise print a line per phase/iteration.
  ProgressObserver(bool tty, bool quiet);
  ~ProgressObserver() override;
  void OnPhase(std::string_view phase, size_t total) override;
  void OnTrial(const loop::Observation& obs) override;
  void OnIteration(const loop::IterationRecord& rec) override;

 private:
  void Draw(bool force);
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
};

}  // namespace iorec::app

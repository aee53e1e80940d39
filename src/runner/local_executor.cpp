// The local executor: a bounded pool of worker threads, each running one trial at a time.
#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "iorec/runner/executors.hpp"
#include "iorec/runner/process.hpp"

namespace iorec::runner {

LocalExecutor::LocalExecutor(Runner& runner, int parallel_trials)
    : runner_(runner), parallel_(std::max(1, parallel_trials)) {}

std::vector<TrialOutcome> LocalExecutor::RunBatch(const std::vector<TrialRequest>& batch,
                                                  const TrialDoneFn& on_done) {
  const size_t n = batch.size();
  std::vector<TrialOutcome> out(n);
  std::vector<char> done(n, 0);
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::exception_ptr error;
  std::atomic<bool> stop{false};

  auto work = [&] {
    for (;;) {
      if (stop.load() || InterruptRequested()) return;
      const size_t i = next.fetch_add(1);
      if (i >= n) return;
      TrialOutcome o;
      try {
        o = runner_.Run(batch[i]);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!error) error = std::current_exception();
        stop = true;
        return;
      }
      std::lock_guard<std::mutex> lock(mu);
      out[i] = std::move(o);
      if (!out[i].interrupted) {
        done[i] = 1;
        if (on_done) on_done(i, out[i]);
      }
    }
  };
  const size_t threads = std::min<size_t>(static_cast<size_t>(parallel_), n);
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (size_t t = 0; t < threads; ++t) pool.emplace_back(work);
    for (auto& t : pool) t.join();
  }
  if (error) std::rethrow_exception(error);
  const size_t finished = static_cast<size_t>(std::count(done.begin(), done.end(), 1));
  if (finished < n) {
    throw Interrupted("interrupted: " + std::to_string(finished) + " of " + std::to_string(n) +
                      " trials of the batch finished; the other " + std::to_string(n - finished) +
                      " were stopped and are pending");
  }
  return out;
}

}  // namespace iorec::runner

#pragma once
// `iorec recommend`'s explanation of each config (expected performance, source, noise) and
// its `--emit` outputs: the settings a user applies, written by the apply module.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "iorec/apply/emit.hpp"
#include "iorec/deploy/expectation.hpp"
#include "iorec/deploy/model_bundle.hpp"

namespace iorec::app {

struct EmitOptions {
  std::vector<std::string> formats;  ///< apply::Format names, in the order given
  std::vector<std::string> dirs;     ///< output directories to stripe
  int rank = 1;                      ///< which ranked config to emit
  std::string hints_file;            ///< where the ROMIO hints file goes
  std::string emit_dir;              ///< one file per format here instead of stdout
};

/// Every config of a recommendation with what to expect from it, and the study's noise.
struct Explained {
  deploy::Noise noise;
  std::vector<deploy::Expectation> expected;  ///< per config of the recommendation
  std::vector<std::string> within_noise;      ///< "#1 and #2 are within noise ..." lines
  std::vector<std::string> notes;             ///< synthetic study, interface mismatches
};

/// `scores_are_log_gains`: the configs' model_score is a log gain over the baseline with
/// model_std its spread (a regression model, or the zero-shot model), so configs no
/// neighbour measured get an expectation from it.
Explained Explain(const deploy::ModelBundle& b, const space::Workload& w,
                  const deploy::Recommendation& r, bool scores_are_log_gains);

/// The same with the expectations given (one per config of `r`): the noise comparisons of
/// #1 with the others and the notes.
Explained ExplainExpected(const deploy::ModelBundle& b, const space::Workload& w,
                          const deploy::Recommendation& r,
                          std::vector<deploy::Expectation> expected);

/// "runs of one config vary by 8.7% (median ...)" or that the spread is unknown.
std::string NoiseLine(const deploy::Noise& noise);

/// Checks the --emit options before anything is written; throws core::InputError.
void CheckEmitOptions(const EmitOptions& opt, size_t num_configs);

/// Writes config #opt.rank in each format (`current`: the user's own measurement of the job
/// with its present settings, --current): to stdout, or as <emit_dir>/<file> (lfs.sh,
/// romio-hints.sh, lctl.sh, slurm.sh, settings.json), listing the files on stdout.
void EmitRecommendation(const EmitOptions& opt, const deploy::ModelBundle& b,
                        const space::Workload& w, const deploy::Recommendation& r,
                        const Explained& ex, std::optional<double> current);

}  // namespace iorec::app

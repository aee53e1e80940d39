#pragma once
/// The reference io_recommender's output fields, added beside iorec's own so that a
/// reference user's scripts read iorec's outputs: its names and shapes, iorec's values
/// (gains are perf / baseline perf - 1; the reference's are perf - baseline perf).
/// README.md, "Coming from the reference io_recommender", lists each field.
#include <nlohmann/json.hpp>

#include "iorec/config/study_config.hpp"
#include "iorec/deploy/matrix.hpp"
#include "iorec/eval/contribution.hpp"
#include "iorec/eval/heldout.hpp"
#include "iorec/state/study_state.hpp"

namespace iorec::report {

/// evaluation_report.json: enabled, split_mode_requested, temporal_split, split_meta,
/// oracle_data_source, top_k, n_train_observations, n_test_observations, n_eval_patterns,
/// aggregate.{top1_regret, topk_regret, hit_at_k, ndcg_at_k}.{mean, ci_low, ci_high} (merged
/// into iorec's `aggregate`) and per_pattern.
void AddReferenceEvaluationFields(nlohmann::ordered_json& report, const config::StudyConfig& cfg,
                                  const state::StudyState& state, const eval::EvalResult& ev);
/// evaluation_report.json when evaluation.enabled is false, as the reference writes it.
nlohmann::ordered_json DisabledEvaluationJson();
/// contribution_report.json: top_k, pct_top_k_from_active, n_patterns, per_pattern (with its
/// topk by config_id) and cumulative_improvement_trajectory.
void AddReferenceContributionFields(nlohmann::ordered_json& report, const state::StudyState& state,
                                    const eval::ReferenceContribution& c);
/// recommendation_matrix.json's topk_by_pattern: workload -> config_ids, best first (the
/// whole file in the reference).
nlohmann::ordered_json TopkByPatternJson(const state::StudyState& state,
                                         const deploy::RecommendationMatrix& m);

}  // namespace iorec::report

#pragma once
/// Ranking and recommendation-quality metrics. Pure functions.
#include <cstddef>
#include <vector>

namespace iorec::eval {

/// Discounted cumulative gain of relevances in ranked order, first k:
/// sum_i (2^rel_i - 1) / log2(i + 2).
double Dcg(const std::vector<double>& relevance_in_rank_order, size_t k);

/// NDCG@k of ranking `items` by `scores` (descending; ties by index) against `relevance`.
/// The ideal ranking sorts by relevance. Returns 1 when the ideal DCG is 0.
/// Precondition: scores.size() == relevance.size().
double NdcgAtK(const std::vector<double>& scores, const std::vector<double>& relevance, size_t k);

/// NDCG@k of an already-chosen list against a given ideal list of relevances.
double NdcgOfList(const std::vector<double>& chosen_relevance,
                  const std::vector<double>& ideal_relevance, size_t k);

/// Relative regret of a chosen value against the best: (best - chosen) / |best|, clamped
/// to >= 0. Returns 0 when best <= 0 and chosen >= best.
double RelativeRegret(double chosen, double best);

/// regret@k: relative regret of the best of the first k values of `chosen`.
double RegretAtK(const std::vector<double>& chosen, double best, size_t k);

/// hit@k: 1 when the best of the first k values is within `tolerance` (relative) of best.
double HitAtK(const std::vector<double>& chosen, double best, size_t k, double tolerance);

/// Spearman rank correlation with average ranks for ties; 0 when either side is constant.
double Spearman(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace iorec::eval

namespace iorec::eval {

/// Regret on gains relative to the baseline: 1 - max(first k chosen gains) / best_gain,
/// clamped to [0, 1] (1: no better than the baseline). Returns 0 when best_gain <= 0 (nothing beats
/// the baseline) and 1 for an empty choice or k == 0.
double GainRegretAtK(const std::vector<double>& chosen_gains, double best_gain, size_t k);

/// Relevance grades for NDCG: gains scaled linearly from [min, max] of `reference` to
/// [0, max_grade], clamped. All-equal reference gives all zeros.
std::vector<double> GainRelevance(const std::vector<double>& gains,
                                  const std::vector<double>& reference, double max_grade);

}  // namespace iorec::eval

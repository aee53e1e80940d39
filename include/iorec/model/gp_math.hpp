#pragma once
/// The linear algebra and kernel pieces the Gaussian processes share (model::LocalGp, the
/// zero-shot model of deploy/zero_shot.hpp). Matrices are row-major n x n.
#include <cstddef>
#include <vector>

#include "iorec/space/space.hpp"

namespace iorec::model {

/// Matern 5/2 correlation at squared scaled distance r2.
double Matern52(double r2);

/// In-place lower Cholesky factor (the upper triangle is zeroed). Returns false if the
/// matrix is not positive definite.
bool Cholesky(std::vector<double>& a, size_t n);

/// Solves L z = b in place (L lower).
void ForwardSolve(const std::vector<double>& l, size_t n, double* b);

/// Solves L^T z = b in place.
void BackSolve(const std::vector<double>& l, size_t n, double* b);

/// Per knob, a levels x levels table of squared distances in knob coordinates divided by
/// that knob's squared lengthscale: an ordered knob's level l of L sits at l / (L - 1); two
/// levels of an unordered knob are at distance 1. Precondition: one log lengthscale per knob.
std::vector<std::vector<double>> KnobDistances(const space::Space& space,
                                               const std::vector<double>& log_lengthscale);

}  // namespace iorec::model

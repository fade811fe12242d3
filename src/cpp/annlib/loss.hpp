// The losses, their values and their gradients with respect to the output
// layer's pre-activations Z (the "delta" that starts backpropagation).
//
//   mse            L = 1/(2·n·k) Σ (y − t)²           (½·mean over all n×k entries)
//   mae            L = 1/(n·k) Σ |y − t|              (mean over all n×k entries); its
//                  subgradient takes sign(0) = 0, so an exact fit contributes nothing
//   cross_entropy  softmax outputs: L = −1/n Σ_samples Σ_c t_c log y_c
//                  sigmoid outputs: L = −1/n Σ [t log y + (1−t) log(1−y)]
//
// Cross-entropy is computed from the logits Z (log-sum-exp and softplus) so it
// stays finite when a probability rounds to 0 or 1, and its gradient is the
// fused, exact (y − t)/n.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <stdexcept>
#include <string>

#include "annlib/activation.hpp"
#include "annlib/names.hpp"

namespace annlib {

enum class Loss { mse, cross_entropy, mae };

template <>
inline constexpr auto kNames<Loss> = name_table<Loss>({
    {"mse", Loss::mse},
    {"cross_entropy", Loss::cross_entropy},
    {"mae", Loss::mae},
});

// Loss summed over the samples of a block (divide by the total count for the mean).
// Z: output pre-activations, Y = f(Z), T: targets, all (k × n); log_partition
// (1 × n): log Σ_c e^{z_c} per sample, from softmax_in_place (softmax outputs only).
template <class Matrix, class RowVector>
double loss_sum(Loss loss, Activation output, const Eigen::Ref<const Matrix>& Z,
                const Eigen::Ref<const Matrix>& Y, const Eigen::Ref<const Matrix>& T,
                const Eigen::Ref<const RowVector>& log_partition) {
    using Scalar = typename Matrix::Scalar;
    // Every sum is taken in double: in float, the squares of targets of 1e20 (or a
    // few thousand large softplus values) overflow although each entry is finite.
    if (loss == Loss::mse) {
        return 0.5 * (Y - T).template cast<double>().squaredNorm() / static_cast<double>(Y.rows());
    }
    if (loss == Loss::mae) {
        return (Y - T).template cast<double>().array().abs().sum() / static_cast<double>(Y.rows());
    }
    if (output == Activation::softmax) {
        // −Σ_c t_c log y_c = Σ_c t_c (log_partition − z_c), entry by entry (no
        // cancellation between large sums), added up in double.
        const auto surprise = (log_partition.replicate(Z.rows(), 1) - Z).array();
        return (T.array() * surprise).template cast<double>().sum();
    }
    // sigmoid: −[t log σ(z) + (1−t) log(1−σ(z))] = softplus(z) − t·z
    const auto z = Z.array();
    const auto softplus = z.cwiseMax(Scalar(0)) + (-z.abs()).exp().log1p();
    return (softplus - T.array() * z).template cast<double>().sum();
}

// D := ∂L_block/∂Z for a block whose loss is averaged over `n` samples.
// D must have the shape of Y; the gradient for the output layer's weights follows.
template <class Matrix, class DerivedD>
void output_delta(Loss loss, Activation output, typename Matrix::Scalar leaky_slope,
                  const Eigen::Ref<const Matrix>& Y, const Eigen::Ref<const Matrix>& T,
                  Eigen::Index n, Eigen::MatrixBase<DerivedD>& D) {
    using Scalar = typename Matrix::Scalar;
    // softmax + CE and sigmoid + CE share the fused delta (y − t)/n.
    const Scalar scale = loss == Loss::cross_entropy
                             ? Scalar(1) / static_cast<Scalar>(n)
                             : Scalar(1) / static_cast<Scalar>(n * Y.rows());
    const Eigen::Index k = Y.rows();
    if (Y.outerStride() == k && T.outerStride() == k && D.derived().outerStride() == k) {
        // Contiguous blocks (all that fit() passes): one flat, vectorised pass,
        // where a column of 2 or 10 outputs would not fill a vector.
        using Flat = Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>;
        const Eigen::Index size = k * Y.cols();
        Eigen::Map<Eigen::Array<Scalar, Eigen::Dynamic, 1>>(D.derived().data(), size) =
            (Flat(Y.data(), size) - Flat(T.data(), size)) * scale;
    } else {
        D = (Y - T) * scale;
    }
    // mae: sign(y − t)/(n·k), with sign(0) = 0 (the subgradient of |·| at its kink).
    if (loss == Loss::mae) D = (D.array().sign() * scale).matrix();
    if (loss != Loss::cross_entropy) multiply_by_derivative(output, leaky_slope, D, Y);
}

}  // namespace annlib

// Every activation and its derivative, in one table.
//
// Activations are applied in place to a block Z (units × samples) of
// pre-activations; derivatives are written in terms of the activation's OUTPUT
// y = f(z), which is what backpropagation keeps, so no pre-activation has to be
// stored.  Adding an activation = one enum value, one name, one case in each
// of `activate` and `multiply_by_derivative`, and one test row.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace annlib {

enum class Activation { identity, sigmoid, tanh, bipolar_sigmoid, relu, leaky_relu, softmax };

inline const char* activation_name(Activation a) {
    switch (a) {
        case Activation::identity:
            return "identity";
        case Activation::sigmoid:
            return "sigmoid";
        case Activation::tanh:
            return "tanh";
        case Activation::bipolar_sigmoid:
            return "bipolar_sigmoid";
        case Activation::relu:
            return "relu";
        case Activation::leaky_relu:
            return "leaky_relu";
        case Activation::softmax:
            return "softmax";
    }
    return "?";
}

inline Activation activation_from_name(const std::string& name, const std::string& argument) {
    for (Activation a :
         {Activation::identity, Activation::sigmoid, Activation::tanh, Activation::bipolar_sigmoid,
          Activation::relu, Activation::leaky_relu, Activation::softmax}) {
        if (name == activation_name(a)) return a;
    }
    throw std::invalid_argument(
        argument +
        ": expected one of identity, sigmoid, tanh, bipolar_sigmoid, relu, leaky_relu, "
        "softmax, got '" +
        name + "'");
}

namespace detail {

// tanh for a whole array.  Eigen 3.4 vectorises tanh for float but not for
// double, where std::tanh per element costs 5-10x more.  For double we use
// 1 − 2/(e^{2z} + 1) with Eigen's vectorised exp: e^{2z} = inf gives exactly 1
// and e^{2z} = 0 exactly −1.  Its absolute error is ~1e-16 everywhere (relative
// error grows only for |z| < 1e-4, where tanh z ≈ z is below any useful signal).
// No select(): in Eigen 3.4 it is not vectorised and would drop to scalar exp.
template <class Derived>
void tanh_in_place(Eigen::ArrayBase<Derived>& z) {
    using Scalar = typename Derived::Scalar;
    if constexpr (std::is_same_v<Scalar, float>) {
        z = z.tanh();
    } else {
        z = Scalar(1) - Scalar(2) / ((Scalar(2) * z).exp() + Scalar(1));
    }
}

}  // namespace detail

// Z (units × samples) := f(Z).
template <class Derived>
void activate(Activation a, typename Derived::Scalar leaky_slope, Eigen::MatrixBase<Derived>& Z) {
    using Scalar = typename Derived::Scalar;
    auto z = Z.array();
    switch (a) {
        case Activation::identity:
            break;
        case Activation::sigmoid:
            // 1/(1+e^-z): e^-z overflows to inf for z << 0 and the result is a clean 0.
            z = (Scalar(1) + (-z).exp()).inverse();
            break;
        case Activation::tanh:
            detail::tanh_in_place(z);
            break;
        case Activation::bipolar_sigmoid:
            // 2/(1+e^-z) - 1 is exactly tanh(z/2); the tanh form keeps precision near 0.
            z *= Scalar(0.5);
            detail::tanh_in_place(z);
            break;
        case Activation::relu:
            z = z.cwiseMax(Scalar(0));
            break;
        case Activation::leaky_relu:
            z = z.max(leaky_slope * z);  // = z for z > 0 and slope·z otherwise, as 0 <= slope < 1
            break;
        case Activation::softmax:
            throw std::logic_error(
                "softmax needs softmax_in_place (it couples the units of a sample)");
    }
}

// Z (units × samples) := softmax of each column, and log_partition (1 × samples) :=
// log Σ_c e^{z_c} of each column, which the cross-entropy needs.  The work happens
// on Zᵀ in `scratch` (at least samples × (units + 1)), where each unit's values
// over the samples are contiguous: every max, exp, sum, division and log is then a
// vector operation over the samples, however few the outputs (2 or 10 values of
// one sample would not fill a vector, and per-column loops cost more than the math).
template <class Derived, class DerivedRow, class Scratch>
void softmax_in_place(Eigen::MatrixBase<Derived>& Z, Eigen::MatrixBase<DerivedRow>& log_partition,
                      Eigen::MatrixBase<Scratch>& scratch) {
    const Eigen::Index k = Z.rows(), n = Z.cols();
    auto S = scratch.topLeftCorner(n, k);
    auto max = log_partition.transpose().array();  // the max first, the log partition at the end
    auto sum = scratch.col(k).head(n).array();
    S = Z.transpose();
    max = S.col(0).array();
    for (Eigen::Index c = 1; c < k; ++c) max = max.max(S.col(c).array());
    sum.setZero();
    for (Eigen::Index c = 0; c < k; ++c) {
        S.col(c).array() = (S.col(c).array() - max).exp();
        sum += S.col(c).array();
    }
    max += sum.log();  // log Σ e^z = max + log Σ e^(z − max)
    sum = sum.inverse();
    for (Eigen::Index c = 0; c < k; ++c) S.col(c).array() *= sum;
    Z = S.transpose();
}

// G (units × samples) := G ⊙ f'(z), with f' written in terms of Y = f(z).
// Softmax couples the units of a sample: G_j := y_j (G_j − Σ_i G_i y_i).
template <class DerivedG, class DerivedY>
void multiply_by_derivative(Activation a, typename DerivedG::Scalar leaky_slope,
                            Eigen::MatrixBase<DerivedG>& G, const Eigen::MatrixBase<DerivedY>& Y) {
    using Scalar = typename DerivedG::Scalar;
    auto g = G.array();
    const auto y = Y.array();
    switch (a) {
        case Activation::identity:
            break;
        case Activation::sigmoid:
            g *= y * (Scalar(1) - y);
            break;
        case Activation::tanh:
            g *= Scalar(1) - y.square();
            break;
        case Activation::bipolar_sigmoid:
            g *= Scalar(0.5) * (Scalar(1) - y.square());
            break;
        case Activation::relu:
            g = (y > Scalar(0)).select(g, Scalar(0));
            break;
        case Activation::leaky_relu:
            // y > 0 exactly when z > 0 (the slope is >= 0 and y = slope*z otherwise).
            g = (y > Scalar(0)).select(g, leaky_slope * g);
            break;
        case Activation::softmax:
            for (Eigen::Index j = 0; j < G.cols(); ++j) {
                const Scalar inner = G.col(j).dot(Y.col(j));
                G.col(j).array() = Y.col(j).array() * (G.col(j).array() - inner);
            }
            break;
    }
}

}  // namespace annlib

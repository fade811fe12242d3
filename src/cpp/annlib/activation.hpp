// Every activation and its derivative, in one table.
//
// Activations are applied in place to a block Z (units × samples) of
// pre-activations; derivatives are written in terms of the activation's OUTPUT
// y = f(z), which is what backpropagation keeps, so no pre-activation has to be
// stored.  Adding an activation = one enum value, one name, one case in each
// of `activate` and `multiply_by_derivative`, and one test row.
#pragma once

#include <Eigen/Core>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace annlib {

enum class Activation { identity, sigmoid, tanh, bipolar_sigmoid, relu, leaky_relu, softmax };

inline const char* activation_name(Activation a) {
    switch (a) {
        case Activation::identity: return "identity";
        case Activation::sigmoid: return "sigmoid";
        case Activation::tanh: return "tanh";
        case Activation::bipolar_sigmoid: return "bipolar_sigmoid";
        case Activation::relu: return "relu";
        case Activation::leaky_relu: return "leaky_relu";
        case Activation::softmax: return "softmax";
    }
    return "?";
}

inline Activation activation_from_name(const std::string& name, const std::string& argument) {
    for (Activation a : {Activation::identity, Activation::sigmoid, Activation::tanh, Activation::bipolar_sigmoid,
                         Activation::relu, Activation::leaky_relu, Activation::softmax}) {
        if (name == activation_name(a)) return a;
    }
    throw std::invalid_argument(argument +
                                ": expected one of identity, sigmoid, tanh, bipolar_sigmoid, relu, leaky_relu, "
                                "softmax, got '" + name + "'");
}

namespace detail {

// tanh for a whole array.  Eigen vectorises tanh for float but not for double,
// where std::tanh per element would cost 5-10x; tanh(z) = expm1(2z)/(expm1(2z)+2)
// uses the vectorised exp/log, is exact near 0, and clamping keeps expm1 finite
// (tanh(±20) is ±1 to double precision).
template <class Derived>
void tanh_in_place(Eigen::ArrayBase<Derived>& z) {
    using Scalar = typename Derived::Scalar;
    if constexpr (std::is_same_v<Scalar, float>) {
        z = z.tanh();
    } else {
        const auto e = (Scalar(2) * z.cwiseMax(Scalar(-20)).cwiseMin(Scalar(20))).expm1();
        z = e / (e + Scalar(2));
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
            z = (z > Scalar(0)).select(z, leaky_slope * z);
            break;
        case Activation::softmax: {
            // Per sample (column): subtract the max before exp so nothing overflows.
            for (Eigen::Index j = 0; j < Z.cols(); ++j) {
                auto column = Z.col(j).array();
                column = (column - column.maxCoeff()).exp();
                column /= column.sum();
            }
            break;
        }
    }
}

// G (units × samples) := G ⊙ f'(z), with f' written in terms of Y = f(z).
// Softmax couples the units of a sample: G_j := y_j (G_j − Σ_i G_i y_i).
template <class DerivedG, class DerivedY>
void multiply_by_derivative(Activation a, typename DerivedG::Scalar leaky_slope, Eigen::MatrixBase<DerivedG>& G,
                            const Eigen::MatrixBase<DerivedY>& Y) {
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

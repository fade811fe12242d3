// Every activation and its derivative, in one table.
//
// Each activation is one struct holding its name, its value f applied in place
// to an array z of pre-activations (units × samples), and its derivative as
// g := g ⊙ f'(z) written in terms of the OUTPUT y = f(z), which is what
// backpropagation keeps, so no pre-activation has to be stored.  `Activations`
// lists the structs; the name table, `activate` and `multiply_by_derivative`
// are generated from it.  Adding an activation = one enum value, one struct,
// its entry in `Activations`, and one test row.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "annlib/names.hpp"

namespace annlib {

enum class Activation { identity, sigmoid, tanh, bipolar_sigmoid, relu, leaky_relu, softmax };

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

// Members of every activation: `kind`, `name`, `couples_units` (f of a unit
// depends on the other units of its sample: only an output layer may use it),
// value(z, slope) and derivative(g, y, slope) on Eigen arrays.  `slope` is the
// leaky_relu slope, which the others ignore.
// EIGEN_ALWAYS_INLINE: left to itself, GCC 12 did not inline every entry of
// the dispatch, and relu's select() (a scalar loop in Eigen 3.4) then ran 15 %
// slower out of line than in the old switch (8 × 2000 block, CPU time).
struct Identity {
    static constexpr Activation kind = Activation::identity;
    static constexpr std::string_view name = "identity";
    static constexpr bool couples_units = false;
    template <class Z, class S>
    EIGEN_ALWAYS_INLINE static void value(Z&, S) {}  // f(z) = z
    template <class G, class Y, class S>
    EIGEN_ALWAYS_INLINE static void derivative(G&, const Y&, S) {}  // f' = 1
};

struct Sigmoid {
    static constexpr Activation kind = Activation::sigmoid;
    static constexpr std::string_view name = "sigmoid";
    static constexpr bool couples_units = false;
    template <class Z, class S>
    EIGEN_ALWAYS_INLINE static void value(Z& z, S) {
        // 1/(1+e^-z): e^-z overflows to inf for z << 0 and the result is a clean 0.
        z = (S(1) + (-z).exp()).inverse();
    }
    template <class G, class Y, class S>
    EIGEN_ALWAYS_INLINE static void derivative(G& g, const Y& y, S) {
        g *= y * (S(1) - y);  // f' = y (1 − y)
    }
};

struct Tanh {
    static constexpr Activation kind = Activation::tanh;
    static constexpr std::string_view name = "tanh";
    static constexpr bool couples_units = false;
    template <class Z, class S>
    EIGEN_ALWAYS_INLINE static void value(Z& z, S) {
        detail::tanh_in_place(z);
    }
    template <class G, class Y, class S>
    EIGEN_ALWAYS_INLINE static void derivative(G& g, const Y& y, S) {
        g *= S(1) - y.square();  // f' = 1 − y²
    }
};

struct BipolarSigmoid {
    static constexpr Activation kind = Activation::bipolar_sigmoid;
    static constexpr std::string_view name = "bipolar_sigmoid";
    static constexpr bool couples_units = false;
    template <class Z, class S>
    EIGEN_ALWAYS_INLINE static void value(Z& z, S) {
        // 2/(1+e^-z) − 1 is exactly tanh(z/2); the tanh form keeps precision near 0.
        z *= S(0.5);
        detail::tanh_in_place(z);
    }
    template <class G, class Y, class S>
    EIGEN_ALWAYS_INLINE static void derivative(G& g, const Y& y, S) {
        g *= S(0.5) * (S(1) - y.square());  // f' = (1 − y²)/2
    }
};

struct Relu {
    static constexpr Activation kind = Activation::relu;
    static constexpr std::string_view name = "relu";
    static constexpr bool couples_units = false;
    template <class Z, class S>
    EIGEN_ALWAYS_INLINE static void value(Z& z, S) {
        z = z.cwiseMax(S(0));  // max(z, 0)
    }
    template <class G, class Y, class S>
    EIGEN_ALWAYS_INLINE static void derivative(G& g, const Y& y, S) {
        g = (y > S(0)).select(g, S(0));  // f' = 1 for z > 0, else 0
    }
};

struct LeakyRelu {
    static constexpr Activation kind = Activation::leaky_relu;
    static constexpr std::string_view name = "leaky_relu";
    static constexpr bool couples_units = false;
    template <class Z, class S>
    EIGEN_ALWAYS_INLINE static void value(Z& z, S slope) {
        z = z.max(slope * z);  // = z for z > 0 and slope·z otherwise, as 0 <= slope < 1
    }
    template <class G, class Y, class S>
    EIGEN_ALWAYS_INLINE static void derivative(G& g, const Y& y, S slope) {
        // y > 0 exactly when z > 0 (the slope is >= 0 and y = slope·z otherwise).
        g = (y > S(0)).select(g, slope * g);
    }
};

// y_c = e^{z_c} / Σ_i e^{z_i} over the units of a sample: the value needs the
// whole column and a scratch block, so forward passes call softmax_in_place below.
struct Softmax {
    static constexpr Activation kind = Activation::softmax;
    static constexpr std::string_view name = "softmax";
    static constexpr bool couples_units = true;
    template <class Z, class S>
    EIGEN_ALWAYS_INLINE static void value(Z&, S) {
        throw std::logic_error("softmax needs softmax_in_place (it couples the units of a sample)");
    }
    template <class G, class Y, class S>
    EIGEN_ALWAYS_INLINE static void derivative(G& g, const Y& y, S) {
        // g_j := y_j (g_j − Σ_i g_i y_i) in every sample (column).
        for (Eigen::Index j = 0; j < g.cols(); ++j) {
            const S inner = g.col(j).matrix().dot(y.col(j).matrix());
            g.col(j) = y.col(j) * (g.col(j) - inner);
        }
    }
};

// The table: every activation, in the order Python lists them.
template <class... Entries>
struct ActivationTable {
    static constexpr std::size_t size = sizeof...(Entries);
    static constexpr NameTable<Activation, size> names = {{{Entries::name, Entries::kind}...}};

    // Calls visit(Entry{}) for the entry of `a`.
    template <class Visit>
    EIGEN_ALWAYS_INLINE static void dispatch(Activation a, Visit&& visit) {
        const bool found = ((a == Entries::kind && (visit(Entries{}), true)) || ...);
        if (!found) throw std::invalid_argument("activation: expected a known activation");
    }
};

using Activations =
    ActivationTable<Identity, Sigmoid, Tanh, BipolarSigmoid, Relu, LeakyRelu, Softmax>;

template <>
inline constexpr auto kNames<Activation> = Activations::names;

inline bool couples_units(Activation a) {
    bool couples = false;
    Activations::dispatch(a, [&](auto entry) { couples = decltype(entry)::couples_units; });
    return couples;
}

// The activations a hidden layer may use: every one that treats its units separately.
inline std::vector<std::string> hidden_activation_names() {
    std::vector<std::string> out;
    for (const auto& [name, value] : kNames<Activation>)
        if (!couples_units(value)) out.emplace_back(name);
    return out;
}

// Z (units × samples) := f(Z).
template <class Derived>
void activate(Activation a, typename Derived::Scalar leaky_slope, Eigen::MatrixBase<Derived>& Z) {
    auto z = Z.array();
    Activations::dispatch(a, [&](auto entry) { decltype(entry)::value(z, leaky_slope); });
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
template <class DerivedG, class DerivedY>
void multiply_by_derivative(Activation a, typename DerivedG::Scalar leaky_slope,
                            Eigen::MatrixBase<DerivedG>& G, const Eigen::MatrixBase<DerivedY>& Y) {
    auto g = G.array();
    const auto y = Y.array();
    Activations::dispatch(a, [&](auto entry) { decltype(entry)::derivative(g, y, leaky_slope); });
}

}  // namespace annlib

// The perceptron learning rule (Gardner 1988; also Krauth & Mezard 1987).
//
// Each unit i is a perceptron that must reproduce every stored pattern: the
// stability of pattern mu at unit i,
//
//     gamma_i^mu = xi_i^mu h_i^mu sqrt(N) / |w_i|,   h_i^mu = sum_{j != i} W_ij xi_j^mu,
//
// must reach the margin kappa (and be > 0, so kappa = 0 still means strictly
// stable).  Whenever it does not, w_i += xi_i^mu xi^mu (the self-coupling stays
// 0).  The weights stay integers while learning, so every field is an exact
// integer and "> 0" means ">= 1", never a rounding error; W is scaled by 1/N
// at the end when normalising.  Rows are trained independently (in threads), so W is not symmetric.
// Gardner's theory: random patterns can be stored this way up to P = alpha_c(kappa) N,
// alpha_c(0) = 2; the perceptron convergence theorem guarantees the loop ends
// when such weights exist, and max_epochs bounds it when they do not.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "annlib/hopfield.hpp"

namespace annlib {

template <class Scalar>
void Hopfield<Scalar>::set_perceptron(double margin, int max_epochs) {
    if (!(margin >= 0.0) || !std::isfinite(margin))
        throw std::invalid_argument("margin: expected a finite number >= 0, got " +
                                    std::to_string(margin));
    if (max_epochs < 1)
        throw std::invalid_argument("max_epochs: expected an integer >= 1, got " +
                                    std::to_string(max_epochs));
    margin_ = margin;
    max_epochs_ = max_epochs;
}

template <class Scalar>
void Hopfield<Scalar>::restore_perceptron_patterns(const ConstStates& patterns) {
    check_states(patterns, "perceptron_patterns");
    perceptron_patterns_ = patterns;
}

template <class Scalar>
void Hopfield<Scalar>::learn_perceptron(const ConstStates& patterns) {
    perceptron_patterns_.conservativeResize(n_, perceptron_patterns_.cols() + patterns.cols());
    perceptron_patterns_.rightCols(patterns.cols()) = patterns;
    const Matrix& X = perceptron_patterns_;
    const Eigen::Index P = X.cols();
    const double root_n = std::sqrt(static_cast<double>(n_));
    const Scalar scale = normalize_ ? Scalar(n_) : Scalar(1);
    // Rows of W as contiguous vectors, one per unit, in integer units.
    Matrix rows = W_.transpose() * scale;  // column i = row i of W
    std::vector<int> epochs(static_cast<std::size_t>(n_), 0);
    std::vector<std::int64_t> unstable(static_cast<std::size_t>(n_), 0);
    std::vector<double> worst(static_cast<std::size_t>(n_), 0.0);
    parallel_for(
        n_,
        [&](int i, const Interrupt& check) {
            auto w = rows.col(i);
            w(i) = Scalar(0);
            const auto ui = static_cast<std::size_t>(i);
            for (int epoch = 1; epoch <= max_epochs_; ++epoch) {
                if (epoch % 16 == 0) check();
                std::int64_t below = 0;
                double smallest = std::numeric_limits<double>::infinity();
                for (Eigen::Index mu = 0; mu < P; ++mu) {
                    const auto x = X.col(mu);
                    const double signal = static_cast<double>(x(i)) * static_cast<double>(w.dot(x));
                    const double norm = static_cast<double>(w.norm());
                    const double gamma = norm > 0.0 ? signal * root_n / norm : 0.0;
                    smallest = std::min(smallest, gamma);
                    if (signal > 0.5 && gamma >= margin_) continue;
                    ++below;
                    w.noalias() += x(i) * x;
                    w(i) = Scalar(0);
                }
                epochs[ui] = epoch;
                worst[ui] = smallest;
                unstable[ui] = below;
                if (below == 0) break;
            }
        },
        Interrupt(), double(n_) * double(n_) * double(P) < double(1 << 20) ? 1 : 0);
    W_ = rows.transpose() / scale;
    if (!zero_diagonal_) W_.diagonal().setZero();  // a perceptron never feeds a unit back itself
    symmetric_ = (W_ - W_.transpose()).cwiseAbs().maxCoeff() == Scalar(0);
    report_ = PerceptronReport{};
    for (int i = 0; i < n_; ++i) {
        const auto ui = static_cast<std::size_t>(i);
        report_.epochs = std::max(report_.epochs, epochs[ui]);
        report_.unstable += unstable[ui];
        report_.worst = i == 0 ? worst[ui] : std::min(report_.worst, worst[ui]);
    }
    report_.converged = report_.unstable == 0;
}

template void Hopfield<float>::restore_perceptron_patterns(const ConstStates&);
template void Hopfield<double>::restore_perceptron_patterns(const ConstStates&);
template void Hopfield<float>::set_perceptron(double, int);
template void Hopfield<double>::set_perceptron(double, int);
template void Hopfield<float>::learn_perceptron(const ConstStates&);
template void Hopfield<double>::learn_perceptron(const ConstStates&);

}  // namespace annlib

// Hopfield learning rules: Hebbian (plain and centred), Storkey, pseudo-inverse.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "annlib/hopfield.hpp"
#include "annlib/hopfield_dynamics.hpp"

namespace annlib {

using namespace hopfield_detail;

// ---- learning ---------------------------------------------------------------

template <class Scalar>
void Hopfield<Scalar>::train(const ConstStates& patterns, const Interrupt& interrupt) {
    check_states(patterns, "patterns");
    if (patterns.cols() == 0)
        throw std::invalid_argument("patterns: expected at least one pattern, got none");
    if (sparse()) activity_ = static_cast<double>(patterns.template cast<double>().mean());
    W_.setZero();
    projection_diagonal_.setZero();
    symmetric_ = true;
    n_patterns_ = 0;
    perceptron_patterns_.resize(n_, 0);
    forget_patterns();
    add(patterns, interrupt);
}

template <class Scalar>
void Hopfield<Scalar>::add(const ConstStates& patterns, const Interrupt& interrupt) {
    check_states(patterns, "patterns");
    if (patterns.cols() == 0)
        throw std::invalid_argument("patterns: expected at least one pattern, got none");
    if ((rule_ == HopfieldRule::storkey || rule_ == HopfieldRule::pseudoinverse) && !symmetric_)
        require_symmetric("the " + std::string(name_of(rule_)) + " rule");
    // Storkey and the pseudo-inverse learn one pattern at a time (seconds for a large
    // N) and poll the interrupt between patterns; stopped there, the network stores
    // the patterns learnt so far.
    InterruptPoller poller(interrupt);
    Eigen::Index learnt = 0;
    try {
        learn(patterns, poller, learnt);
    } catch (...) {
        n_patterns_ += learnt;
        refresh_thresholds();
        throw;
    }
    n_patterns_ += patterns.cols();
    refresh_thresholds();
}

template <class Scalar>
void Hopfield<Scalar>::learn(const ConstStates& patterns, InterruptPoller& poller,
                             Eigen::Index& learnt) {
    switch (rule_) {
        case HopfieldRule::hebbian:
            learn_hebbian(patterns, false);
            if (factored_) {
                const Eigen::Index p = stored_.rows();
                stored_.conservativeResize(p + patterns.cols(), n_);
                stored_.bottomRows(patterns.cols()) = patterns.transpose();
                copy_signs();
            }
            break;
        case HopfieldRule::sparse_hebbian:
            learn_hebbian(patterns, true);
            break;
        case HopfieldRule::storkey:
            learn_storkey(patterns, poller, learnt);
            break;
        case HopfieldRule::pseudoinverse:
            learn_pseudoinverse(patterns, poller, learnt);
            break;
        case HopfieldRule::perceptron:
            learn_perceptron(patterns);
            break;
    }
}

// W += c sum_p (p - a)(p - a)^T with c = 1/N when normalising, a = 0 or the activity.
template <class Scalar>
void Hopfield<Scalar>::learn_hebbian(const ConstStates& patterns, bool centred) {
    const Scalar c = normalize_ ? Scalar(1) / Scalar(n_) : Scalar(1);
    if (centred) {
        const Matrix x = patterns.array() - static_cast<Scalar>(activity_);
        W_.template selfadjointView<Eigen::Lower>().rankUpdate(x, c);
    } else {
        W_.template selfadjointView<Eigen::Lower>().rankUpdate(patterns, c);
    }
    mirror_lower(W_);
    if (zero_diagonal_) W_.diagonal().setZero();
}

// Storkey (1997): w_ij += (1/N)(x_i x_j - x_i h_ji - h_ij x_j), h_ij = sum_{k != i,j} w_ik x_k.
// With g = W x - diag(W) x (the field without the self term) that is
//   w_ij += (1/N)(x_i x_j - x_i g_j - g_i x_j + 2 w_ij)   for i != j,
//   w_ii += (1/N)(1 - 2 x_i g_i).
// Weights are kept in units of c = 1 (normalize) or N, like the Hebbian ones.
template <class Scalar>
void Hopfield<Scalar>::learn_storkey(const ConstStates& patterns, InterruptPoller& poller,
                                     Eigen::Index& learnt) {
    const Scalar c = normalize_ ? Scalar(1) : Scalar(n_);
    const Scalar inv_n = Scalar(1) / Scalar(n_);
    Vector g(n_);
    for (Eigen::Index p = 0; p < patterns.cols(); ++p, learnt = p) {
        poller.poll();
        const auto x = patterns.col(p);
        g.noalias() = W_ * x;
        g -= W_.diagonal().cwiseProduct(x);
        for (int j = 0; j < n_; ++j) {
            for (int i = j + 1; i < n_; ++i)
                W_(i, j) +=
                    inv_n * (c * x(i) * x(j) - x(i) * g(j) - g(i) * x(j) + Scalar(2) * W_(i, j));
            W_(j, j) =
                zero_diagonal_ ? Scalar(0) : W_(j, j) + inv_n * (c - Scalar(2) * x(j) * g(j));
        }
        mirror_lower(W_);
    }
}

// Projection rule W = X (X^T X)^-1 X^T, built one pattern at a time: the part of
// each new pattern outside the span of the stored ones, r = x - Px, extends the
// projection by r r^T / r^T r.  Projecting twice keeps r orthogonal in floating
// point (classical Gram-Schmidt with reorthogonalisation); patterns already in the
// span change nothing.
template <class Scalar>
void Hopfield<Scalar>::learn_pseudoinverse(const ConstStates& patterns, InterruptPoller& poller,
                                           Eigen::Index& learnt) {
    const Scalar c = normalize_ ? Scalar(1) : Scalar(n_);
    const Scalar eps = std::numeric_limits<Scalar>::epsilon();
    // The full projection P = W / c + diag(projection_diagonal_).
    auto project = [&](const Vector& v) {
        Vector out = (W_ * v) / c;
        out += projection_diagonal_.cwiseProduct(v);
        return out;
    };
    for (Eigen::Index p = 0; p < patterns.cols(); ++p, learnt = p) {
        poller.poll();
        const Vector x = patterns.col(p);
        Vector r = x - project(x);
        r -= project(r);
        const Scalar norm2 = r.squaredNorm();
        const Scalar floor = Scalar(100) * std::sqrt(Scalar(n_)) * eps;
        if (!(norm2 > floor * floor * x.squaredNorm())) continue;
        const Scalar k = c / norm2;
        for (int j = 0; j < n_; ++j)
            for (int i = j; i < n_; ++i) W_(i, j) += (r(i) * r(j)) * k;
        mirror_lower(W_);
        if (zero_diagonal_) {
            projection_diagonal_ += W_.diagonal() / c;
            W_.diagonal().setZero();
        }
    }
}

template void Hopfield<float>::train(const ConstStates&, const Interrupt&);
template void Hopfield<float>::add(const ConstStates&, const Interrupt&);
template void Hopfield<float>::learn(const ConstStates&, InterruptPoller&, Eigen::Index&);
template void Hopfield<float>::learn_hebbian(const ConstStates&, bool);
template void Hopfield<float>::learn_storkey(const ConstStates&, InterruptPoller&, Eigen::Index&);
template void Hopfield<float>::learn_pseudoinverse(const ConstStates&, InterruptPoller&,
                                                   Eigen::Index&);
template void Hopfield<double>::train(const ConstStates&, const Interrupt&);
template void Hopfield<double>::add(const ConstStates&, const Interrupt&);
template void Hopfield<double>::learn(const ConstStates&, InterruptPoller&, Eigen::Index&);
template void Hopfield<double>::learn_hebbian(const ConstStates&, bool);
template void Hopfield<double>::learn_storkey(const ConstStates&, InterruptPoller&, Eigen::Index&);
template void Hopfield<double>::learn_pseudoinverse(const ConstStates&, InterruptPoller&,
                                                    Eigen::Index&);

}  // namespace annlib

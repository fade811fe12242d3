// Hopfield networks: construction and state.  Learning is in
// hopfield_learning.cpp, fields, updates and recall in hopfield_recall.cpp, the
// exhaustive attractor search and capacity curves in hopfield_search.cpp.
#include "annlib/hopfield.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "annlib/hopfield_dynamics.hpp"

namespace annlib {

using namespace hopfield_detail;

// ---- construction and state -------------------------------------------------

template <class Scalar>
Hopfield<Scalar>::Hopfield(int n_units, HopfieldRule rule, bool zero_diagonal, bool normalize,
                           std::uint64_t seed)
    : n_(n_units), rule_(rule), zero_diagonal_(zero_diagonal), normalize_(normalize), seed_(seed) {
    if (n_units < 1)
        throw std::invalid_argument("n_units: expected an integer >= 1, got " + str(n_units));
    W_ = Matrix::Zero(n_, n_);
    theta_ = Vector::Zero(n_);
    projection_diagonal_ = Vector::Zero(n_);
    forget_patterns();
    refresh_thresholds();
}

template <class Scalar>
void Hopfield<Scalar>::forget_patterns() {
    // No patterns stored yet: W = 0 is their (empty) Hebbian sum.
    clear_patterns(rule_ == HopfieldRule::hebbian && W_.isZero(0));
}

template <class Scalar>
void Hopfield<Scalar>::clear_patterns(bool factored) {
    factored_ = factored;
    stored_.resize(0, factored ? n_ : 0);
    signs_.clear();
}

template <class Scalar>
bool Hopfield<Scalar>::use_patterns() const {
    const double p = static_cast<double>(stored_.rows());
    // Integer sums up to N P must be exact in Scalar (2^24 in float) and int32.
    const double exact = std::ldexp(1.0, std::min(std::numeric_limits<Scalar>::digits, 31));
    return factored_ && 2 * p < n_ && p * n_ < exact && n_ <= std::numeric_limits<Overlap>::max();
}

template <class Scalar>
void Hopfield<Scalar>::refresh_thresholds() {
    const Scalar margin = Scalar(16) * std::numeric_limits<Scalar>::epsilon();
    std::frexp(W_.cwiseAbs().maxCoeff(), &binade_);
    Vector scale = W_.cwiseAbs().rowwise().sum() + theta_.cwiseAbs();
    if (!scale.allFinite()) {
        // Huge but finite weights (W = -1e308 (1 - I)): the sums overflow and a cut of
        // -inf would make every unit high.  Sum in units of 2^e, the binade of the
        // largest |w|, and scale the (small) margins back; powers of two are exact.
        const Scalar largest = std::max(W_.cwiseAbs().maxCoeff(), theta_.cwiseAbs().maxCoeff());
        int e = 0;
        std::frexp(largest, &e);
        const Scalar down = std::ldexp(Scalar(1), -e);
        scale = (W_.cwiseAbs() * down).rowwise().sum() + theta_.cwiseAbs() * down;
        cut_ = theta_ - (margin * scale).unaryExpr([e](Scalar v) { return std::ldexp(v, e); });
        return;
    }
    cut_ = theta_ - margin * scale;
}

template <class Scalar>
void Hopfield<Scalar>::set_weights(const Eigen::Ref<const Matrix>& W) {
    if (W.rows() != n_ || W.cols() != n_)
        throw std::invalid_argument("W: expected a " + str(n_) + " x " + str(n_) + " matrix, got " +
                                    str(W.rows()) + " x " + str(W.cols()));
    if (!W.allFinite())
        throw std::invalid_argument("W: expected finite values, got NaN or infinity");
    W_ = W;
    clear_patterns(false);
    const Scalar scale = W_.cwiseAbs().maxCoeff();
    symmetric_ = (W_ - W_.transpose()).cwiseAbs().maxCoeff() <=
                 Scalar(16) * std::numeric_limits<Scalar>::epsilon() * scale;
    // Weights set by hand carry their own diagonal: the projection starts from them.
    projection_diagonal_.setZero();
    refresh_thresholds();
}

template <class Scalar>
void Hopfield<Scalar>::set_bias(const Eigen::Ref<const Vector>& theta) {
    if (theta.size() != n_)
        throw std::invalid_argument("bias: expected " + str(n_) + " values, got " +
                                    str(theta.size()));
    if (!theta.allFinite())
        throw std::invalid_argument("bias: expected finite values, got NaN or infinity");
    theta_ = theta;
    refresh_thresholds();
}

template <class Scalar>
void Hopfield<Scalar>::set_rule(HopfieldRule rule) {
    const bool hebbian_pair =
        (rule_ == HopfieldRule::hebbian || rule_ == HopfieldRule::sparse_hebbian) &&
        (rule == HopfieldRule::hebbian || rule == HopfieldRule::sparse_hebbian);
    if (!hebbian_pair && rule != rule_)
        throw std::invalid_argument(
            "rule: expected 'hebbian' or 'sparse_hebbian' (only those two switch), got '" +
            std::string(name_of(rule)) + "' for a '" + std::string(name_of(rule_)) + "' network");
    if (rule != rule_) clear_patterns(false);
    rule_ = rule;
}

template <class Scalar>
void Hopfield<Scalar>::restore_patterns(const Eigen::Ref<const Matrix>& rows) {
    if (rule_ != HopfieldRule::hebbian)
        throw std::invalid_argument("patterns: expected none for the '" +
                                    std::string(name_of(rule_)) + "' rule, which keeps only W");
    if (rows.cols() != n_)
        throw std::invalid_argument("patterns: expected patterns of " + str(n_) + " units, got " +
                                    str(rows.cols()));
    if (rows.rows() != n_patterns_)
        throw std::invalid_argument("patterns: expected " + str(n_patterns_) +
                                    " patterns (n_patterns), got " + str(rows.rows()));
    const Matrix columns = rows.transpose();
    check_states(columns, "patterns");
    // W must be c (X X^T - d P I) up to the rounding of building it.
    Matrix expected = Matrix::Zero(n_, n_);
    expected.template selfadjointView<Eigen::Lower>().rankUpdate(columns, hebbian_scale());
    mirror_lower(expected);
    if (zero_diagonal_) expected.diagonal().setZero();
    const Scalar scale = std::max(Scalar(1), expected.cwiseAbs().maxCoeff());
    const Scalar allowed = Scalar(64) * std::numeric_limits<Scalar>::epsilon() *
                           static_cast<Scalar>(std::max<Eigen::Index>(rows.rows(), 1)) * scale;
    if (!((expected - W_).cwiseAbs().maxCoeff() <= allowed))
        throw std::invalid_argument(
            "patterns: expected the patterns whose Hebbian sum is W, got others");
    stored_ = rows;
    factored_ = true;
    copy_signs();
}

template <class Scalar>
void Hopfield<Scalar>::copy_signs() {
    const Eigen::Index p = stored_.rows(), padded = padded_count(p);
    signs_.assign(static_cast<std::size_t>(padded * n_), 0);
    for (Eigen::Index i = 0; i < n_; ++i)
        for (Eigen::Index k = 0; k < p; ++k)
            signs_[static_cast<std::size_t>(i * padded + k)] = stored_(k, i) > 0 ? 1 : -1;
}

template <class Scalar>
void Hopfield<Scalar>::restore(const Eigen::Ref<const Vector>& projection_diagonal, double activity,
                               std::int64_t n_patterns, std::uint64_t streams_used) {
    if (projection_diagonal.size() != n_)
        throw std::invalid_argument("projection_diagonal: expected " + str(n_) + " values, got " +
                                    str(projection_diagonal.size()));
    if (!(activity >= 0.0 && activity <= 1.0))
        throw std::invalid_argument("activity: expected a number in [0, 1], got " + str(activity));
    if (n_patterns < 0)
        throw std::invalid_argument("n_patterns: expected an integer >= 0, got " + str(n_patterns));
    projection_diagonal_ = projection_diagonal;
    activity_ = activity;
    n_patterns_ = n_patterns;
    streams_used_ = streams_used;
}

template <class Scalar>
std::uint64_t Hopfield<Scalar>::stream_seed(std::uint64_t index) const {
    return derive_seed(seed_, index);
}

template <class Scalar>
void Hopfield<Scalar>::check_states(const ConstStates& states, const char* name) const {
    if (states.rows() != n_)
        throw std::invalid_argument(std::string(name) + ": expected states of " + str(n_) +
                                    " units, got " + str(states.rows()));
    const Scalar high = 1, low = this->low();
    // (v - high)(v - low) is 0 exactly for the two allowed values (NaN and
    // overflow are not 0): one vectorised pass, then a search for the message.
    if (((states.array() - high) * (states.array() - low)).matrix().isZero(0)) return;
    for (Eigen::Index b = 0; b < states.cols(); ++b)
        for (Eigen::Index i = 0; i < n_; ++i) {
            const Scalar v = states(i, b);
            if (v != high && v != low)
                throw std::invalid_argument(std::string(name) + ": expected values " +
                                            (sparse() ? "0 or 1" : "-1 or +1") + ", got " + str(v));
        }
}

template <class Scalar>
void Hopfield<Scalar>::require_symmetric(const std::string& what) const {
    if (!symmetric_)
        throw std::invalid_argument("W: expected a symmetric weight matrix for " + what +
                                    ", got a non-symmetric one");
}

template class Hopfield<float>;
template class Hopfield<double>;

}  // namespace annlib

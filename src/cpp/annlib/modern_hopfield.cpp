#include "annlib/modern_hopfield.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace annlib {

namespace {

// Queries per GEMM: the P x kChunk scores of one chunk stay in cache-sized
// pieces and the chunks spread over threads (each GEMM then on one thread).
constexpr Eigen::Index kChunk = 128;

std::string number(double value) {
    std::string text = std::to_string(value);
    return text;
}

void check_beta(double beta) {
    if (!(beta > 0.0) || !std::isfinite(beta))
        throw std::invalid_argument("beta: expected a finite number > 0, got " + number(beta));
}

}  // namespace

template <class Scalar>
ModernHopfield<Scalar>::ModernHopfield(double beta) : beta_(beta) {
    check_beta(beta);
}

template <class Scalar>
void ModernHopfield<Scalar>::set_beta(double beta) {
    check_beta(beta);
    beta_ = beta;
}

template <class Scalar>
void ModernHopfield<Scalar>::check(const ConstMatrix& states, const char* name) const {
    if (states.rows() != X_.rows())
        throw std::invalid_argument(std::string(name) + ": expected vectors of " +
                                    std::to_string(X_.rows()) + " units, got " +
                                    std::to_string(states.rows()));
    if (!states.allFinite())
        throw std::invalid_argument(std::string(name) +
                                    ": expected finite values, got NaN or infinity");
}

template <class Scalar>
void ModernHopfield<Scalar>::require_patterns() const {
    if (X_.cols() == 0)
        throw std::invalid_argument(
            "patterns: expected at least one stored pattern (call store first), got none");
}

template <class Scalar>
void ModernHopfield<Scalar>::store(const ConstMatrix& patterns) {
    X_.resize(patterns.rows(), 0);
    add(patterns);
}

template <class Scalar>
void ModernHopfield<Scalar>::add(const ConstMatrix& patterns) {
    if (patterns.cols() == 0 || patterns.rows() == 0)
        throw std::invalid_argument("patterns: expected at least one pattern of >= 1 units, got " +
                                    std::to_string(patterns.cols()) + " x " +
                                    std::to_string(patterns.rows()));
    if (X_.cols() > 0) check(patterns, "patterns");
    if (!patterns.allFinite())
        throw std::invalid_argument("patterns: expected finite values, got NaN or infinity");
    const Eigen::Index old = X_.cols();
    X_.conservativeResize(patterns.rows(), old + patterns.cols());
    X_.rightCols(patterns.cols()) = patterns;
}

template <class Scalar>
void ModernHopfield<Scalar>::softmax(Matrix& S) const {
    const Scalar beta = static_cast<Scalar>(beta_);
    for (Eigen::Index b = 0; b < S.cols(); ++b) {
        auto column = S.col(b).array();
        const Scalar top = column.maxCoeff();
        column = ((column - top) * beta).exp();
        column /= column.sum();
    }
}

template <class Scalar>
RetrieveResult<Scalar> ModernHopfield<Scalar>::retrieve(const ConstMatrix& queries, int max_steps,
                                                        bool until_converged, double tol,
                                                        const Interrupt& interrupt) const {
    require_patterns();
    check(queries, "queries");
    if (max_steps < 1)
        throw std::invalid_argument("steps: expected an integer >= 1, got " +
                                    std::to_string(max_steps));
    if (!(tol >= 0.0) || !std::isfinite(tol))
        throw std::invalid_argument("tol: expected a finite number >= 0, got " + number(tol));
    const Eigen::Index count = queries.cols();
    RetrieveResult<Scalar> result;
    result.states = queries;
    result.steps.assign(static_cast<std::size_t>(count), 0);
    result.converged.assign(static_cast<std::size_t>(count), 0);
    result.pattern.assign(static_cast<std::size_t>(count), 0);
    result.weight.assign(static_cast<std::size_t>(count), 0.0);
    const int chunks = static_cast<int>((count + kChunk - 1) / kChunk);
    // 2 N P multiply-adds per query and step; below ~4M in all one thread is faster.
    const double work = 2.0 * double(X_.rows()) * double(X_.cols()) * double(count);
    parallel_for(
        chunks,
        [&](int chunk, const Interrupt& check_interrupt) {
            const Eigen::Index start = chunk * kChunk;
            const Eigen::Index width = std::min(kChunk, count - start);
            auto Q = result.states.middleCols(start, width);
            Matrix S, next;
            std::vector<std::uint8_t> done(static_cast<std::size_t>(width), 0);
            for (int step = 1; step <= max_steps; ++step) {
                check_interrupt();
                S.noalias() = X_.transpose() * Q;
                softmax(S);
                next.noalias() = X_ * S;
                bool all_done = true;
                for (Eigen::Index b = 0; b < width; ++b) {
                    const auto ub = static_cast<std::size_t>(b);
                    if (done[ub]) continue;
                    const auto k = static_cast<std::size_t>(start + b);
                    const double moved =
                        static_cast<double>((next.col(b) - Q.col(b)).cwiseAbs().maxCoeff());
                    Q.col(b) = next.col(b);
                    result.steps[k] = step;
                    Eigen::Index best = 0;
                    result.weight[k] = static_cast<double>(S.col(b).maxCoeff(&best));
                    result.pattern[k] = static_cast<int>(best);
                    result.converged[k] = moved <= tol;
                    done[ub] = until_converged && result.converged[k];
                    all_done = all_done && done[ub];
                }
                if (all_done) break;
            }
        },
        interrupt, work < double(1 << 22) ? 1 : 0);
    return result;
}

template <class Scalar>
typename ModernHopfield<Scalar>::Matrix ModernHopfield<Scalar>::weights(
    const ConstMatrix& states) const {
    require_patterns();
    check(states, "states");
    Matrix S = X_.transpose() * states;
    softmax(S);
    return S;
}

template <class Scalar>
std::vector<double> ModernHopfield<Scalar>::energy(const ConstMatrix& states) const {
    require_patterns();
    check(states, "states");
    const Eigen::MatrixXd X = X_.template cast<double>();
    const Eigen::MatrixXd scores = X.transpose() * states.template cast<double>();
    const double P = static_cast<double>(X.cols());
    const double M2 = X.colwise().squaredNorm().maxCoeff();
    std::vector<double> out(static_cast<std::size_t>(states.cols()));
    for (Eigen::Index b = 0; b < states.cols(); ++b) {
        const auto z = (scores.col(b) * beta_).array();
        const double top = z.maxCoeff();
        const double lse = top + std::log((z - top).exp().sum());
        const double half_norm = 0.5 * states.col(b).template cast<double>().squaredNorm();
        out[static_cast<std::size_t>(b)] =
            -lse / beta_ + half_norm + std::log(P) / beta_ + 0.5 * M2;
    }
    return out;
}

template <class Scalar>
std::vector<double> ModernHopfield<Scalar>::separation(const Interrupt& interrupt) const {
    require_patterns();
    const Eigen::Index P = X_.cols();
    const Eigen::MatrixXd X = X_.template cast<double>();
    std::vector<double> out(static_cast<std::size_t>(P));
    const int chunks = static_cast<int>((P + kChunk - 1) / kChunk);
    parallel_for(
        chunks,
        [&](int chunk, const Interrupt&) {
            const Eigen::Index start = chunk * kChunk;
            const Eigen::Index width = std::min(kChunk, P - start);
            const Eigen::MatrixXd G = X.transpose() * X.middleCols(start, width);  // P x width
            for (Eigen::Index b = 0; b < width; ++b) {
                const Eigen::Index mu = start + b;
                double others = -std::numeric_limits<double>::infinity();
                for (Eigen::Index nu = 0; nu < P; ++nu)
                    if (nu != mu) others = std::max(others, G(nu, b));
                out[static_cast<std::size_t>(mu)] = G(mu, b) - others;
            }
        },
        interrupt, double(P) * double(P) * double(X.rows()) < double(1 << 22) ? 1 : 0);
    return out;
}

template class ModernHopfield<float>;
template class ModernHopfield<double>;

}  // namespace annlib

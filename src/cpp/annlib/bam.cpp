#include "annlib/bam.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace annlib {

namespace {

constexpr Eigen::Index kChunk = 256;

// s <- sign(h), keeping s where h is 0.  Returns whether any entry changed.
template <class Scalar, class States>
bool threshold(const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>& H, States&& S) {
    bool changed = false;
    for (Eigen::Index b = 0; b < S.cols(); ++b)
        for (Eigen::Index i = 0; i < S.rows(); ++i) {
            const Scalar h = H(i + b * S.rows());
            const Scalar next = h > 0 ? Scalar(1) : (h < 0 ? Scalar(-1) : S(i, b));
            changed = changed || next != S(i, b);
            S(i, b) = next;
        }
    return changed;
}

}  // namespace

template <class Scalar>
void BAM<Scalar>::check(const ConstMatrix& states, Eigen::Index units, const char* name) const {
    if (states.rows() != units)
        throw std::invalid_argument(std::string(name) + ": expected vectors of " +
                                    std::to_string(units) + " units, got " +
                                    std::to_string(states.rows()));
    if (!((states.array() - Scalar(1)) * (states.array() + Scalar(1))).matrix().isZero(0))
        throw std::invalid_argument(std::string(name) + ": expected values -1 or +1, got others");
}

template <class Scalar>
void BAM<Scalar>::train(const ConstMatrix& X, const ConstMatrix& Y) {
    if (X.cols() == 0 || X.rows() == 0 || Y.rows() == 0)
        throw std::invalid_argument("X: expected at least one pair of non-empty vectors, got none");
    W_ = Matrix::Zero(X.rows(), Y.rows());
    n_pairs_ = 0;
    add(X, Y);
}

template <class Scalar>
void BAM<Scalar>::add(const ConstMatrix& X, const ConstMatrix& Y) {
    if (W_.size() == 0) return train(X, Y);
    check(X, W_.rows(), "X");
    check(Y, W_.cols(), "Y");
    if (X.cols() != Y.cols())
        throw std::invalid_argument("Y: expected " + std::to_string(X.cols()) +
                                    " vectors (one per x), got " + std::to_string(Y.cols()));
    W_.noalias() += X * Y.transpose();
    n_pairs_ += X.cols();
}

template <class Scalar>
void BAM<Scalar>::restore(const ConstMatrix& W, std::int64_t n_pairs) {
    if (!W.allFinite())
        throw std::invalid_argument("W: expected finite values, got NaN or infinity");
    if (n_pairs < 0)
        throw std::invalid_argument("n_pairs: expected an integer >= 0, got " +
                                    std::to_string(n_pairs));
    W_ = W;
    n_pairs_ = n_pairs;
}

template <class Scalar>
BamRecallResult<Scalar> BAM<Scalar>::recall(const ConstMatrix& start, bool from_x, int max_iter,
                                            const Interrupt& interrupt) const {
    if (W_.size() == 0)
        throw std::invalid_argument("pairs: expected stored pairs (call train first), got none");
    check(start, from_x ? W_.rows() : W_.cols(), from_x ? "x" : "y");
    if (max_iter < 1)
        throw std::invalid_argument("max_iter: expected an integer >= 1, got " +
                                    std::to_string(max_iter));
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
    const Eigen::Index count = start.cols();
    BamRecallResult<Scalar> result;
    // The known side is `a`, the other `b`: b <- sign(A^T a), a <- sign(A b), with A = W or W^T.
    Matrix& a = from_x ? result.x : result.y;
    Matrix& b = from_x ? result.y : result.x;
    a = start;
    b = Matrix::Ones(from_x ? W_.cols() : W_.rows(), count);
    result.iterations.assign(static_cast<std::size_t>(count), 0);
    result.converged.assign(static_cast<std::size_t>(count), 0);
    const Matrix At = from_x ? Matrix(W_.transpose()) : W_;  // b's fields are At * a
    const int chunks = static_cast<int>((count + kChunk - 1) / kChunk);
    parallel_for(
        chunks,
        [&](int chunk, const Interrupt& check_interrupt) {
            const Eigen::Index first = chunk * kChunk;
            const Eigen::Index width = std::min(kChunk, count - first);
            for (Eigen::Index k = first; k < first + width; ++k) {
                auto ak = a.col(k);
                auto bk = b.col(k);
                Vector h = At * ak;
                threshold(h, bk);  // the first y (or x), ties +1
                for (int iteration = 1; iteration <= max_iter; ++iteration) {
                    check_interrupt();
                    h.noalias() = At.transpose() * bk;
                    const bool a_changed = threshold(h, ak);
                    h.noalias() = At * ak;
                    const bool b_changed = threshold(h, bk);
                    result.iterations[static_cast<std::size_t>(k)] = iteration;
                    if (!a_changed && !b_changed) {
                        result.converged[static_cast<std::size_t>(k)] = 1;
                        break;
                    }
                }
            }
        },
        interrupt, double(count) * double(W_.size()) < double(1 << 22) ? 1 : 0);
    return result;
}

template <class Scalar>
std::vector<double> BAM<Scalar>::energy(const ConstMatrix& X, const ConstMatrix& Y) const {
    if (W_.size() == 0)
        throw std::invalid_argument("pairs: expected stored pairs (call train first), got none");
    check(X, W_.rows(), "x");
    check(Y, W_.cols(), "y");
    if (X.cols() != Y.cols())
        throw std::invalid_argument("y: expected " + std::to_string(X.cols()) +
                                    " vectors (one per x), got " + std::to_string(Y.cols()));
    std::vector<double> out(static_cast<std::size_t>(X.cols()));
    for (Eigen::Index k = 0; k < X.cols(); ++k)
        out[static_cast<std::size_t>(k)] = -static_cast<double>(X.col(k).dot(W_ * Y.col(k)));
    return out;
}

template class BAM<float>;
template class BAM<double>;

}  // namespace annlib

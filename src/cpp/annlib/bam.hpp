// Kosko's (1988) bidirectional associative memory: pairs of +-1 vectors
// (x_k of N_x units, y_k of N_y units) stored in one matrix W = sum_k x_k y_k^T.
//
// Recall alternates y <- sign(W^T x) and x <- sign(W y) until neither changes;
// a unit whose field is exactly 0 keeps its value (a y still unknown becomes
// +1).  Each half step never raises the energy E(x, y) = -x^T W y, so recall
// ends in a stable pair.  States are columns (N x B) as in hopfield.hpp.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "annlib/control.hpp"

namespace annlib {

template <class Scalar>
struct BamRecallResult {
    Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> x;  // N_x x B
    Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> y;  // N_y x B
    std::vector<int> iterations;                              // round trips x -> y -> x
    std::vector<std::uint8_t> converged;
};

template <class Scalar>
class BAM {
  public:
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    using ConstMatrix = Eigen::Ref<const Matrix>;

    BAM() = default;

    int x_units() const { return static_cast<int>(W_.rows()); }
    int y_units() const { return static_cast<int>(W_.cols()); }
    std::int64_t n_pairs() const { return n_pairs_; }
    const Matrix& weights() const { return W_; }  // N_x x N_y

    // X: N_x x P, Y: N_y x P, column k the k-th pair.  train() replaces, add() adds.
    void train(const ConstMatrix& X, const ConstMatrix& Y);
    void add(const ConstMatrix& X, const ConstMatrix& Y);
    // Restores weights and pair count of a saved memory.
    void restore(const ConstMatrix& W, std::int64_t n_pairs);

    // From x (from_x) or from y: alternate until the pair is stable or max_iter round trips.
    BamRecallResult<Scalar> recall(const ConstMatrix& start, bool from_x, int max_iter,
                                   const Interrupt& interrupt = Interrupt()) const;
    // -x^T W y of each column pair.
    std::vector<double> energy(const ConstMatrix& X, const ConstMatrix& Y) const;

  private:
    void check(const ConstMatrix& states, Eigen::Index units, const char* name) const;

    Matrix W_;
    std::int64_t n_pairs_ = 0;
};

extern template class BAM<float>;
extern template class BAM<double>;

}  // namespace annlib

// The modern (continuous) Hopfield network of Ramsauer et al. (2020), "Hopfield
// Networks is All You Need" (arXiv:2008.02217).
//
// Stored patterns are the columns x_mu of X (N x P, the memory of a C-ordered
// (P, N) numpy array); a state xi is a real N-vector.  The update is
//
//     xi <- X softmax(beta X^T xi)
//
// (for row-vector queries Q, B x N: Q <- softmax(beta Q X^T) X, attention with
// keys = values = the patterns), and the energy it never raises is
//
//     E(xi) = -1/beta log sum_mu exp(beta x_mu . xi) + 1/2 xi . xi
//             + 1/beta log P + 1/2 M^2,   M = max_mu |x_mu|,
//
// whose constants make 0 <= E <= 2 M^2 on the patterns' convex hull.  The
// softmax subtracts each column's largest score before exp, so any beta and any
// scale are safe.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "annlib/control.hpp"

namespace annlib {

template <class Scalar>
struct RetrieveResult {
    Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> states;  // N x B
    std::vector<int> steps;                                        // updates applied
    std::vector<std::uint8_t> converged;  // the last update moved no unit by more than tol
    // The softmax weights of the last update: the pattern with the largest one and
    // that weight (1 for a clean retrieval, about 1/k for an average of k patterns).
    std::vector<int> pattern;
    std::vector<double> weight;
};

template <class Scalar>
class ModernHopfield {
  public:
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    using ConstMatrix = Eigen::Ref<const Matrix>;

    explicit ModernHopfield(double beta);

    double beta() const { return beta_; }
    void set_beta(double beta);
    int n_units() const { return static_cast<int>(X_.rows()); }
    Eigen::Index n_patterns() const { return X_.cols(); }
    const Matrix& patterns() const { return X_; }  // N x P

    // patterns: N x P of finite numbers.  store() replaces, add() appends.
    void store(const ConstMatrix& patterns);
    void add(const ConstMatrix& patterns);

    // At most max_steps updates of each column of `queries` (N x B); with
    // `until_converged` a column stops once an update moves no entry by more
    // than tol, else every column gets exactly max_steps updates.
    RetrieveResult<Scalar> retrieve(const ConstMatrix& queries, int max_steps, bool until_converged,
                                    double tol, const Interrupt& interrupt = Interrupt()) const;

    std::vector<double> energy(const ConstMatrix& states) const;
    // softmax(beta X^T xi) of each column: P x B.
    Matrix weights(const ConstMatrix& states) const;
    // Delta_mu = x_mu . x_mu - max_{nu != mu} x_mu . x_nu (Ramsauer et al.'s
    // separation; retrieval in one step needs it well above ~ 2 ln(P) / beta).
    std::vector<double> separation(const Interrupt& interrupt = Interrupt()) const;

  private:
    void check(const ConstMatrix& states, const char* name) const;
    void require_patterns() const;
    // Columns of scores S = beta X^T Q become their softmax, in place.
    void softmax(Matrix& S) const;

    double beta_;
    Matrix X_;
};

extern template class ModernHopfield<float>;
extern template class ModernHopfield<double>;

}  // namespace annlib

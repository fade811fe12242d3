// Dense associative memory (Krotov & Hopfield 2016; exponential form: Demircigil
// et al. 2017): binary +-1 units and the energy
//
//     E(s) = - sum_mu F(m_mu),   m_mu = xi^mu . s  (the overlap with pattern mu),
//
// with F(x) = x^n (polynomial), max(x, 0)^n (rectified polynomial) or e^x
// (exponential).  The update of unit i compares the energies of its two values,
// the other units fixed: with a_mu = m_mu - xi_i^mu s_i (the overlap without unit i),
//
//     s_i <- sign( sum_mu [F(a_mu + xi_i^mu) - F(a_mu - xi_i^mu)] ),   sign(0) = +1,
//
// so an asynchronous update never raises E.  Degree 2 is the classical Hebbian
// network with a zero diagonal: the sum is 4 (sum_mu xi_i^mu m_mu - P s_i) = 4 N h_i.
//
// Asynchronous recall keeps the P overlaps of each probe and updates them on a
// flip (P additions), so a visit costs P evaluations and never N x P.  All
// arithmetic is in double (overlaps are exact integers); the exponential form
// works with e^(m_mu - A), A a recent maximum of the overlaps, so nothing
// overflows at any N, and its energy is reported as -log sum_mu e^(m_mu) (a
// monotone function of -sum_mu e^(m_mu), which itself overflows past N ~ 700).
//
// States are columns (N x B) as in hopfield.hpp; the recall options and result
// are Hopfield's (temperature must be 0).
#pragma once

#include <Eigen/Core>
#include <atomic>
#include <cstdint>
#include <vector>

#include "annlib/control.hpp"
#include "annlib/hopfield.hpp"
#include "annlib/names.hpp"

namespace annlib {

enum class Interaction { polynomial, rectified_polynomial, exponential };
template <>
inline constexpr auto kNames<Interaction> = name_table<Interaction>({
    {"polynomial", Interaction::polynomial},
    {"rectified_polynomial", Interaction::rectified_polynomial},
    {"exponential", Interaction::exponential},
});

template <class Scalar>
class DenseAssociativeMemory {
  public:
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    using ConstStates = Eigen::Ref<const Matrix>;

    // degree is n of the polynomial forms, in [2, max_degree]; the exponential form ignores it.
    DenseAssociativeMemory(int n_units, Interaction interaction, int degree, std::uint64_t seed);

    int n_units() const { return n_; }
    Interaction interaction() const { return interaction_; }
    int degree() const { return degree_; }
    std::uint64_t seed() const { return seed_; }
    std::uint64_t streams_used() const { return streams_used_.load(); }
    Eigen::Index n_patterns() const { return X_.cols(); }
    // The stored patterns as columns (N x P).
    const Matrix& patterns() const { return X_; }

    // patterns: N x P of +-1.  train() forgets what was stored, add() keeps it.
    void train(const ConstStates& patterns);
    void add(const ConstStates& patterns);
    // Restores the random-stream counter of a saved memory.
    void restore(std::uint64_t streams_used) { streams_used_ = streams_used; }

    std::vector<double> energy(const ConstStates& states) const;
    std::vector<std::uint8_t> stable(const ConstStates& states) const;
    // Probe k of a call uses random stream streams_used() + k, as in Hopfield, so a
    // batch equals its probes one by one on any number of threads.
    RecallResult<Scalar> recall(const ConstStates& probes, const RecallOptions& options,
                                const Interrupt& interrupt = Interrupt());

    // Keeps P (N + 1)^n, the largest energy, inside double's range for any int N and P.
    static constexpr int max_degree = 30;

  private:
    void check_states(const ConstStates& states, const char* name) const;
    // Energies and updates need stored patterns (an empty exponential sum has no logarithm).
    void require_patterns() const;

    int n_;
    Interaction interaction_;
    int degree_;
    std::uint64_t seed_;
    std::atomic<std::uint64_t> streams_used_{0};
    Matrix X_;                        // N x P
    std::vector<std::int8_t> signs_;  // X_ unit-major: unit i's P signs at i * P
};

extern template class DenseAssociativeMemory<float>;
extern template class DenseAssociativeMemory<double>;

}  // namespace annlib

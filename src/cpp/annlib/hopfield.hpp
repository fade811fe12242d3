// Hopfield networks: learning rules, updates, recall, energy and attractors.
//
// States are columns: a batch of B states of N units is an N x B column-major
// matrix, which is exactly the memory of a C-ordered (B, N) numpy array.  Units
// take the values {-1, +1}, or {0, 1} in the sparse (0/1) mode; "high" below is
// +1 / 1 and "low" is -1 / 0.
//
// The field of unit i is h_i = sum_j W_ij s_j and the deterministic update is
// s_i <- high if h_i >= theta_i else low, so sign(0) = +1.  Fields within
// rounding error of the threshold (|h_i - theta_i| <= 16 eps (sum_j |W_ij| +
// |theta_i|)) count as equal to it: a field that is exactly zero in real
// arithmetic comes out as +-1e-17 depending on the summation order (GEMM or
// GEMV, batch size, thread count), and without that margin sign(0) = +1 and
// "batch recall equals one-by-one recall" would hold only by luck.
#pragma once

#include <Eigen/Core>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "annlib/control.hpp"
#include "annlib/names.hpp"
#include "annlib/random.hpp"

namespace annlib {

namespace hopfield_detail {
template <class Scalar>
struct Dynamics;  // the update rule (hopfield_dynamics.hpp)
}

enum class HopfieldRule { hebbian, storkey, pseudoinverse, sparse_hebbian, perceptron };
template <>
inline constexpr auto kNames<HopfieldRule> = name_table<HopfieldRule>({
    {"hebbian", HopfieldRule::hebbian},
    {"storkey", HopfieldRule::storkey},
    {"pseudoinverse", HopfieldRule::pseudoinverse},
    {"sparse_hebbian", HopfieldRule::sparse_hebbian},
    {"perceptron", HopfieldRule::perceptron},
});

enum class UpdateMode { sync, async };
template <>
inline constexpr auto kNames<UpdateMode> = name_table<UpdateMode>({
    {"sync", UpdateMode::sync},
    {"async", UpdateMode::async},
});

enum class UpdateOrder { random, sequential };
template <>
inline constexpr auto kNames<UpdateOrder> = name_table<UpdateOrder>({
    {"random", UpdateOrder::random},
    {"sequential", UpdateOrder::sequential},
});

// What recall records in the energy trace.
enum class EnergyTrace { none, sweep, unit };
template <>
inline constexpr auto kNames<EnergyTrace> = name_table<EnergyTrace>({
    {"none", EnergyTrace::none},
    {"sweep", EnergyTrace::sweep},
    {"unit", EnergyTrace::unit},
});

struct RecallOptions {
    UpdateMode mode = UpdateMode::async;
    UpdateOrder order = UpdateOrder::random;
    int max_iter = 100;  // sweeps (async) or steps (sync), the confirming one included
    EnergyTrace track_energy = EnergyTrace::none;
    double temperature = 0.0;  // > 0: Glauber updates
};

template <class Scalar>
struct RecallResult {
    Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> states;  // N x B
    std::vector<int> iterations;                                   // sweeps/steps done
    std::vector<std::uint8_t> converged;                           // a sweep/step changed nothing
    std::vector<std::uint8_t> cycle;                               // synchronous 2-cycle found
    // energy[b]: energy before recall, then after every sweep/step (or every unit update).
    std::vector<std::vector<double>> energy;
};

template <class Scalar>
class Hopfield {
  public:
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
    using ConstStates = Eigen::Ref<const Matrix>;

    Hopfield(int n_units, HopfieldRule rule, bool zero_diagonal, bool normalize,
             std::uint64_t seed);

    // The perceptron rule's margin kappa >= 0 and epoch limit (see hopfield_perceptron.cpp),
    // and what its last train()/add() achieved.
    struct PerceptronReport {
        int epochs = 0;             // passes over the patterns
        bool converged = true;      // every pattern stable with the margin
        std::int64_t unstable = 0;  // (unit, pattern) pairs still below it
        double worst = 0.0;         // the smallest stability found
    };
    void set_perceptron(double margin, int max_epochs);
    double margin() const { return margin_; }
    int max_epochs() const { return max_epochs_; }
    const PerceptronReport& perceptron_report() const { return report_; }
    // The patterns the perceptron rule trains on (N x P), and their restoration on load.
    const Matrix& perceptron_patterns() const { return perceptron_patterns_; }
    void restore_perceptron_patterns(const ConstStates& patterns);

    int n_units() const { return n_; }
    HopfieldRule rule() const { return rule_; }
    bool zero_diagonal() const { return zero_diagonal_; }
    bool normalize() const { return normalize_; }
    bool sparse() const { return rule_ == HopfieldRule::sparse_hebbian; }
    double activity() const { return activity_; }
    std::int64_t n_patterns() const { return n_patterns_; }
    std::uint64_t seed() const { return seed_; }
    // Random streams used so far: probe k of a call gets stream streams_used() + k,
    // so recalling a batch equals recalling its probes one by one, whatever the
    // number of threads.
    std::uint64_t streams_used() const { return streams_used_.load(); }
    Scalar low() const { return sparse() ? Scalar(0) : Scalar(-1); }

    const Matrix& weights() const { return W_; }
    const Vector& bias() const { return theta_; }
    const Vector& projection_diagonal() const { return projection_diagonal_; }
    bool symmetric() const { return symmetric_; }
    // The stored +-1 patterns as rows (P x N) while W is exactly their Hebbian sum
    // (rule hebbian, weights not set by hand); 0 x 0 otherwise.
    const Matrix& stored_patterns() const { return stored_; }
    bool factored() const { return factored_; }

    // Any finite N x N matrix; a non-symmetric one is allowed (recall still works)
    // but energy() then refuses, as the energy is no Lyapunov function any more.
    void set_weights(const Eigen::Ref<const Matrix>& W);
    void set_bias(const Eigen::Ref<const Vector>& theta);
    // Only rule = hebbian <-> sparse_hebbian switches (train(..., sparse=True)).
    void set_rule(HopfieldRule rule);
    // Restores what save/pickle keep beyond weights and bias.
    void restore(const Eigen::Ref<const Vector>& projection_diagonal, double activity,
                 std::int64_t n_patterns, std::uint64_t streams_used);
    // Restores stored_patterns() (P x N rows) after set_weights: checks that they
    // are +-1 and that W is their Hebbian sum, up to rounding.
    void restore_patterns(const Eigen::Ref<const Matrix>& rows);

    // patterns: N x P.  train() forgets what was stored, add() keeps it.
    // Storkey and pseudo-inverse learning poll `interrupt` between patterns; stopped,
    // the network stores the patterns learnt until then.
    void train(const ConstStates& patterns, const Interrupt& interrupt = Interrupt());
    void add(const ConstStates& patterns, const Interrupt& interrupt = Interrupt());

    // Energy -1/2 s'Ws + theta's of each column.
    std::vector<double> energy(const ConstStates& states) const;
    // Whether each column is a fixed point of the deterministic update.
    std::vector<std::uint8_t> stable(const ConstStates& states) const;

    // One synchronous step or one asynchronous sweep of every column; with
    // `positions`, only those units (in that order for async).
    Matrix update(const ConstStates& states, UpdateMode mode, UpdateOrder order,
                  const std::vector<int>* positions = nullptr, double temperature = 0.0,
                  const Interrupt& interrupt = Interrupt());

    RecallResult<Scalar> recall(const ConstStates& probes, const RecallOptions& options,
                                const Interrupt& interrupt = Interrupt());

    // Every fixed point, exhaustively (n_units <= 24), as N x K columns in
    // lexicographic order (low before high, unit 0 most significant).
    Matrix attractors(const Interrupt& interrupt = Interrupt()) const;

    static constexpr int max_attractor_units = 24;

  private:
    void check_states(const ConstStates& states, const char* name) const;
    void refresh_thresholds();
    // The rule's update of W; `learnt` counts the patterns already in W.
    void learn(const ConstStates& patterns, InterruptPoller& poller, Eigen::Index& learnt);
    void learn_hebbian(const ConstStates& patterns, bool centred);
    void learn_storkey(const ConstStates& patterns, InterruptPoller& poller, Eigen::Index& learnt);
    void learn_pseudoinverse(const ConstStates& patterns, InterruptPoller& poller,
                             Eigen::Index& learnt);
    void learn_perceptron(const ConstStates& patterns);
    // recall's two algorithms (hopfield_recall.cpp): every probe on its own thread
    // (async), or the whole batch step by step (sync), with a scheduler of its own.
    void recall_async(const hopfield_detail::Dynamics<Scalar>& d, const RecallOptions& options,
                      std::uint64_t first_stream, RecallResult<Scalar>& result,
                      const Interrupt& interrupt) const;
    class SyncRecall;
    // Fields H = W S in column chunks, polling the interrupt between chunks.
    void fields(const ConstStates& states, Matrix& H, const Interrupt& interrupt) const;
    // Whether fields come from the stored patterns: W = c (X X^T - d P I), with
    // X the N x P patterns, c = 1/N (normalize) or 1 and d = 1 with a zero
    // diagonal, so W s = c (X (X^T s) - d P s) costs 2NP instead of N^2 and is
    // exact: X^T s and X (X^T s) are integers, and only the final c rounds.
    bool use_patterns() const;
    Scalar hebbian_scale() const { return normalize_ ? Scalar(1) / Scalar(n_) : Scalar(1); }
    Scalar self_coupling() const {
        return zero_diagonal_ ? static_cast<Scalar>(stored_.rows()) : Scalar(0);
    }
    // train() and construction: no patterns, factored while W = 0 is Hebbian.
    void forget_patterns();
    // Drops the stored patterns; `factored`: W is still their (empty) Hebbian sum.
    void clear_patterns(bool factored);
    void copy_signs();
    // Seed of the random stream of the index-th state ever updated or recalled.
    std::uint64_t stream_seed(std::uint64_t index) const;
    void require_symmetric(const std::string& what) const;

    int n_;
    HopfieldRule rule_;
    bool zero_diagonal_;
    bool normalize_;
    std::uint64_t seed_;
    // Atomic: concurrent recalls (readers under the Python lock) each reserve their own streams.
    std::atomic<std::uint64_t> streams_used_{0};
    std::int64_t n_patterns_ = 0;
    double activity_ = 0.5;
    double margin_ = 0.0;
    int max_epochs_ = 1000;
    PerceptronReport report_;
    Matrix perceptron_patterns_;  // N x P: the perceptron rule trains on all of them
    bool symmetric_ = true;
    Matrix W_;
    Vector theta_;
    // Units become high when h_i >= cut_i = theta_i - tolerance_i (see the top of this file).
    Vector cut_;
    // The binade of the largest |W_ij| (|w| < 2^binade_): fields that overflow are
    // recomputed in units of 2^binade_ (scaled_field in hopfield_dynamics.hpp).
    int binade_ = 0;
    // The pseudo-inverse rule's projection diagonal (normalised units), kept when
    // zero_diagonal removes it from W, so that add() can extend the projection.
    Vector projection_diagonal_;
    // Rows are the stored +-1 patterns while factored_ (see use_patterns()).
    Matrix stored_;
    std::vector<std::int16_t> signs_;  // stored_ as int16, for asynchronous recall
    bool factored_ = false;
};

// Fraction of stored patterns recalled exactly from probes with a fraction
// `noise` of their units flipped, for P = round(load * N) random patterns per
// load, averaged over `trials` networks.  Sparse rules use 0/1 patterns of the
// given activity rho and the threshold rho (1 - rho) (1/2 - rho), halfway
// between the fields of active and inactive units (for a zero diagonal).
// `zero_diagonal` false keeps each unit's self-coupling W_ii (P/N for +-1 units).
template <class Scalar>
std::vector<double> capacity_curve(int n_units, const std::vector<double>& loads, HopfieldRule rule,
                                   double noise, int trials, std::uint64_t seed, UpdateMode mode,
                                   int max_iter, double activity, bool zero_diagonal = true,
                                   const Interrupt& interrupt = Interrupt());

extern template class Hopfield<float>;
extern template class Hopfield<double>;

}  // namespace annlib

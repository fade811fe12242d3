#include "annlib/hopfield.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>
#include <stdexcept>

namespace annlib {

// ---- helpers ----------------------------------------------------------------

namespace {

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0) {
    return mix64(mix64(seed + kGolden * (a + 1)) + kGolden * (b + 1));
}

template <class T>
std::string str(T value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

// Columns this wide go through one GEMM between two interrupt polls.
constexpr int kFieldChunk = 256;
// Stored patterns are kept as integers in blocks of this many, padded with zeros.
constexpr int kSignBlock = 32;
// Patterns as +-1 and overlaps |m| <= N as int16: products summed in int32 map to
// vpmaddwd.  Needs N <= 32767 (use_patterns() checks).
using Sign = std::int16_t;
using Overlap = std::int16_t;

// m += step x over p entries.  The two never overlap; saying so lets the compiler
// vectorise without run-time alias checks.  (No local buffer instead: compilers
// over-align local arrays for vector moves, and AddressSanitizer's fake stack
// frames do not honour that alignment.)
void add_scaled(Overlap* __restrict m, const Sign* __restrict x, Overlap step, Eigen::Index p) {
    for (Eigen::Index k = 0; k < p; ++k) m[k] = static_cast<Overlap>(m[k] + step * x[k]);
}
Eigen::Index padded_count(Eigen::Index p) { return (p + kSignBlock - 1) / kSignBlock * kSignBlock; }
// Rows per thread task when many probes add columns of W to their fields.
constexpr int kRowBlock = 512;

// Threads for a parallel job of about `work` multiply-adds: one below a few
// milliseconds' worth, where starting and joining threads would cost more than
// they save; else the engine's setting (0).
int threads_for(double work) { return work < double(1 << 24) ? 1 : 0; }

// The same rule as a ThreadBudget for Eigen's own (OpenMP) GEMM threads.
int gemm_threads(double work) { return threads_for(work) == 1 ? 1 : get_num_threads(); }

// H = c (X (X^T S) - self S) from the overlaps M = X^T S, with Xt = X^T: the
// fields of states S when W = c (X X^T - self I).
template <class Matrix, class Overlaps, class States, class Out>
void fields_from_overlaps(const Matrix& Xt, const Overlaps& M, const States& S,
                          typename Matrix::Scalar c, typename Matrix::Scalar self, Out&& H) {
    H.noalias() = Xt.transpose() * M;
    H -= self * S;
    H *= c;
}

// Everything the update rule needs, shared read-only by all threads.
template <class Scalar>
struct Dynamics {
    using Matrix = typename Hopfield<Scalar>::Matrix;
    using Vector = typename Hopfield<Scalar>::Vector;

    const Matrix& W;
    const Vector& theta;
    const Vector& cut;
    Scalar high;
    Scalar low;
    double temperature;
    // The stored patterns as rows when they give the fields (use_patterns()),
    // else null; W = c (X X^T - self I).
    const Matrix* Xt;
    const Sign* signs;  // the same patterns as small integers, unit i at signs + i P
    Scalar c;
    Scalar self;

    // Deterministic: high iff h_i >= theta_i (up to rounding).  Glauber at T > 0:
    // P(high) = 1 / (1 + exp(-(high - low)(h_i - theta_i) / T)), which is
    // 1 / (1 + e^(-2h/T)) for +-1 units.
    Scalar decide(int i, Scalar field, Rng& rng) const {
        if (temperature <= 0.0) return threshold(i, field);
        const double excess = static_cast<double>(field) - static_cast<double>(theta[i]);
        const double p =
            1.0 / (1.0 + std::exp(-static_cast<double>(high - low) * excess / temperature));
        return rng.uniform() < p ? high : low;
    }

    // The deterministic rule without a branch: which way a field falls is a coin
    // toss for the branch predictor, and a mispredict costs more than a visit.
    Scalar threshold(int i, Scalar field) const {
        const Scalar values[2] = {low, high};
        return values[field >= cut[i]];
    }

    double energy(const Scalar* s, const Scalar* h) const {
        const int n = static_cast<int>(W.rows());
        double quadratic = 0.0, linear = 0.0;
        for (int i = 0; i < n; ++i) {
            quadratic += static_cast<double>(s[i]) * static_cast<double>(h[i]);
            linear += static_cast<double>(theta[i]) * static_cast<double>(s[i]);
        }
        return -0.5 * quadratic + linear;
    }

    // Visits the units order[0..count) one at a time: field_of(i) is unit i's
    // field now, on_flip(i, delta) learns that s_i changed by delta (before s_i is
    // written).  Returns the number of flips.
    template <class FieldOf, class OnFlip>
    int visit(Scalar* s, const int* order, int count, Rng& rng, double* energy_now,
              std::vector<double>* unit_trace, FieldOf field_of, OnFlip on_flip) const {
        const bool glauber = temperature > 0.0;
        int flips = 0;
        for (int k = 0; k < count; ++k) {
            const int i = order[k];
            const Scalar h = field_of(i);
            const Scalar next = glauber ? decide(i, h, rng) : threshold(i, h);
            if (next != s[i]) {
                const Scalar delta = next - s[i];
                if (unit_trace) {
                    const double d = static_cast<double>(delta);
                    *energy_now += -d * (static_cast<double>(h) - static_cast<double>(theta[i])) -
                                   0.5 * static_cast<double>(W(i, i)) * d * d;
                }
                on_flip(i, delta);
                s[i] = next;
                ++flips;
            }
            if (unit_trace) unit_trace->push_back(*energy_now);
        }
        return flips;
    }

    // Keeps h = W s up to date with one column of W per flip.
    int async_pass(Scalar* s, Scalar* h, const int* order, int count, Rng& rng, double* energy_now,
                   std::vector<double>* unit_trace) const {
        Eigen::Map<Vector> fields(h, W.rows());
        return visit(
            s, order, count, rng, energy_now, unit_trace, [h](int i) { return h[i]; },
            [&](int i, Scalar delta) { fields.noalias() += W.col(i) * delta; });
    }

    // With stored patterns (Xt = X^T, P x N) keeps only the overlaps m = X^T s
    // and computes each visited field from them, h_i = c (x_i . m - d P s_i):
    // P multiply-adds per visit and per flip instead of N per flip.  The
    // patterns are +-1 and the overlaps integers (|m| <= N), so this runs on
    // int16 x int16 summed in int32 (Sign, Overlap), exactly, with a P x N
    // int16 copy of the patterns that stays in cache far longer than W.
    // Patterns and overlaps are padded with zeros to kSignBlock, whole vectors.
    int overlap_pass(Scalar* s, Overlap* m, const int* order, int count, Rng& rng,
                     double* energy_now, std::vector<double>* unit_trace) const {
        const Eigen::Index p = padded_count(Xt->rows());
        auto field_of = [&](int i) {
            const Sign* x = signs + i * p;
            std::int32_t sum = 0;
            for (Eigen::Index b = 0; b < p; b += kSignBlock)
                for (int k = 0; k < kSignBlock; ++k)
                    sum += std::int32_t(x[b + k]) * std::int32_t(m[b + k]);
            return c * (static_cast<Scalar>(sum) - self * s[i]);
        };
        auto on_flip = [&](int i, Scalar delta) {
            const Sign* x = signs + i * p;
            const auto step = static_cast<Overlap>(delta);
            add_scaled(m, x, step, p);
        };
        return visit(s, order, count, rng, energy_now, unit_trace, field_of, on_flip);
    }

    // Asynchronous recall of one probe: sweeps until one changes nothing.  With
    // stored patterns, `overlap` holds the probe's X^T s (exact integers).
    void recall_async(Scalar* s, Scalar* h, const Scalar* overlap, const RecallOptions& options,
                      Rng& rng, std::vector<int>& order, int& iterations, bool& converged,
                      std::vector<double>* trace, const Interrupt& check) const {
        const int n = static_cast<int>(W.rows());
        Eigen::Map<Vector> fields(h, n);
        Eigen::Map<const Vector> state(s, n);
        std::vector<Overlap> m;  // zero-padded to whole blocks
        if (Xt) {
            m.assign(static_cast<std::size_t>(padded_count(Xt->rows())), Overlap(0));
            for (Eigen::Index k = 0; k < Xt->rows(); ++k)
                m[static_cast<std::size_t>(k)] = static_cast<Overlap>(overlap[k]);
        }
        std::iota(order.begin(), order.end(), 0);
        const bool per_unit = trace && options.track_energy == EnergyTrace::unit;
        double energy_now = 0.0;
        if (trace) {
            energy_now = energy(s, h);
            trace->push_back(energy_now);
        }
        // Flips since h was last computed from scratch; each adds one rounding
        // per entry, so recompute once they reach N (at most doubling the cost).
        // Overlaps are exact and need no refresh.
        long since_fresh = 0;
        iterations = 0;
        converged = false;
        for (int sweep = 1; sweep <= options.max_iter; ++sweep) {
            check();
            if (options.order == UpdateOrder::random) rng.shuffle(order);
            std::vector<double>* unit_trace = per_unit ? trace : nullptr;
            const int flips =
                Xt ? overlap_pass(s, m.data(), order.data(), n, rng, &energy_now, unit_trace)
                   : async_pass(s, h, order.data(), n, rng, &energy_now, unit_trace);
            since_fresh += flips;
            if (Xt) {
                if (trace) {
                    const Vector overlap =
                        Eigen::Map<const Eigen::Matrix<Overlap, Eigen::Dynamic, 1>>(m.data(),
                                                                                    Xt->rows())
                            .template cast<Scalar>();
                    fields_from_overlaps(*Xt, overlap, state, c, self, fields);
                }
            } else if (since_fresh >= n) {
                fields.noalias() = W * state;
                since_fresh = 0;
            }
            if (trace) {
                energy_now = energy(s, h);
                if (!per_unit) trace->push_back(energy_now);
            }
            iterations = sweep;
            if (flips == 0) {
                converged = true;
                break;
            }
        }
    }
};

template <class Matrix>
void mirror_lower(Matrix& W) {
    const Eigen::Index n = W.rows();
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = j + 1; i < n; ++i) W(j, i) = W(i, j);
}

}  // namespace

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
    const Scalar eps = std::numeric_limits<Scalar>::epsilon();
    cut_ = theta_ - Scalar(16) * eps * (W_.cwiseAbs().rowwise().sum() + theta_.cwiseAbs());
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

// ---- learning ---------------------------------------------------------------

template <class Scalar>
void Hopfield<Scalar>::train(const ConstStates& patterns) {
    check_states(patterns, "patterns");
    if (patterns.cols() == 0)
        throw std::invalid_argument("patterns: expected at least one pattern, got none");
    if (sparse()) activity_ = static_cast<double>(patterns.template cast<double>().mean());
    W_.setZero();
    projection_diagonal_.setZero();
    symmetric_ = true;
    n_patterns_ = 0;
    forget_patterns();
    add(patterns);
}

template <class Scalar>
void Hopfield<Scalar>::add(const ConstStates& patterns) {
    check_states(patterns, "patterns");
    if (patterns.cols() == 0)
        throw std::invalid_argument("patterns: expected at least one pattern, got none");
    if ((rule_ == HopfieldRule::storkey || rule_ == HopfieldRule::pseudoinverse) && !symmetric_)
        require_symmetric("the " + std::string(name_of(rule_)) + " rule");
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
            learn_storkey(patterns);
            break;
        case HopfieldRule::pseudoinverse:
            learn_pseudoinverse(patterns);
            break;
    }
    n_patterns_ += patterns.cols();
    refresh_thresholds();
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
void Hopfield<Scalar>::learn_storkey(const ConstStates& patterns) {
    const Scalar c = normalize_ ? Scalar(1) : Scalar(n_);
    const Scalar inv_n = Scalar(1) / Scalar(n_);
    Vector g(n_);
    for (Eigen::Index p = 0; p < patterns.cols(); ++p) {
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
void Hopfield<Scalar>::learn_pseudoinverse(const ConstStates& patterns) {
    const Scalar c = normalize_ ? Scalar(1) : Scalar(n_);
    const Scalar eps = std::numeric_limits<Scalar>::epsilon();
    // The full projection P = W / c + diag(projection_diagonal_).
    auto project = [&](const Vector& v) {
        Vector out = (W_ * v) / c;
        out += projection_diagonal_.cwiseProduct(v);
        return out;
    };
    for (Eigen::Index p = 0; p < patterns.cols(); ++p) {
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

// ---- fields, energy, stability ----------------------------------------------

template <class Scalar>
void Hopfield<Scalar>::fields(const ConstStates& states, Matrix& H,
                              const Interrupt& interrupt) const {
    const Eigen::Index count = states.cols();
    H.resize(n_, count);
    // Eigen's GEMM takes its OpenMP threads from the budget: the engine's setting
    // (annlib.set_num_threads) for big products, one thread for small ones, whose
    // thread start-up and spinning afterwards would cost more than they save.
    const bool patterns = use_patterns();
    const double work = double(count) * n_ * (patterns ? 2.0 * stored_.rows() : double(n_));
    ThreadBudget budget(gemm_threads(work));
    InterruptPoller poller(interrupt);
    for (Eigen::Index start = 0; start < count; start += kFieldChunk) {
        const Eigen::Index width = std::min<Eigen::Index>(kFieldChunk, count - start);
        if (patterns) {
            const Matrix overlaps = stored_ * states.middleCols(start, width);
            fields_from_overlaps(stored_, overlaps, states.middleCols(start, width),
                                 hebbian_scale(), self_coupling(), H.middleCols(start, width));
        } else {
            H.middleCols(start, width).noalias() = W_ * states.middleCols(start, width);
        }
        poller.poll();
    }
}

template <class Scalar>
std::vector<double> Hopfield<Scalar>::energy(const ConstStates& states) const {
    check_states(states, "states");
    require_symmetric("the energy");
    Matrix H;
    fields(states, H, Interrupt());
    Dynamics<Scalar> d{W_,  theta_,  cut_,    Scalar(1), low(),
                       0.0, nullptr, nullptr, Scalar(0), Scalar(0)};
    std::vector<double> out(static_cast<std::size_t>(states.cols()));
    for (Eigen::Index b = 0; b < states.cols(); ++b) {
        const Vector s = states.col(b);
        out[static_cast<std::size_t>(b)] = d.energy(s.data(), H.col(b).data());
    }
    return out;
}

template <class Scalar>
std::vector<std::uint8_t> Hopfield<Scalar>::stable(const ConstStates& states) const {
    check_states(states, "states");
    Matrix H;
    fields(states, H, Interrupt());
    const Scalar high = 1, low = this->low();
    std::vector<std::uint8_t> out(static_cast<std::size_t>(states.cols()));
    for (Eigen::Index b = 0; b < states.cols(); ++b) {
        bool fixed = true;
        for (int i = 0; i < n_ && fixed; ++i)
            fixed = (H(i, b) >= cut_(i) ? high : low) == states(i, b);
        out[static_cast<std::size_t>(b)] = fixed;
    }
    return out;
}

// ---- update and recall ------------------------------------------------------

template <class Scalar>
typename Hopfield<Scalar>::Matrix Hopfield<Scalar>::update(const ConstStates& states,
                                                           UpdateMode mode, UpdateOrder order,
                                                           const std::vector<int>* positions,
                                                           double temperature,
                                                           const Interrupt& interrupt) {
    check_states(states, "states");
    if (!(temperature >= 0.0) || !std::isfinite(temperature))
        throw std::invalid_argument("temperature: expected a finite number >= 0, got " +
                                    str(temperature));
    if (positions)
        for (int i : *positions)
            if (i < 0 || i >= n_)
                throw std::out_of_range("positions: expected unit indices in [0, " + str(n_) +
                                        "), got " + str(i));
    const Eigen::Index count = states.cols();
    const std::uint64_t first_stream = streams_used_.fetch_add(static_cast<std::uint64_t>(count));

    Matrix S = states;
    Matrix H;
    fields(S, H, interrupt);
    const Dynamics<Scalar> d{W_,          theta_,  cut_,    Scalar(1), low(),
                             temperature, nullptr, nullptr, Scalar(0), Scalar(0)};
    parallel_for(
        static_cast<int>(count),
        [&](int b, const Interrupt&) {
            Rng rng(stream_seed(first_stream + static_cast<std::uint64_t>(b)));
            Scalar* s = S.col(b).data();
            Scalar* h = H.col(b).data();
            std::vector<int> units;
            if (positions) {
                units = *positions;
            } else {
                units.resize(static_cast<std::size_t>(n_));
                std::iota(units.begin(), units.end(), 0);
                if (mode == UpdateMode::async && order == UpdateOrder::random) rng.shuffle(units);
            }
            if (mode == UpdateMode::async) {
                d.async_pass(s, h, units.data(), static_cast<int>(units.size()), rng, nullptr,
                             nullptr);
            } else {
                // Every decision reads the fields of the old state, so write afterwards.
                std::vector<Scalar> next(units.size());
                for (std::size_t k = 0; k < units.size(); ++k)
                    next[k] = d.decide(units[k], h[units[k]], rng);
                for (std::size_t k = 0; k < units.size(); ++k) s[units[k]] = next[k];
            }
        },
        interrupt, threads_for(double(count) * n_ * (n_ / 4.0 + 1)));
    return S;
}

template <class Scalar>
RecallResult<Scalar> Hopfield<Scalar>::recall(const ConstStates& probes,
                                              const RecallOptions& options,
                                              const Interrupt& interrupt) {
    check_states(probes, "probes");
    if (options.max_iter < 1)
        throw std::invalid_argument("max_iter: expected an integer >= 1, got " +
                                    str(options.max_iter));
    if (!(options.temperature >= 0.0) || !std::isfinite(options.temperature))
        throw std::invalid_argument("temperature: expected a finite number >= 0, got " +
                                    str(options.temperature));
    if (options.track_energy != EnergyTrace::none) require_symmetric("an energy trace");
    if (options.track_energy == EnergyTrace::unit && options.mode == UpdateMode::sync)
        throw std::invalid_argument(
            "track_energy: expected 'none' or 'sweep' with mode 'sync', got 'unit'");

    const int count = static_cast<int>(probes.cols());
    const std::uint64_t first_stream = streams_used_.fetch_add(static_cast<std::uint64_t>(count));

    RecallResult<Scalar> result;
    result.states = probes;
    result.iterations.assign(static_cast<std::size_t>(count), 0);
    result.converged.assign(static_cast<std::size_t>(count), 0);
    result.cycle.assign(static_cast<std::size_t>(count), 0);
    const bool tracking = options.track_energy != EnergyTrace::none;
    if (tracking) result.energy.resize(static_cast<std::size_t>(count));
    if (count == 0) return result;

    Matrix& S = result.states;
    Matrix H;
    // One GEMM for every probe; asynchronous recall from the stored patterns
    // starts from the overlaps X^T S (one small GEMM) and needs fields only for
    // an energy trace.
    const bool overlaps = use_patterns();
    Matrix M;
    if (options.mode == UpdateMode::async && overlaps) {
        ThreadBudget budget(gemm_threads(double(count) * n_ * stored_.rows()));
        M.noalias() = stored_ * S;
    }
    if (options.mode == UpdateMode::sync || !overlaps || tracking)
        fields(S, H, interrupt);
    else
        H.resize(n_, count);
    const Dynamics<Scalar> d{W_,
                             theta_,
                             cut_,
                             Scalar(1),
                             low(),
                             options.temperature,
                             overlaps ? &stored_ : nullptr,
                             overlaps ? signs_.data() : nullptr,
                             hebbian_scale(),
                             self_coupling()};

    if (options.mode == UpdateMode::async) {
        parallel_for(
            count,
            [&](int b, const Interrupt& check) {
                Rng rng(stream_seed(first_stream + static_cast<std::uint64_t>(b)));
                std::vector<int> order(static_cast<std::size_t>(n_));
                int iterations = 0;
                bool converged = false;
                std::vector<double>* trace =
                    tracking ? &result.energy[static_cast<std::size_t>(b)] : nullptr;
                if (trace && options.track_energy == EnergyTrace::sweep)
                    trace->reserve(static_cast<std::size_t>(std::min(options.max_iter, 1024)) + 1);
                d.recall_async(S.col(b).data(), H.col(b).data(),
                               overlaps ? M.col(b).data() : nullptr, options, rng, order,
                               iterations, converged, trace, check);
                result.iterations[static_cast<std::size_t>(b)] = iterations;
                result.converged[static_cast<std::size_t>(b)] = converged;
            },
            interrupt,
            // A visit through the overlaps costs what about 16 (P + 64) multiply-adds
            // of a GEMM do (measured: 2 threads pay off from 20 probes of N = 1024).
            threads_for(double(count) * n_ *
                        (overlaps ? 16.0 * (double(stored_.rows()) + 64) : n_ / 4.0 + 1)));
        return result;
    }

    // Synchronous: every probe steps from the fields of its previous state.  After
    // the first GEMM, a probe that changed few units updates its fields with one
    // column of W per change; the others are regrouped into one GEMM per step.
    const bool deterministic = options.temperature <= 0.0;
    // Columns of W that one probe's fields cost from scratch: N, or 2P from the patterns.
    const Eigen::Index gemm_columns = overlaps ? 2 * stored_.rows() : n_;
    const Scalar high = 1, low = this->low();
    // The units each probe changed in its last step (a repeat of them is a 2-cycle),
    // and how many changes its fields have absorbed since they were last computed
    // from scratch (a GEMM refreshes them after N, against rounding drift).
    Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic> previous(n_, count);
    std::vector<int> n_previous(static_cast<std::size_t>(count), -1);
    std::vector<long> since_fresh(static_cast<std::size_t>(count), 0);
    enum : std::uint8_t { kKeep = 0, kIncremental = 1, kGemm = 2 };
    std::vector<std::uint8_t> regroup(static_cast<std::size_t>(count), kKeep);
    std::vector<Rng> rngs;
    rngs.reserve(static_cast<std::size_t>(count));
    for (int b = 0; b < count; ++b)
        rngs.emplace_back(stream_seed(first_stream + static_cast<std::uint64_t>(b)));
    std::vector<int> active(static_cast<std::size_t>(count));
    std::iota(active.begin(), active.end(), 0);
    if (tracking)
        for (int b = 0; b < count; ++b)
            result.energy[static_cast<std::size_t>(b)].push_back(
                d.energy(S.col(b).data(), H.col(b).data()));
    Matrix gathered, gathered_fields;
    std::vector<int> group, touched, cursor, unit_start(static_cast<std::size_t>(n_) + 1);
    struct Change {
        int probe;
        Scalar delta;
    };
    std::vector<Change> entries;

    for (int step = 1; step <= options.max_iter && !active.empty(); ++step) {
        const bool last = step == options.max_iter;
        parallel_for(
            static_cast<int>(active.size()),
            [&](int k, const Interrupt&) {
                const int b = active[static_cast<std::size_t>(k)];
                const auto ub = static_cast<std::size_t>(b);
                Scalar* s = S.col(b).data();
                Scalar* h = H.col(b).data();
                thread_local std::vector<int> scratch;
                scratch.resize(static_cast<std::size_t>(n_));
                int* now = scratch.data();
                int n_now = 0;
                for (int i = 0; i < n_; ++i)
                    if (d.decide(i, h[i], rngs[ub]) != s[i]) now[n_now++] = i;
                result.iterations[ub] = step;
                regroup[ub] = kKeep;
                if (n_now == 0) {
                    result.converged[ub] = 1;
                } else if (deterministic && n_now == n_previous[ub] &&
                           std::equal(now, now + n_now, previous.col(b).data())) {
                    result.cycle[ub] = 1;  // the new state is the one before the last
                }
                for (int c = 0; c < n_now; ++c) s[now[c]] = high + low - s[now[c]];
                const bool done = result.converged[ub] || result.cycle[ub];
                if (result.cycle[ub] && tracking) {
                    auto& trace = result.energy[ub];
                    const double before_last = trace[trace.size() - 2];  // the state is back there
                    trace.push_back(before_last);
                }
                if (done || (last && !tracking)) return;
                // Few changes: one column of W each; many: a GEMM is cheaper per column.
                since_fresh[ub] += n_now;
                if (n_now * 8 <= gemm_columns && since_fresh[ub] < n_) {
                    regroup[ub] = kIncremental;
                } else {
                    regroup[ub] = kGemm;
                    since_fresh[ub] = 0;
                }
                std::copy(now, now + n_now, previous.col(b).data());
                n_previous[ub] = n_now;
            },
            interrupt, threads_for(double(active.size()) * n_ * 4));

        // H(:, b) += sum_j W(:, j) delta_jb for the incremental probes, with the
        // changes sorted by unit so that each column of W is read once for all
        // probes; threads split the rows.  Every entry of H still adds its
        // changes in increasing j, as it would alone, so batch == one by one.
        std::fill(unit_start.begin(), unit_start.end(), 0);
        for (int b : active)
            if (regroup[static_cast<std::size_t>(b)] == kIncremental)
                for (int c = 0; c < n_previous[static_cast<std::size_t>(b)]; ++c)
                    ++unit_start[previous(c, b) + 1];
        std::partial_sum(unit_start.begin(), unit_start.end(), unit_start.begin());
        entries.resize(static_cast<std::size_t>(unit_start[static_cast<std::size_t>(n_)]));
        if (!entries.empty()) {
            cursor.assign(unit_start.begin(), unit_start.end() - 1);
            for (int b : active) {
                if (regroup[static_cast<std::size_t>(b)] != kIncremental) continue;
                for (int c = 0; c < n_previous[static_cast<std::size_t>(b)]; ++c) {
                    const int j = previous(c, b);
                    entries[static_cast<std::size_t>(cursor[static_cast<std::size_t>(j)]++)] = {
                        b, Scalar(2) * S(j, b) - high - low};
                }
            }
            touched.clear();
            for (int j = 0; j < n_; ++j)
                if (unit_start[static_cast<std::size_t>(j) + 1] >
                    unit_start[static_cast<std::size_t>(j)])
                    touched.push_back(j);
            const int blocks = (n_ + kRowBlock - 1) / kRowBlock;
            parallel_for(
                blocks,
                [&](int block, const Interrupt&) {
                    const int r0 = block * kRowBlock;
                    const int rows = std::min(kRowBlock, n_ - r0);
                    for (int j : touched) {
                        const auto w = W_.col(j).segment(r0, rows);
                        for (int e = unit_start[static_cast<std::size_t>(j)];
                             e < unit_start[static_cast<std::size_t>(j) + 1]; ++e) {
                            const auto& entry = entries[static_cast<std::size_t>(e)];
                            H.col(entry.probe).segment(r0, rows).noalias() += w * entry.delta;
                        }
                    }
                },
                interrupt, threads_for(double(entries.size()) * n_));
        }

        group.clear();
        for (int b : active)
            if (regroup[static_cast<std::size_t>(b)] == kGemm) group.push_back(b);
        if (!group.empty()) {
            gathered.resize(n_, static_cast<Eigen::Index>(group.size()));
            for (std::size_t g = 0; g < group.size(); ++g)
                gathered.col(static_cast<Eigen::Index>(g)) = S.col(group[g]);
            fields(gathered, gathered_fields, interrupt);
            for (std::size_t g = 0; g < group.size(); ++g)
                H.col(group[g]) = gathered_fields.col(static_cast<Eigen::Index>(g));
        }
        std::size_t kept = 0;
        for (int b : active) {
            const auto ub = static_cast<std::size_t>(b);
            if (result.converged[ub] || result.cycle[ub]) {
                if (result.converged[ub] && tracking)
                    result.energy[ub].push_back(result.energy[ub].back());
                continue;
            }
            if (tracking) result.energy[ub].push_back(d.energy(S.col(b).data(), H.col(b).data()));
            active[kept++] = b;
        }
        active.resize(kept);
    }
    return result;
}

// ---- exhaustive attractor search --------------------------------------------

template <class Scalar>
typename Hopfield<Scalar>::Matrix Hopfield<Scalar>::attractors(const Interrupt& interrupt) const {
    if (n_ > max_attractor_units)
        throw std::invalid_argument("n_units: expected at most " + str(max_attractor_units) +
                                    " units for an exhaustive search, got " + str(n_));
    // States are codes: bit (N-1-u) set = unit u high, so sorted codes are
    // lexicographic states.  The low `inner` bits run through a Gray code (one
    // flip and one column of W per state, fields in double so 4096 incremental
    // updates stay far inside the rounding margin); the high bits pick the chunk.
    const int inner = std::min(n_, 12);
    const int outer = n_ - inner;
    const std::uint64_t chunks = std::uint64_t(1) << outer;
    const Eigen::MatrixXd Wd = W_.template cast<double>();
    const Eigen::VectorXd cut = cut_.template cast<double>();
    const double high = 1.0, low = static_cast<double>(this->low());
    std::vector<std::vector<std::uint32_t>> found(static_cast<std::size_t>(chunks));

    parallel_for(
        static_cast<int>(chunks),
        [&](int chunk, const Interrupt&) {
            Eigen::VectorXd s(n_);
            for (int u = 0; u < n_; ++u) {
                const int bit = n_ - 1 - u;
                s(u) = (bit >= inner && ((static_cast<std::uint64_t>(chunk) >> (bit - inner)) & 1))
                           ? high
                           : low;
            }
            Eigen::VectorXd h = Wd * s;
            std::uint32_t code = static_cast<std::uint32_t>(chunk) << inner;
            auto& out = found[static_cast<std::size_t>(chunk)];
            const std::uint32_t states = std::uint32_t(1) << inner;
            for (std::uint32_t g = 0;; ++g) {
                bool fixed = true;
                for (int i = 0; i < n_ && fixed; ++i) fixed = (h(i) >= cut(i)) == (s(i) == high);
                if (fixed) out.push_back(code);
                if (g + 1 == states) break;
                const int bit = __builtin_ctz(g + 1);
                const int u = n_ - 1 - bit;
                const double delta = (s(u) == high ? low : high) - s(u);
                s(u) += delta;
                h.noalias() += Wd.col(u) * delta;
                code ^= std::uint32_t(1) << bit;
            }
        },
        interrupt, threads_for(double(n_) * std::ldexp(1.0, n_)));

    std::vector<std::uint32_t> codes;
    for (auto& part : found) codes.insert(codes.end(), part.begin(), part.end());
    std::sort(codes.begin(), codes.end());
    Matrix out(n_, static_cast<Eigen::Index>(codes.size()));
    for (std::size_t k = 0; k < codes.size(); ++k)
        for (int u = 0; u < n_; ++u)
            out(u, static_cast<Eigen::Index>(k)) =
                ((codes[k] >> (n_ - 1 - u)) & 1) ? Scalar(1) : this->low();
    return out;
}

// ---- capacity curves --------------------------------------------------------

template <class Scalar>
std::vector<double> capacity_curve(int n_units, const std::vector<double>& loads, HopfieldRule rule,
                                   double noise, int trials, std::uint64_t seed, UpdateMode mode,
                                   int max_iter, double activity, bool zero_diagonal,
                                   const Interrupt& interrupt) {
    using Matrix = typename Hopfield<Scalar>::Matrix;
    using Vector = typename Hopfield<Scalar>::Vector;
    if (n_units < 1)
        throw std::invalid_argument("n_units: expected an integer >= 1, got " + str(n_units));
    if (loads.empty()) throw std::invalid_argument("loads: expected at least one load, got none");
    for (double load : loads)
        if (!(load > 0.0) || !std::isfinite(load))
            throw std::invalid_argument("loads: expected finite numbers > 0, got " + str(load));
    if (!(noise >= 0.0 && noise <= 1.0))
        throw std::invalid_argument("noise: expected a number in [0, 1], got " + str(noise));
    if (trials < 1)
        throw std::invalid_argument("trials: expected an integer >= 1, got " + str(trials));
    if (max_iter < 1)
        throw std::invalid_argument("max_iter: expected an integer >= 1, got " + str(max_iter));
    const bool sparse = rule == HopfieldRule::sparse_hebbian;
    if (sparse && !(activity > 0.0 && activity < 1.0))
        throw std::invalid_argument("activity: expected a number in (0, 1), got " + str(activity));

    const Scalar high = 1, low = sparse ? Scalar(0) : Scalar(-1);
    const int n_flip = static_cast<int>(std::lround(noise * n_units));
    const double p_high = sparse ? activity : 0.5;
    RecallOptions options;
    options.mode = mode;
    options.max_iter = max_iter;
    InterruptPoller poller(interrupt);
    std::vector<double> fractions(loads.size(), 0.0);
    std::vector<int> units(static_cast<std::size_t>(n_units));
    for (std::size_t l = 0; l < loads.size(); ++l) {
        const auto P = std::max<long>(1, std::lround(loads[l] * n_units));
        long recalled = 0;
        for (int t = 0; t < trials; ++t) {
            poller.poll();
            Rng rng(derive_seed(seed, l, static_cast<std::uint64_t>(t)));
            Matrix patterns(n_units, P);
            for (Eigen::Index p = 0; p < P; ++p)
                for (int i = 0; i < n_units; ++i)
                    patterns(i, p) = rng.uniform() < p_high ? high : low;
            Hopfield<Scalar> net(n_units, rule, zero_diagonal, true, rng.next_u64());
            if (sparse) {
                // Halfway between the field of an active unit, rho (1 - rho)^2, and
                // of an inactive one, -rho^2 (1 - rho), in normalised units.
                const Scalar theta =
                    static_cast<Scalar>(activity * (1 - activity) * (0.5 - activity));
                net.set_bias(Vector::Constant(n_units, theta));
            }
            net.train(patterns);
            Matrix probes = patterns;
            for (Eigen::Index p = 0; p < P; ++p) {
                // A partial Fisher-Yates shuffle picks n_flip distinct units.
                std::iota(units.begin(), units.end(), 0);
                for (int k = 0; k < n_flip; ++k) {
                    const int j =
                        k + static_cast<int>(rng.below(static_cast<std::uint64_t>(n_units - k)));
                    std::swap(units[static_cast<std::size_t>(k)],
                              units[static_cast<std::size_t>(j)]);
                    Scalar& v = probes(units[static_cast<std::size_t>(k)], p);
                    v = high + low - v;
                }
            }
            const auto result = net.recall(probes, options, interrupt);
            for (Eigen::Index p = 0; p < P; ++p)
                recalled += result.states.col(p) == patterns.col(p);
        }
        fractions[l] = static_cast<double>(recalled) / (static_cast<double>(P) * trials);
    }
    return fractions;
}

template class Hopfield<float>;
template class Hopfield<double>;
template std::vector<double> capacity_curve<float>(int, const std::vector<double>&, HopfieldRule,
                                                   double, int, std::uint64_t, UpdateMode, int,
                                                   double, bool, const Interrupt&);
template std::vector<double> capacity_curve<double>(int, const std::vector<double>&, HopfieldRule,
                                                    double, int, std::uint64_t, UpdateMode, int,
                                                    double, bool, const Interrupt&);

}  // namespace annlib

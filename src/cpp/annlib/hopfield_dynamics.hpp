// What Hopfield's learning, recall and search share (hopfield_*.cpp only): seeds,
// the integer copy of the stored patterns, thread rules and the update rule.
// Not part of the engine's interface.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "annlib/control.hpp"
#include "annlib/hopfield.hpp"
#include "annlib/random.hpp"

namespace annlib {
namespace hopfield_detail {

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

inline std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

inline std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0) {
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
inline void add_scaled(Overlap* __restrict m, const Sign* __restrict x, Overlap step,
                       Eigen::Index p) {
    for (Eigen::Index k = 0; k < p; ++k) m[k] = static_cast<Overlap>(m[k] + step * x[k]);
}
inline Eigen::Index padded_count(Eigen::Index p) {
    return (p + kSignBlock - 1) / kSignBlock * kSignBlock;
}
// Rows per thread task when many probes add columns of W to their fields.
constexpr int kRowBlock = 512;

// Threads for a parallel job of about `work` multiply-adds: one below a few
// milliseconds' worth, where starting and joining threads would cost more than
// they save; else the engine's setting (0).
inline int threads_for(double work) { return work < double(1 << 24) ? 1 : 0; }

// The same rule as a ThreadBudget for Eigen's own (OpenMP) GEMM threads.
inline int gemm_threads(double work) { return threads_for(work) == 1 ? 1 : get_num_threads(); }

// H = c (X (X^T S) - self S) from the overlaps M = X^T S, with Xt = X^T: the
// fields of states S when W = c (X X^T - self I).
template <class Matrix, class Overlaps, class States, class Out>
void fields_from_overlaps(const Matrix& Xt, const Overlaps& M, const States& S,
                          typename Matrix::Scalar c, typename Matrix::Scalar self, Out&& H) {
    H.noalias() = Xt.transpose() * M;
    H -= self * S;
    H *= c;
}

// Unit i's field sum_j W_ij s_j summed in units of 2^binade, where no partial sum
// can overflow, then scaled back (to +-inf only if the field itself is out of
// range).  For fields whose plain sum overflowed: with W = -1e308 (1 - I) the terms
// +1e308 + 1e308 - 1e308 - 1e308 give inf or NaN in any order where the field is 0.
template <class Matrix, class Scalar>
Scalar scaled_field(const Matrix& W, Eigen::Index i, const Scalar* s, int binade) {
    const Scalar down = std::ldexp(Scalar(1), -binade);
    Scalar sum = 0;
    for (Eigen::Index j = 0; j < W.cols(); ++j) sum += (W(i, j) * down) * s[j];
    return std::ldexp(sum, binade);
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
    int binade = 0;  // Hopfield::binade_, for scaled_field

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

    // Unit i's field h_i, recomputed from the state s when the running sums lost it:
    // with huge weights (W = -1e308 (1 - I)) a column of W times a change of 2
    // overflows, and inf - inf is NaN, although the field itself may be finite.
    // Never taken for weights of a sane size (an overflowed sum is never finite).
    Scalar field_kept(int i, Scalar* h, const Scalar* s) const {
        if (std::isfinite(h[i])) return h[i];
        h[i] = scaled_field(W, i, s, binade);
        return h[i];
    }

    // Keeps h = W s up to date with one column of W per flip.
    int async_pass(Scalar* s, Scalar* h, const int* order, int count, Rng& rng, double* energy_now,
                   std::vector<double>* unit_trace) const {
        Eigen::Map<Vector> fields(h, W.rows());
        return visit(
            s, order, count, rng, energy_now, unit_trace,
            [&](int i) { return field_kept(i, h, s); },
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

}  // namespace hopfield_detail
}  // namespace annlib

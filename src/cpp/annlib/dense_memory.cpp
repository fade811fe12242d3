#include "annlib/dense_memory.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "annlib/random.hpp"

namespace annlib {

namespace {

// Hopfield's stream derivation (hopfield.cpp), so that degree 2 with the same
// seed visits the units in the same order as the classical network.
std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t index) {
    constexpr std::uint64_t golden = 0x9E3779B97F4A7C15ULL;
    return mix64(mix64(seed + golden * (index + 1)) + golden);
}

// One thread below a few milliseconds of work, where starting threads costs more.
int threads_for(double work) { return work < double(1 << 22) ? 1 : 0; }

constexpr double kE = 2.718281828459045;

// Overlaps are padded with zero patterns to whole blocks of this many lanes;
// the block sums below keep kLanes independent accumulators, which the
// compiler turns into vector registers without reassociating a reduction.
constexpr Eigen::Index kLanes = 8;
Eigen::Index padded(Eigen::Index p) { return (p + kLanes - 1) / kLanes * kLanes; }

template <int Degree>
double power(double v, int) {
    double r = v;
    for (int k = 1; k < Degree; ++k) r *= v;
    return r;
}
template <>
double power<0>(double v, int degree) {  // the degree known only at run time
    double r = v;
    for (int k = 1; k < degree; ++k) r *= v;
    return r;
}

// F(x) = x^n or max(x, 0)^n; Degree 0 reads the degree at run time.
template <int Degree, bool Rectified>
struct Polynomial {
    int degree;
    double F(double v) const {
        if (Rectified) v = std::max(v, 0.0);
        return power<Degree>(v, degree);
    }
    // F(a + xi) - F(a - xi) with a = m - xi s: what unit i's value +1 gains over -1.
    double gain(double m, double xi, double s, double) const {
        const double a = m - xi * s;
        return F(a + xi) - F(a - xi);
    }
};

// F(x) = e^x, evaluated as e^(m - A) e^(-xi s) e^(+-1) with the cached
// c = e^(m - A) (the common factor 2 sinh(1) e^A dropped: only the sign counts).
struct Exponential {
    double gain(double, double xi, double s, double c) const {
        return xi * c * (xi * s > 0 ? 1.0 / kE : kE);
    }
};

// The overlaps of one probe and what a visit of unit i needs.
template <class Form>
struct Probe {
    const Form& form;
    bool exponential;
    const std::int8_t* signs;  // unit i's padded signs at signs + i * p
    Eigen::Index P, p;         // patterns, padded count
    std::vector<double> m;     // overlaps (exact integers), zero-padded
    std::vector<double> c;     // exponential only: e^(m - A), zero-padded
    int flips_since_refresh = 0;

    // e^(m - A) afresh with A = max m; entries below e^-560 become 0, so that 64
    // flips (e^+-128) neither overflow nor reach subnormal numbers.
    void refresh() {
        if (!exponential || P == 0) return;
        const double A = *std::max_element(m.begin(), m.begin() + P);
        for (Eigen::Index k = 0; k < P; ++k) {
            const double d = m[static_cast<std::size_t>(k)] - A;
            c[static_cast<std::size_t>(k)] = d < -560.0 ? 0.0 : std::exp(d);
        }
        flips_since_refresh = 0;
    }

    double gain(int i, double s) const {
        const std::int8_t* x = signs + i * p;
        double acc[kLanes] = {};
        const double* cached = exponential ? c.data() : m.data();
        for (Eigen::Index b = 0; b < p; b += kLanes)
            for (Eigen::Index k = 0; k < kLanes; ++k)
                acc[k] += form.gain(m[static_cast<std::size_t>(b + k)], double(x[b + k]), s,
                                    cached[b + k]);
        double sum = 0.0;
        for (double a : acc) sum += a;
        return sum;
    }

    // Unit i became `next` (from -next).
    void flip(int i, double next) {
        const std::int8_t* x = signs + i * p;
        for (Eigen::Index k = 0; k < p; ++k) m[static_cast<std::size_t>(k)] += 2.0 * next * x[k];
        if (!exponential) return;
        if (++flips_since_refresh >= 64) return refresh();
        const double up = kE * kE, down = 1.0 / up;
        for (Eigen::Index k = 0; k < p; ++k)
            c[static_cast<std::size_t>(k)] *= next * x[k] > 0 ? up : down;
    }
};

template <class Form>
double energy_of(const Form& form, const double* m, Eigen::Index P) {
    double sum = 0.0;
    for (Eigen::Index k = 0; k < P; ++k) sum += form.F(m[k]);
    return -sum;
}
// -log sum_mu e^(m_mu), by log-sum-exp.
double energy_of(const Exponential&, const double* m, Eigen::Index P) {
    if (P == 0) return std::numeric_limits<double>::infinity();
    const double A = *std::max_element(m, m + P);
    double sum = 0.0;
    for (Eigen::Index k = 0; k < P; ++k) sum += std::exp(m[k] - A);
    return -(A + std::log(sum));
}

// Calls body(form) with the interaction as a compile-time type where it pays.
template <class Body>
void with_form(Interaction interaction, int degree, Body&& body) {
    if (interaction == Interaction::exponential) return body(Exponential{});
    const bool rectified = interaction == Interaction::rectified_polynomial;
    auto run = [&](auto degree_tag) {
        constexpr int D = decltype(degree_tag)::value;
        if (rectified)
            body(Polynomial<D, true>{degree});
        else
            body(Polynomial<D, false>{degree});
    };
    switch (degree) {
        case 2:
            return run(std::integral_constant<int, 2>());
        case 3:
            return run(std::integral_constant<int, 3>());
        case 4:
            return run(std::integral_constant<int, 4>());
        case 5:
            return run(std::integral_constant<int, 5>());
        default:
            return run(std::integral_constant<int, 0>());
    }
}

}  // namespace

template <class Scalar>
DenseAssociativeMemory<Scalar>::DenseAssociativeMemory(int n_units, Interaction interaction,
                                                       int degree, std::uint64_t seed)
    : n_(n_units), interaction_(interaction), degree_(degree), seed_(seed) {
    if (n_units < 1)
        throw std::invalid_argument("n_units: expected an integer >= 1, got " +
                                    std::to_string(n_units));
    if (degree < 2 || degree > max_degree)
        throw std::invalid_argument("degree: expected an integer in [2, " +
                                    std::to_string(max_degree) + "], got " +
                                    std::to_string(degree));
    X_.resize(n_, 0);
}

template <class Scalar>
void DenseAssociativeMemory<Scalar>::check_states(const ConstStates& states,
                                                  const char* name) const {
    if (states.rows() != n_)
        throw std::invalid_argument(std::string(name) + ": expected states of " +
                                    std::to_string(n_) + " units, got " +
                                    std::to_string(states.rows()));
    if (((states.array() - Scalar(1)) * (states.array() + Scalar(1))).matrix().isZero(0)) return;
    for (Eigen::Index b = 0; b < states.cols(); ++b)
        for (Eigen::Index i = 0; i < n_; ++i)
            if (states(i, b) != Scalar(1) && states(i, b) != Scalar(-1))
                throw std::invalid_argument(std::string(name) + ": expected values -1 or +1, got " +
                                            std::to_string(double(states(i, b))));
}

template <class Scalar>
void DenseAssociativeMemory<Scalar>::require_patterns() const {
    if (X_.cols() == 0)
        throw std::invalid_argument(
            "patterns: expected at least one stored pattern (call train first), got none");
}

template <class Scalar>
void DenseAssociativeMemory<Scalar>::train(const ConstStates& patterns) {
    check_states(patterns, "patterns");
    if (patterns.cols() == 0)
        throw std::invalid_argument("patterns: expected at least one pattern, got none");
    X_.resize(n_, 0);
    add(patterns);
}

template <class Scalar>
void DenseAssociativeMemory<Scalar>::add(const ConstStates& patterns) {
    check_states(patterns, "patterns");
    if (patterns.cols() == 0)
        throw std::invalid_argument("patterns: expected at least one pattern, got none");
    const Eigen::Index P = X_.cols() + patterns.cols();
    X_.conservativeResize(n_, P);
    X_.rightCols(patterns.cols()) = patterns;
    const Eigen::Index p = padded(P);
    signs_.assign(static_cast<std::size_t>(p * n_), 0);
    for (Eigen::Index i = 0; i < n_; ++i)
        for (Eigen::Index k = 0; k < P; ++k)
            signs_[static_cast<std::size_t>(i * p + k)] = X_(i, k) > 0 ? 1 : -1;
}

template <class Scalar>
std::vector<double> DenseAssociativeMemory<Scalar>::energy(const ConstStates& states) const {
    check_states(states, "states");
    require_patterns();
    const Eigen::MatrixXd M = (X_.transpose() * states).template cast<double>();
    std::vector<double> out(static_cast<std::size_t>(states.cols()));
    with_form(interaction_, degree_, [&](const auto& form) {
        for (Eigen::Index b = 0; b < states.cols(); ++b)
            out[static_cast<std::size_t>(b)] = energy_of(form, M.col(b).data(), M.rows());
    });
    return out;
}

template <class Scalar>
std::vector<std::uint8_t> DenseAssociativeMemory<Scalar>::stable(const ConstStates& states) const {
    check_states(states, "states");
    require_patterns();
    const Eigen::Index P = X_.cols(), p = padded(P);
    std::vector<std::uint8_t> out(static_cast<std::size_t>(states.cols()), 1);
    with_form(interaction_, degree_, [&](const auto& form) {
        using Form = std::decay_t<decltype(form)>;
        for (Eigen::Index b = 0; b < states.cols(); ++b) {
            Probe<Form> probe{form,
                              interaction_ == Interaction::exponential,
                              signs_.data(),
                              P,
                              p,
                              std::vector<double>(static_cast<std::size_t>(p), 0.0),
                              std::vector<double>(static_cast<std::size_t>(p), 0.0)};
            const Eigen::VectorXd m = (X_.transpose() * states.col(b)).template cast<double>();
            std::copy(m.data(), m.data() + P, probe.m.begin());
            probe.refresh();
            for (int i = 0; i < n_ && out[static_cast<std::size_t>(b)]; ++i) {
                const double s = double(states(i, b));
                out[static_cast<std::size_t>(b)] = (probe.gain(i, s) >= 0.0 ? 1.0 : -1.0) == s;
            }
        }
    });
    return out;
}

template <class Scalar>
RecallResult<Scalar> DenseAssociativeMemory<Scalar>::recall(const ConstStates& probes,
                                                            const RecallOptions& options,
                                                            const Interrupt& interrupt) {
    check_states(probes, "probes");
    require_patterns();
    if (options.max_iter < 1)
        throw std::invalid_argument("max_iter: expected an integer >= 1, got " +
                                    std::to_string(options.max_iter));
    if (options.temperature != 0.0)
        throw std::invalid_argument("temperature: expected 0 for a dense associative memory, got " +
                                    std::to_string(options.temperature));
    if (options.track_energy == EnergyTrace::unit && options.mode == UpdateMode::sync)
        throw std::invalid_argument(
            "track_energy: expected 'none' or 'sweep' with mode 'sync', got 'unit'");
    const int count = static_cast<int>(probes.cols());
    // Atomic: concurrent recalls (readers of the model) each reserve their own streams.
    const std::uint64_t first_stream = streams_used_.fetch_add(static_cast<std::uint64_t>(count));

    RecallResult<Scalar> result;
    result.states = probes;
    result.iterations.assign(static_cast<std::size_t>(count), 0);
    result.converged.assign(static_cast<std::size_t>(count), 0);
    result.cycle.assign(static_cast<std::size_t>(count), 0);
    const bool tracking = options.track_energy != EnergyTrace::none;
    const bool per_unit = options.track_energy == EnergyTrace::unit;
    if (tracking) result.energy.resize(static_cast<std::size_t>(count));
    if (count == 0) return result;
    const Eigen::Index P = X_.cols(), p = padded(P);
    const bool exponential = interaction_ == Interaction::exponential;

    with_form(interaction_, degree_, [&](const auto& form) {
        using Form = std::decay_t<decltype(form)>;
        parallel_for(
            count,
            [&](int b, const Interrupt& check) {
                const auto ub = static_cast<std::size_t>(b);
                Scalar* s = result.states.col(b).data();
                Probe<Form> probe{form,
                                  exponential,
                                  signs_.data(),
                                  P,
                                  p,
                                  std::vector<double>(static_cast<std::size_t>(p), 0.0),
                                  std::vector<double>(static_cast<std::size_t>(p), 0.0)};
                const Eigen::VectorXd m0 =
                    (X_.transpose() * result.states.col(b)).template cast<double>();
                std::copy(m0.data(), m0.data() + P, probe.m.begin());
                probe.refresh();
                std::vector<double>* trace = tracking ? &result.energy[ub] : nullptr;
                auto record = [&] { trace->push_back(energy_of(form, probe.m.data(), P)); };
                if (trace) record();
                Rng rng(stream_seed(seed_, first_stream + static_cast<std::uint64_t>(b)));
                std::vector<int> order(static_cast<std::size_t>(n_)), changed, previous;
                std::iota(order.begin(), order.end(), 0);
                for (int sweep = 1; sweep <= options.max_iter; ++sweep) {
                    check();
                    int flips = 0;
                    if (options.mode == UpdateMode::async) {
                        probe.refresh();
                        if (options.order == UpdateOrder::random) rng.shuffle(order);
                        for (int i : order) {
                            const double next = probe.gain(i, double(s[i])) >= 0.0 ? 1.0 : -1.0;
                            if (next != double(s[i])) {
                                probe.flip(i, next);
                                s[i] = Scalar(next);
                                ++flips;
                            }
                            if (per_unit) record();
                        }
                    } else {
                        // Every unit decides from the old state, then all change at once.
                        changed.clear();
                        for (int i = 0; i < n_; ++i)
                            if ((probe.gain(i, double(s[i])) >= 0.0 ? 1.0 : -1.0) != double(s[i]))
                                changed.push_back(i);
                        for (int i : changed) {
                            s[i] = -s[i];
                            probe.flip(i, double(s[i]));
                        }
                        probe.refresh();
                        flips = static_cast<int>(changed.size());
                        // The same units changing twice in a row: back to the state before.
                        if (flips > 0 && changed == previous) result.cycle[ub] = 1;
                        std::swap(changed, previous);
                    }
                    if (trace && !per_unit) record();
                    result.iterations[ub] = sweep;
                    if (flips == 0) {
                        result.converged[ub] = 1;
                        break;
                    }
                    if (result.cycle[ub]) break;
                }
            },
            interrupt, threads_for(double(count) * n_ * double(p) * 4.0));
    });
    return result;
}

template class DenseAssociativeMemory<float>;
template class DenseAssociativeMemory<double>;

}  // namespace annlib

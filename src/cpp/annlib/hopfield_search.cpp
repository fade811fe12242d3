// Hopfield attractors by exhaustive search, and capacity curves.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "annlib/hopfield.hpp"
#include "annlib/hopfield_dynamics.hpp"

namespace annlib {

using namespace hopfield_detail;

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
                for (int i = 0; i < n_ && fixed; ++i) {
                    // Huge weights overflow the running sums (inf - inf is NaN): start afresh.
                    if (!std::isfinite(h(i)))
                        for (int k = 0; k < n_; ++k) h(k) = scaled_field(Wd, k, s.data(), binade_);
                    fixed = (h(i) >= cut(i)) == (s(i) == high);
                }
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

template Hopfield<float>::Matrix Hopfield<float>::attractors(const Interrupt&) const;
template Hopfield<double>::Matrix Hopfield<double>::attractors(const Interrupt&) const;
template std::vector<double> capacity_curve<float>(int, const std::vector<double>&, HopfieldRule,
                                                   double, int, std::uint64_t, UpdateMode, int,
                                                   double, bool, const Interrupt&);
template std::vector<double> capacity_curve<double>(int, const std::vector<double>&, HopfieldRule,
                                                    double, int, std::uint64_t, UpdateMode, int,
                                                    double, bool, const Interrupt&);

}  // namespace annlib

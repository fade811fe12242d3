// Hopfield networks: what every learning rule stores is a fixed point, and
// asynchronous updates never raise the energy.
#include <algorithm>
#include <string>
#include <vector>

#include "annlib/hopfield.hpp"
#include "annlib/names.hpp"
#include "check.hpp"

using annlib::HopfieldRule;
using annlib::kNames;
using annlib::UpdateMode;
using annlib::UpdateOrder;
using annlib_test::describe;

namespace {

template <class Scalar>
using Matrix = typename annlib::Hopfield<Scalar>::Matrix;
template <class Scalar>
using Vector = typename annlib::Hopfield<Scalar>::Vector;

// N x P patterns: +-1 with equal odds, or 0/1 active with probability `activity`.
template <class Scalar>
Matrix<Scalar> random_patterns(int n, int p, bool sparse, double activity, annlib::Rng& rng) {
    Matrix<Scalar> patterns(n, p);
    for (int j = 0; j < p; ++j)
        for (int i = 0; i < n; ++i)
            patterns(i, j) = sparse ? Scalar(rng.uniform() < activity ? 1 : 0)
                                    : Scalar(rng.uniform() < 0.5 ? -1 : 1);
    return patterns;
}

template <class Scalar>
void check_stored_patterns_are_fixed_points(const char* type) {
    constexpr int n = 128, p = 3;
    constexpr double activity = 0.3;
    for (const auto& [name, rule] : kNames<HopfieldRule>) {
        const bool sparse = rule == HopfieldRule::sparse_hebbian;
        annlib::Rng rng(17);
        const Matrix<Scalar> patterns = random_patterns<Scalar>(n, p, sparse, activity, rng);
        annlib::Hopfield<Scalar> net(n, rule, true, true, 3);
        if (sparse)  // halfway between an active and an inactive unit's field (README)
            net.set_bias(Vector<Scalar>::Constant(
                n, static_cast<Scalar>(activity * (1 - activity) * (0.5 - activity))));
        net.train(patterns);
        const std::string label = describe(type, " rule ", name);

        const auto stable = net.stable(patterns);
        for (int j = 0; j < p; ++j) CHECK(stable[j], describe(label, ": pattern ", j, " stable"));

        for (const auto mode : {UpdateMode::async, UpdateMode::sync}) {
            annlib::RecallOptions options;
            options.mode = mode;
            const auto result = net.recall(patterns, options);
            for (int j = 0; j < p; ++j) {
                CHECK(result.states.col(j) == patterns.col(j),
                      describe(label, ": recall from pattern ", j, " stays there"));
                CHECK(result.converged[j] && result.iterations[j] == 1,
                      describe(label, ": one confirming ", annlib::name_of(mode),
                               " iteration, got ", result.iterations[j]));
            }
        }

        // A tenth of the units flipped: every pattern is its own basin at this load.
        Matrix<Scalar> probes = patterns;
        for (int j = 0; j < p; ++j)
            for (int i = j; i < n; i += 10) probes(i, j) = (sparse ? 1 : 0) - probes(i, j);
        const auto repaired = net.recall(probes, annlib::RecallOptions());
        for (int j = 0; j < p; ++j)
            CHECK(repaired.states.col(j) == patterns.col(j),
                  describe(label, ": pattern ", j, " recalled from a probe with 10% flipped"));
    }
    CHECK(kNames<HopfieldRule>.size() >= 2, "the Hopfield rule name table is filled in");
}

// Random symmetric weights with a zero diagonal and random thresholds: the
// setting in which the energy is a Lyapunov function of asynchronous updates.
template <class Scalar>
void set_random_symmetric_weights(annlib::Hopfield<Scalar>& net, annlib::Rng& rng) {
    const int n = net.n_units();
    Matrix<Scalar> W(n, n);
    for (int i = 0; i < n; ++i) {
        W(i, i) = 0;
        for (int j = 0; j < i; ++j) W(i, j) = W(j, i) = static_cast<Scalar>(rng.normal());
    }
    Vector<Scalar> theta(n);
    for (int i = 0; i < n; ++i) theta[i] = static_cast<Scalar>(0.5 * rng.normal());
    net.set_weights(W);
    net.set_bias(theta);
}

template <class Scalar>
void check_energy_never_rises(const char* type) {
    constexpr int n = 24, probes = 8;
    annlib::Rng rng(23);
    annlib::Hopfield<Scalar> net(n, HopfieldRule::hebbian, true, true, 9);
    set_random_symmetric_weights(net, rng);
    const Matrix<Scalar> start = random_patterns<Scalar>(n, probes, false, 0.5, rng);
    // Relative to the size of the terms, so float's rounding does not count as a rise.
    const double slack = (std::is_same_v<Scalar, float> ? 1e-5 : 1e-12) *
                         static_cast<double>(net.weights().cwiseAbs().sum());

    // Unit by unit, each update computed by update() and each energy by energy().
    for (int b = 0; b < probes; ++b) {
        Matrix<Scalar> s = start.col(b);
        double energy = net.energy(s)[0];
        int flips = 0, sweeps = 0;
        bool changed = true;
        for (; changed && sweeps < 50; ++sweeps) {
            changed = false;
            for (int i = 0; i < n; ++i) {
                const std::vector<int> unit = {(i * 7) % n};  // a fixed, non-trivial order
                const Matrix<Scalar> next =
                    net.update(s, UpdateMode::async, UpdateOrder::sequential, &unit);
                const double after = net.energy(next)[0];
                CHECK(after <= energy + slack, describe(type, " probe ", b, " unit ", unit[0],
                                                        ": energy ", energy, " -> ", after));
                if (next != s) changed = true, ++flips;
                s = next;
                energy = after;
            }
        }
        CHECK(!changed && net.stable(s)[0],
              describe(type, " probe ", b, " reaches a fixed point, ", flips, " flips"));
    }

    // recall's own trace, after every unit update: never rising, ending at the
    // energy of the state it returns.
    annlib::RecallOptions options;
    options.track_energy = annlib::EnergyTrace::unit;
    const auto result = net.recall(start, options);
    int rises = 0;
    for (int b = 0; b < probes; ++b) {
        const auto& trace = result.energy[b];
        CHECK(trace.size() > static_cast<std::size_t>(n), describe(type, " probe ", b, " traced"));
        for (std::size_t k = 1; k < trace.size(); ++k) rises += trace[k] > trace[k - 1] + slack;
        CHECK(
            !trace.empty() &&
                annlib_test::close(trace.back(), net.energy(result.states.col(b))[0], 1e-9 + slack),
            describe(type, " probe ", b, ": traced energy ends at the final state's"));
    }
    CHECK(rises == 0, describe(type, ": ", rises, " rises in recall's energy trace"));
}

}  // namespace

TEST_CASE(stored_patterns_are_fixed_points_for_every_rule) {
    check_stored_patterns_are_fixed_points<double>("double");
    check_stored_patterns_are_fixed_points<float>("float");
}

TEST_CASE(asynchronous_updates_never_raise_the_energy) {
    check_energy_never_rises<double>("double");
    check_energy_never_rises<float>("float");
}

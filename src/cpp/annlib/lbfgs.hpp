// Limited-memory BFGS for any smooth function f: ℝⁿ → ℝ given with its gradient,
// in the notation of Nocedal & Wright, Numerical Optimization (2nd ed., 2006):
//
//   x_{k+1} = x_k + α_k p_k,   p_k = −H_k ∇f_k,
//
// H_k applied by the two-loop recursion (N&W algorithm 7.4) over the last m pairs
//   s_i = x_{i+1} − x_i,  y_i = ∇f_{i+1} − ∇f_i,  ρ_i = 1 / (y_iᵀ s_i),
// starting from H_k⁰ = γ_k I with γ_k = s_{k−1}ᵀ y_{k−1} / (y_{k−1}ᵀ y_{k−1})  (N&W 7.20),
// and α_k from a line search for the strong Wolfe conditions (N&W 3.7, algorithms 3.5
// and 3.6, cubic interpolation 3.59), with c1 = 1e-4 and c2 = 0.9:
//   f(x_k + α p_k) ≤ f(x_k) + c1 α ∇f_kᵀ p_k,   |∇f(x_k + α p_k)ᵀ p_k| ≤ c2 |∇f_kᵀ p_k|.
//
// A pair is stored only when y_iᵀ s_i > 0 (the strong Wolfe step guarantees it in
// exact arithmetic), so H_k stays positive definite.  Nothing here knows of the
// MLP: the function is any callable  double f(const Vector& x, Vector& gradient).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

#include "annlib/names.hpp"

namespace annlib {

// Why an L-BFGS run stopped (none: it may continue).
enum class LbfgsStop { none, gtol, ftol, max_fun, line_search };
template <>
inline constexpr auto kNames<LbfgsStop> = name_table<LbfgsStop>({
    {"none", LbfgsStop::none},
    {"gtol", LbfgsStop::gtol},                // max |∂f/∂x_i| <= gtol
    {"ftol", LbfgsStop::ftol},                // relative loss change <= ftol
    {"max_fun", LbfgsStop::max_fun},          // function evaluations used up
    {"line_search", LbfgsStop::line_search},  // no step decreases f any more
});

struct LbfgsSettings {
    int history_size = 10;  // m, the number of (s, y) pairs kept
    long long max_fun = 15000;
    double gtol = 1e-5;        // stop once max_i |∂f/∂x_i| <= gtol
    double ftol = 2.2e-9;      // stop once (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) <= ftol
    int max_line_search = 20;  // function evaluations per line search
};

// The m pairs as the columns of S and Y (pair i in column i mod m), over storage the
// caller owns, so that a model can save them like any other optimizer state.
template <class Scalar>
struct LbfgsMemory {
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    Eigen::Map<Matrix> S, Y;
    long long& pairs;  // pairs stored so far; the newest is column (pairs − 1) mod m

    Eigen::Index size() const { return std::min<Eigen::Index>(pairs, S.cols()); }
    Eigen::Index column(Eigen::Index back) const {  // back = 0: the newest pair
        return static_cast<Eigen::Index>((pairs - 1 - back) % S.cols());
    }
};

// One iteration's outcome: what stopped the run (none: continue) and how many
// function evaluations it took.
struct LbfgsStep {
    LbfgsStop stop = LbfgsStop::none;
    long long evaluations = 0;
    bool moved = false;  // x changed (the iteration counts)
};

template <class Scalar>
class Lbfgs {
  public:
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

    // One iteration from x, where f(x) = fx and ∇f(x) = g; on return x, fx and g are
    // the new point's (also when the run stops), and the new pair is in `memory`.
    // At most `evaluations_left` evaluations are spent.
    template <class Function>
    static LbfgsStep iterate(Function&& f, Vector& x, double& fx, Vector& g,
                             LbfgsMemory<Scalar> memory, const LbfgsSettings& settings,
                             long long evaluations_left) {
        LbfgsStep step;
        if (max_abs(g) <= settings.gtol) return {LbfgsStop::gtol, 0, false};
        Vector p = direction(g, memory);
        LineSearch<std::remove_reference_t<Function>> search(f, x, fx, g, settings);
        bool found = search.run(p, first_step(g, memory), evaluations_left);
        if (!found && memory.size() > 0 && search.evaluations < evaluations_left) {
            // The quasi-Newton direction failed; forget the curvature and go downhill.
            memory.pairs = 0;
            p = -g;
            found = search.run(p, first_step(g, memory), evaluations_left - search.evaluations);
        }
        step.evaluations = search.evaluations;
        if (!found) {
            step.stop = search.evaluations >= evaluations_left ? LbfgsStop::max_fun
                                                               : LbfgsStop::line_search;
            return step;
        }
        // s = x_{k+1} − x_k, y = ∇f_{k+1} − ∇f_k, kept (over the oldest pair) only when
        // sᵀy > 0: a rejected pair must not overwrite one still in use.
        const Vector s = search.x - x, y = search.g - g;
        const double sy = static_cast<double>(s.dot(y));
        const double yy = static_cast<double>(y.squaredNorm());
        if (sy > std::numeric_limits<Scalar>::epsilon() * yy) {
            const Eigen::Index slot = static_cast<Eigen::Index>(memory.pairs % memory.S.cols());
            memory.S.col(slot) = s;
            memory.Y.col(slot) = y;
            ++memory.pairs;
        }

        const double change = (fx - search.fx) / std::max({std::abs(fx), std::abs(search.fx), 1.0});
        x.swap(search.x);
        g.swap(search.g);
        fx = search.fx;
        step.moved = true;
        if (max_abs(g) <= settings.gtol)
            step.stop = LbfgsStop::gtol;
        else if (change <= settings.ftol)
            step.stop = LbfgsStop::ftol;
        else if (step.evaluations >= evaluations_left)
            step.stop = LbfgsStop::max_fun;
        return step;
    }

  private:
    static double max_abs(const Vector& v) {
        return v.size() == 0 ? 0.0 : static_cast<double>(v.cwiseAbs().maxCoeff());
    }

    // The first trial step: 1 for a quasi-Newton direction (accepted most of the time);
    // for steepest descent without curvature yet, a step of length at most 1.
    static double first_step(const Vector& g, const LbfgsMemory<Scalar>& memory) {
        if (memory.size() > 0) return 1.0;
        return std::min(1.0, 1.0 / static_cast<double>(g.norm()));
    }

    // p = −H ∇f by the two-loop recursion (N&W algorithm 7.4).
    static Vector direction(const Vector& g, const LbfgsMemory<Scalar>& memory) {
        const Eigen::Index k = memory.size();
        Vector q = g;
        Eigen::Matrix<double, Eigen::Dynamic, 1> alpha(k), rho(k);
        for (Eigen::Index back = 0; back < k; ++back) {  // newest to oldest
            const Eigen::Index i = memory.column(back);
            rho(back) = 1.0 / static_cast<double>(memory.Y.col(i).dot(memory.S.col(i)));
            alpha(back) = rho(back) * static_cast<double>(memory.S.col(i).dot(q));
            q -= static_cast<Scalar>(alpha(back)) * memory.Y.col(i);
        }
        if (k > 0) {
            const Eigen::Index newest = memory.column(0);
            const double gamma =
                static_cast<double>(memory.S.col(newest).dot(memory.Y.col(newest))) /
                static_cast<double>(memory.Y.col(newest).squaredNorm());
            q *= static_cast<Scalar>(gamma);
        }
        for (Eigen::Index back = k - 1; back >= 0; --back) {  // oldest to newest
            const Eigen::Index i = memory.column(back);
            const double beta = rho(back) * static_cast<double>(memory.Y.col(i).dot(q));
            q += static_cast<Scalar>(alpha(back) - beta) * memory.S.col(i);
        }
        return -q;
    }

    // The minimiser of the cubic through (a, fa, da) and (b, fb, db) (N&W 3.59);
    // NaN when the cubic has none.
    static double cubic_minimum(double a, double fa, double da, double b, double fb, double db) {
        const double d1 = da + db - 3.0 * (fa - fb) / (a - b);
        const double discriminant = d1 * d1 - da * db;
        if (!(discriminant >= 0)) return std::numeric_limits<double>::quiet_NaN();
        const double d2 = std::copysign(std::sqrt(discriminant), b - a);
        return b - (b - a) * (db + d2 - d1) / (db - da + 2.0 * d2);
    }

    // φ(α) = f(x + α p) along one direction: algorithm 3.5 brackets a step, 3.6 zooms in.
    // The best point with sufficient decrease is kept in (x, fx, g) of the search.
    template <class Function>
    struct LineSearch {
        static constexpr double c1 = 1e-4, c2 = 0.9;
        Function& f;
        const Vector& x0;
        const double f0;
        const Vector& g0;
        const LbfgsSettings& settings;
        long long evaluations = 0;
        Vector x, g, x_trial, g_trial;  // the accepted point, and the one being evaluated
        double fx = 0.0;

        LineSearch(Function& function, const Vector& x_start, double f_start, const Vector& g_start,
                   const LbfgsSettings& s)
            : f(function), x0(x_start), f0(f_start), g0(g_start), settings(s) {}

        struct Point {
            double alpha, value, slope;
        };

        Point evaluate(const Vector& p, double alpha) {
            x_trial = x0 + static_cast<Scalar>(alpha) * p;
            const double value = f(x_trial, g_trial);
            ++evaluations;
            return {alpha, value, static_cast<double>(g_trial.dot(p))};
        }
        void accept(const Point& point) {
            x.swap(x_trial);
            g.swap(g_trial);
            fx = point.value;
        }
        bool decreases(const Point& point, double slope0) const {
            return std::isfinite(point.value) && point.value <= f0 + c1 * point.alpha * slope0;
        }

        // True when a step with sufficient decrease was found (strong Wolfe unless the
        // budget ran out first); it is then in (x, fx, g).
        bool run(const Vector& p, double alpha, long long budget) {
            const double slope0 = static_cast<double>(g0.dot(p));
            const long long limit = std::min<long long>(budget, settings.max_line_search);
            long long used = 0;
            bool have = false;
            Point previous{0.0, f0, slope0};
            while (used < limit) {
                const Point current = evaluate(p, alpha);
                ++used;
                if (!decreases(current, slope0) || (used > 1 && current.value >= previous.value))
                    return zoom(p, previous, current, slope0, limit - used, have);
                accept(current);
                have = true;
                if (std::abs(current.slope) <= -c2 * slope0) return true;
                if (current.slope >= 0)
                    return zoom(p, current, previous, slope0, limit - used, have);
                // Still going down: extrapolate, by at least 10% and at most 10x.
                double next = cubic_minimum(previous.alpha, previous.value, previous.slope,
                                            current.alpha, current.value, current.slope);
                if (!std::isfinite(next)) next = 2.0 * alpha;
                next = std::clamp(next, 1.1 * alpha, 10.0 * alpha);
                previous = current;
                alpha = next;
            }
            return have;
        }

        // lo: the best step with sufficient decrease so far (0 at first); the interval
        // between lo and hi holds a step satisfying the strong Wolfe conditions.
        bool zoom(const Vector& p, Point lo, Point hi, double slope0, long long budget, bool have) {
            for (long long used = 0; used < budget; ++used) {
                const double low = std::min(lo.alpha, hi.alpha),
                             high = std::max(lo.alpha, hi.alpha);
                const double width = high - low;
                if (width * static_cast<double>(p.cwiseAbs().maxCoeff()) <=
                    std::numeric_limits<Scalar>::epsilon() *
                        (1.0 + static_cast<double>(x0.cwiseAbs().maxCoeff())))
                    break;  // the steps no longer change x
                double alpha = std::isfinite(hi.value) ? cubic_minimum(lo.alpha, lo.value, lo.slope,
                                                                       hi.alpha, hi.value, hi.slope)
                                                       : std::numeric_limits<double>::quiet_NaN();
                // Keep the trial away from the ends, or bisect.
                if (!std::isfinite(alpha) || alpha < low + 0.1 * width ||
                    alpha > high - 0.1 * width)
                    alpha = 0.5 * (low + high);
                const Point trial = evaluate(p, alpha);
                if (!decreases(trial, slope0) || trial.value >= lo.value) {
                    hi = trial;
                    continue;
                }
                accept(trial);
                have = true;
                if (std::abs(trial.slope) <= -c2 * slope0) return true;
                if (trial.slope * (hi.alpha - lo.alpha) >= 0) hi = lo;
                lo = trial;
            }
            return have;
        }
    };
};

// Minimises f from x (replaced by the minimiser found) with at most max_iter iterations.
struct LbfgsResult {
    LbfgsStop stop = LbfgsStop::none;  // none: max_iter iterations were done
    long long iterations = 0, evaluations = 0;
    double value = 0.0;
};

template <class Scalar, class Function>
LbfgsResult lbfgs_minimize(Function&& f, Eigen::Matrix<Scalar, Eigen::Dynamic, 1>& x,
                           const LbfgsSettings& settings, long long max_iter) {
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    Matrix S(x.size(), settings.history_size), Y(x.size(), settings.history_size);
    LbfgsResult result;
    long long pairs = 0;
    Eigen::Matrix<Scalar, Eigen::Dynamic, 1> g(x.size());
    result.value = f(x, g);
    result.evaluations = 1;
    while (result.iterations < max_iter && result.stop == LbfgsStop::none) {
        const LbfgsStep step = Lbfgs<Scalar>::iterate(
            f, x, result.value, g,
            LbfgsMemory<Scalar>{Eigen::Map<Matrix>(S.data(), S.rows(), S.cols()),
                                Eigen::Map<Matrix>(Y.data(), Y.rows(), Y.cols()), pairs},
            settings, settings.max_fun - result.evaluations);
        result.evaluations += step.evaluations;
        result.stop = step.stop;
        if (step.moved) ++result.iterations;
    }
    return result;
}

}  // namespace annlib

// Optimizers, all updating one flat parameter vector p from its gradient g with
// learning rate η.  Each one's update formula is written beside its code in
// OptimizerState::update.  Adding an optimizer = one enum value, its row in
// kNames<Optimizer>, its settings (fields and rows in kOptimizerSettings, ranges
// in MLPConfig::validate), its case in update, and one test row.
//
// The course-lab momentum Δw ← α Δw − (1−α) ∂E/∂w, w ← w + η Δw is the heavy
// ball below with μ = α and learning rate η(1−α): v = η Δw.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "annlib/names.hpp"

namespace annlib {

enum class Optimizer { sgd, momentum, adam, rmsprop };

template <>
inline constexpr auto kNames<Optimizer> = name_table<Optimizer>({
    {"sgd", Optimizer::sgd},
    {"momentum", Optimizer::momentum},
    {"adam", Optimizer::adam},
    {"rmsprop", Optimizer::rmsprop},
});

struct OptimizerSettings {
    Optimizer kind = Optimizer::sgd;
    double learning_rate = 0.01;
    double momentum = 0.9;
    bool nesterov = false;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double rho = 0.9;
    bool centered = false;
};

// Every setting under the name hosts give it (the Python bindings make one property of each).
inline constexpr std::tuple kOptimizerSettings{
    std::pair{"learning_rate", &OptimizerSettings::learning_rate},
    std::pair{"momentum", &OptimizerSettings::momentum},
    std::pair{"nesterov", &OptimizerSettings::nesterov},
    std::pair{"beta1", &OptimizerSettings::beta1},
    std::pair{"beta2", &OptimizerSettings::beta2},
    std::pair{"eps", &OptimizerSettings::eps},
    std::pair{"rho", &OptimizerSettings::rho},
    std::pair{"centered", &OptimizerSettings::centered},
};

// The optimizer's state (velocity or Adam moments) for one parameter vector.
template <class Scalar>
class OptimizerState {
  public:
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

    void reset(Eigen::Index size) {
        first_.setZero(size);
        second_.setZero(size);
        steps_ = 0;
    }

    void update(const OptimizerSettings& s, Eigen::Ref<Vector> p,
                const Eigen::Ref<const Vector>& g) {
        const auto lr = static_cast<Scalar>(s.learning_rate);
        switch (s.kind) {
            case Optimizer::sgd:
                // p ← p − η g
                p.noalias() -= lr * g;
                break;
            case Optimizer::momentum: {
                // v ← μ v − η g;  p ← p + v   (Polyak heavy ball), or with Nesterov
                // p ← p + μ v − η g   (the look-ahead form of Sutskever et al. 2013)
                const auto mu = static_cast<Scalar>(s.momentum);
                first_ = mu * first_ - lr * g;
                if (s.nesterov)
                    p.noalias() += mu * first_ - lr * g;
                else
                    p += first_;
                break;
            }
            case Optimizer::adam: {
                // m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  p ← p − η m̂ / (√v̂ + ε)
                // with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ)   (Kingma & Ba 2015)
                ++steps_;
                const auto b1 = static_cast<Scalar>(s.beta1);
                const auto b2 = static_cast<Scalar>(s.beta2);
                first_ = b1 * first_ + (Scalar(1) - b1) * g;
                second_ = b2 * second_ + (Scalar(1) - b2) * g.cwiseAbs2();
                const double t = static_cast<double>(steps_);
                // Bias corrections folded into the step size (Kingma & Ba, section 2).
                const auto step =
                    static_cast<Scalar>(s.learning_rate * std::sqrt(1.0 - std::pow(s.beta2, t)) /
                                        (1.0 - std::pow(s.beta1, t)));
                const auto eps_hat =
                    static_cast<Scalar>(s.eps * std::sqrt(1.0 - std::pow(s.beta2, t)));
                p.array() -= step * first_.array() / (second_.array().sqrt() + eps_hat);
                break;
            }
            case Optimizer::rmsprop: {
                // v ← ρ v + (1−ρ) g²;  p ← p − η g / (√v + ε)   (Tieleman & Hinton 2012);
                // centered: also m ← ρ m + (1−ρ) g and p ← p − η g / (√(v − m²) + ε)
                // (Graves 2013).  v − m² >= 0 in exact arithmetic; the max keeps
                // rounding from taking a square root of a tiny negative number.
                ++steps_;
                const auto rho = static_cast<Scalar>(s.rho);
                const auto eps = static_cast<Scalar>(s.eps);
                second_ = rho * second_ + (Scalar(1) - rho) * g.cwiseAbs2();
                if (s.centered) {
                    first_ = rho * first_ + (Scalar(1) - rho) * g;
                    p.array() -=
                        lr * g.array() /
                        ((second_.array() - first_.array().square()).cwiseMax(Scalar(0)).sqrt() +
                         eps);
                } else {
                    p.array() -= lr * g.array() / (second_.array().sqrt() + eps);
                }
                break;
            }
        }
    }

    // State access for copies and files: (velocity or first moment, second moment, steps).
    const Vector& first() const { return first_; }
    const Vector& second() const { return second_; }
    long long steps() const { return steps_; }
    void set(const Vector& first, const Vector& second, long long steps) {
        if (first.size() != first_.size() || second.size() != second_.size() || steps < 0)
            throw std::invalid_argument("optimizer state: expected vectors of " +
                                        std::to_string(first_.size()) + " values and steps >= 0");
        first_ = first;
        second_ = second;
        steps_ = steps;
    }

  private:
    Vector first_;   // velocity (momentum) or first moment (adam, centered rmsprop)
    Vector second_;  // second moment (adam, rmsprop)
    long long steps_ = 0;
};

}  // namespace annlib

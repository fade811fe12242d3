// Optimizers, all updating one flat parameter vector p from its gradient g with
// learning rate η.  Each one's update formula is written beside its code in
// OptimizerState::update.  Adding an optimizer = one enum value, its row in
// kNames<Optimizer>, its settings (fields and rows in kOptimizerSettings, ranges
// in MLPConfig::validate), its case in update, and one test row.  lbfgs is the
// exception: it needs the loss as a function of p, not one gradient, so the MLP
// runs it through lbfgs.hpp with this class holding its memory.
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

#include "annlib/lbfgs.hpp"
#include "annlib/names.hpp"

namespace annlib {

enum class Optimizer { sgd, momentum, adam, rmsprop, adagrad, adamw, nadam, rprop, lbfgs };

template <>
inline constexpr auto kNames<Optimizer> = name_table<Optimizer>({
    {"sgd", Optimizer::sgd},
    {"momentum", Optimizer::momentum},
    {"adam", Optimizer::adam},
    {"rmsprop", Optimizer::rmsprop},
    {"adagrad", Optimizer::adagrad},
    {"adamw", Optimizer::adamw},
    {"nadam", Optimizer::nadam},
    {"rprop", Optimizer::rprop},
    {"lbfgs", Optimizer::lbfgs},
});

// The optimizers that need the gradient of the whole training set (no minibatches).
constexpr bool full_batch_only(Optimizer kind) {
    return kind == Optimizer::rprop || kind == Optimizer::lbfgs;
}

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
    double weight_decay = 0.01;  // adamw's λ
    // rprop: the step sizes Δ start at delta0 and stay in [delta_min, delta_max].
    double delta0 = 0.1;
    double delta_min = 1e-6;
    double delta_max = 50.0;
    double eta_plus = 1.2;
    double eta_minus = 0.5;
    // lbfgs (see LbfgsSettings)
    int history_size = 10;
    int max_fun = 15000;
    double gtol = 1e-5;
    double ftol = 2.2e-9;

    LbfgsSettings lbfgs() const {
        LbfgsSettings out;
        out.history_size = history_size;
        out.max_fun = max_fun;
        out.gtol = gtol;
        out.ftol = ftol;
        return out;
    }
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
    std::pair{"weight_decay", &OptimizerSettings::weight_decay},
    std::pair{"delta0", &OptimizerSettings::delta0},
    std::pair{"delta_min", &OptimizerSettings::delta_min},
    std::pair{"delta_max", &OptimizerSettings::delta_max},
    std::pair{"eta_plus", &OptimizerSettings::eta_plus},
    std::pair{"eta_minus", &OptimizerSettings::eta_minus},
    std::pair{"history_size", &OptimizerSettings::history_size},
    std::pair{"max_fun", &OptimizerSettings::max_fun},
    std::pair{"gtol", &OptimizerSettings::gtol},
    std::pair{"ftol", &OptimizerSettings::ftol},
};

// The optimizer's state (velocity or Adam moments) for one parameter vector.
template <class Scalar>
class OptimizerState {
  public:
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

    // lbfgs keeps m = history_size pairs of vectors, the others one or two vectors.
    void reset(const OptimizerSettings& s, Eigen::Index size) {
        const Eigen::Index rows = s.kind == Optimizer::lbfgs ? s.history_size : 1;
        first_.setZero(size * rows);
        second_.setZero(size * rows);
        steps_ = 0;
    }
    // Whether moving from settings a to b keeps the state meaningful.
    static bool same_state(const OptimizerSettings& a, const OptimizerSettings& b) {
        return a.kind == b.kind && (a.kind != Optimizer::lbfgs || a.history_size == b.history_size);
    }

    // lbfgs: the (s, y) pairs for a parameter vector of `size` values (steps counts them).
    LbfgsMemory<Scalar> lbfgs_memory(Eigen::Index size) {
        using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
        const Eigen::Index m = size == 0 ? 0 : first_.size() / size;
        return {Eigen::Map<Matrix>(first_.data(), size, m),
                Eigen::Map<Matrix>(second_.data(), size, m), steps_};
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
            case Optimizer::adamw:
                // θ ← θ − η λ θ, then Adam's step below   (Loshchilov & Hutter 2019,
                // Algorithm 2: θ_t ← θ_{t−1} − η_t (α m̂/(√v̂ + ε) + λ θ_{t−1}), with
                // α η_t = η and λ scaled by η as PyTorch and Keras do).  Decoupled: λ acts
                // on the weights, never on the moments.  Every parameter decays, biases too.
                p *= Scalar(1) - lr * static_cast<Scalar>(s.weight_decay);
                [[fallthrough]];
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
            case Optimizer::adagrad:
                // G ← G + g²;  θ ← θ − η g / (√G + ε)   (Duchi, Hazan & Singer 2011, the
                // diagonal form; ε keeps the first steps finite where G is still 0)
                ++steps_;
                second_ += g.cwiseAbs2();
                p.array() -= lr * g.array() / (second_.array().sqrt() + static_cast<Scalar>(s.eps));
                break;
            case Optimizer::nadam: {
                // Dozat 2016 (Algorithm 2) with a constant momentum μ = β1 and ν = β2:
                // m ← μ m + (1−μ) g;  n ← ν n + (1−ν) g²;
                // m̂ = μ m/(1−μᵗ⁺¹) + (1−μ) g/(1−μᵗ);  n̂ = n/(1−νᵗ);  θ ← θ − η m̂/(√n̂ + ε)
                ++steps_;
                const auto mu = static_cast<Scalar>(s.beta1);
                const auto nu = static_cast<Scalar>(s.beta2);
                first_ = mu * first_ + (Scalar(1) - mu) * g;
                second_ = nu * second_ + (Scalar(1) - nu) * g.cwiseAbs2();
                const double t = static_cast<double>(steps_);
                const auto ahead = static_cast<Scalar>(s.beta1 / (1.0 - std::pow(s.beta1, t + 1)));
                const auto now =
                    static_cast<Scalar>((1.0 - s.beta1) / (1.0 - std::pow(s.beta1, t)));
                const auto unbias = static_cast<Scalar>(1.0 / (1.0 - std::pow(s.beta2, t)));
                p.array() -= lr * (ahead * first_.array() + now * g.array()) /
                             ((unbias * second_.array()).sqrt() + static_cast<Scalar>(s.eps));
                break;
            }
            case Optimizer::rprop: {
                // iRprop− (Igel & Hüsken 2000), per weight i, with g⁽ᵗ⁻¹⁾ the stored gradient:
                //   g⁽ᵗ⁻¹⁾ g⁽ᵗ⁾ > 0:  Δ⁽ᵗ⁾ = min(η⁺ Δ⁽ᵗ⁻¹⁾, Δmax)
                //   g⁽ᵗ⁻¹⁾ g⁽ᵗ⁾ < 0:  Δ⁽ᵗ⁾ = max(η⁻ Δ⁽ᵗ⁻¹⁾, Δmin),  g⁽ᵗ⁾ := 0
                //   otherwise:         Δ⁽ᵗ⁾ = Δ⁽ᵗ⁻¹⁾
                //   w⁽ᵗ⁺¹⁾ = w⁽ᵗ⁾ − sign(g⁽ᵗ⁾) Δ⁽ᵗ⁾,   with Δ⁽⁰⁾ = Δ0 and g⁽⁰⁾ = 0.
                // first_ holds g⁽ᵗ⁻¹⁾, second_ holds Δ.
                if (steps_ == 0) second_.setConstant(static_cast<Scalar>(s.delta0));
                ++steps_;
                const auto eta_plus = static_cast<Scalar>(s.eta_plus);
                const auto eta_minus = static_cast<Scalar>(s.eta_minus);
                const auto delta_min = static_cast<Scalar>(s.delta_min);
                const auto delta_max = static_cast<Scalar>(s.delta_max);
                const Eigen::Array<Scalar, Eigen::Dynamic, 1> agreement =
                    first_.array() * g.array();
                second_ = (agreement > 0)
                              .select((eta_plus * second_.array()).min(delta_max),
                                      (agreement < 0)
                                          .select((eta_minus * second_.array()).max(delta_min),
                                                  second_.array()))
                              .matrix();
                first_ = (agreement < 0).select(Scalar(0), g.array()).matrix();
                p.array() -= first_.array().sign() * second_.array();
                break;
            }
            case Optimizer::lbfgs:
                // A line search needs the loss as a function: MLP::fit runs lbfgs.hpp.
                throw std::logic_error("OptimizerState::update: lbfgs has no one-gradient update");
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
    // velocity (momentum), first moment (adam, adamw, nadam, centered rmsprop), previous
    // gradient (rprop), or lbfgs's m vectors s side by side
    Vector first_;
    // second moment (adam, adamw, nadam, rmsprop), adagrad's sum of g², step sizes Δ
    // (rprop) or lbfgs's y
    Vector second_;
    long long steps_ = 0;  // updates done (lbfgs: pairs stored)
};

}  // namespace annlib

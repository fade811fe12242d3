// Learning-rate schedules: the rate η_e that fit uses in epoch e (counted from 1
// over the model's life since reset, so a second fit or a loaded model continues
// the schedule), from the base rate η0 = learning_rate.  Each formula is beside
// its code in ScheduleState::rate.  Adding a schedule = one enum value, its row in
// kNames<Schedule>, its settings (fields, rows in kScheduleSettings, ranges in
// ScheduleSettings::validate), its case in rate, and one test row.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <utility>

#include "annlib/names.hpp"

namespace annlib {

enum class Schedule { constant, invscaling, step, exponential, cosine, plateau };

template <>
inline constexpr auto kNames<Schedule> = name_table<Schedule>({
    {"constant", Schedule::constant},
    {"invscaling", Schedule::invscaling},
    {"step", Schedule::step},
    {"exponential", Schedule::exponential},
    {"cosine", Schedule::cosine},
    {"plateau", Schedule::plateau},
});

struct ScheduleSettings {
    Schedule kind = Schedule::constant;
    double power_t = 0.5;            // invscaling's exponent
    double decay = 0.5;              // step and exponential: the factor γ that multiplies the rate
    int decay_every = 10;            // step: epochs between two multiplications by γ
    int cosine_epochs = 100;         // cosine: epochs from η0 down to min_learning_rate
    bool cosine_restarts = false;    // cosine: start again at η0 every cosine_epochs (SGDR)
    double min_learning_rate = 0.0;  // cosine's floor
    double plateau_factor = 5.0;     // plateau: divide the rate by this...
    int plateau_patience = 2;        // ...after this many epochs without improvement...
    double plateau_tol = 1e-4;       // ...by more than this
    int warmup_epochs = 0;           // linear warm-up: epoch e <= W runs at η_e · e/W

    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
};

// Every setting under the name hosts give it (the Python bindings make one property of each).
inline constexpr std::tuple kScheduleSettings{
    std::pair{"power_t", &ScheduleSettings::power_t},
    std::pair{"decay", &ScheduleSettings::decay},
    std::pair{"decay_every", &ScheduleSettings::decay_every},
    std::pair{"cosine_epochs", &ScheduleSettings::cosine_epochs},
    std::pair{"cosine_restarts", &ScheduleSettings::cosine_restarts},
    std::pair{"min_learning_rate", &ScheduleSettings::min_learning_rate},
    std::pair{"plateau_factor", &ScheduleSettings::plateau_factor},
    std::pair{"plateau_patience", &ScheduleSettings::plateau_patience},
    std::pair{"plateau_tol", &ScheduleSettings::plateau_tol},
    std::pair{"warmup_epochs", &ScheduleSettings::warmup_epochs},
};

// Where a model is in its schedule; saved with the model so training continues exactly.
struct ScheduleState {
    long long epochs = 0;   // epochs trained since reset
    long long samples = 0;  // samples trained on since reset (invscaling's t)
    double scale = 1.0;     // plateau: the product of its divisions so far
    double best = std::numeric_limits<double>::infinity();  // plateau: best monitored loss
    int waited = 0;  // plateau: epochs since `best` last improved by plateau_tol

    // The rate of the next epoch, e = epochs + 1.
    double rate(const ScheduleSettings& s, double base) const {
        const double e = static_cast<double>(epochs + 1);
        double eta = base;
        switch (s.kind) {
            case Schedule::constant:  // η_e = η0
                break;
            case Schedule::invscaling:
                // η_e = η0 / (t + 1)^power_t, t = samples trained on before epoch e: the t
                // of scikit-learn's 'invscaling', which updates the rate after each epoch.
                eta = base / std::pow(static_cast<double>(samples) + 1.0, s.power_t);
                break;
            case Schedule::step:  // η_e = η0 · γ^⌊(e−1)/k⌋
                eta = base * std::pow(s.decay, static_cast<double>((epochs) / s.decay_every));
                break;
            case Schedule::exponential:  // η_e = η0 · γ^(e−1)
                eta = base * std::pow(s.decay, e - 1.0);
                break;
            case Schedule::cosine: {
                // η_e = η_min + (η0 − η_min)(1 + cos(π τ/T))/2 with τ = e − 1 held at T
                // (Loshchilov & Hutter 2017), or τ = (e − 1) mod T with warm restarts.
                const long long T = s.cosine_epochs;
                const long long tau = s.cosine_restarts ? epochs % T : std::min(epochs, T);
                const double pi = 3.14159265358979323846;
                eta = s.min_learning_rate +
                      (base - s.min_learning_rate) *
                          (1.0 + std::cos(pi * static_cast<double>(tau) / static_cast<double>(T))) /
                          2.0;
                break;
            }
            case Schedule::plateau:  // η_e = η0 / factor^(divisions so far), see end_epoch
                eta = base * scale;
                break;
        }
        if (e <= s.warmup_epochs) eta *= e / static_cast<double>(s.warmup_epochs);
        return eta;
    }

    // After an epoch of `n` samples whose monitored loss (validation loss when there is
    // validation data, else the training loss) was `monitored`.
    void end_epoch(const ScheduleSettings& s, long long n, double monitored) {
        ++epochs;
        samples += n;
        if (s.kind != Schedule::plateau) return;
        // plateau: divide the rate by plateau_factor once the loss has not improved
        // by more than plateau_tol for plateau_patience epochs in a row, then wait
        // again (scikit-learn's 'adaptive', as documented: factor 5, 2 epochs).
        if (monitored < best - s.plateau_tol) {
            best = monitored;
            waited = 0;
        } else if (++waited >= s.plateau_patience) {
            scale /= s.plateau_factor;
            waited = 0;
        }
    }
};

}  // namespace annlib

// Weight initialisation.  Biases always start at zero.
//
//   normal  w ~ N(init_mean, init_std²)              (the course-lab choice)
//   glorot  w ~ U(−a, a), a = √(6 / (fan_in + fan_out))  (Glorot & Bengio 2010)
//   he      w ~ N(0, 2 / fan_in)                     (He et al. 2015, for ReLU)
#pragma once

#include <cmath>
#include <stdexcept>
#include <string>

#include "annlib/names.hpp"
#include "annlib/random.hpp"

namespace annlib {

enum class Init { normal, glorot, he };

template <>
inline constexpr auto kNames<Init> = name_table<Init>({
    {"normal", Init::normal},
    {"glorot", Init::glorot},
    {"he", Init::he},
});

// One weight drawn for a layer with the given fan-in and fan-out.
inline double draw_weight(Init init, Rng& rng, int fan_in, int fan_out, double mean, double std) {
    switch (init) {
        case Init::normal:
            return mean + std * rng.normal();
        case Init::glorot: {
            const double a = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
            return a * (2.0 * rng.uniform() - 1.0);
        }
        case Init::he:
            return std::sqrt(2.0 / static_cast<double>(fan_in)) * rng.normal();
    }
    return 0.0;
}

}  // namespace annlib

// One seeded generator per object, identical on every platform.
//
// std::mt19937 is portable but std::normal_distribution and std::shuffle are
// not (their algorithms are left to the standard library), so the same seed
// could give different weights with libstdc++ and libc++.  Everything random in
// annlib goes through this class instead: xoshiro256** seeded by splitmix64,
// Lemire's unbiased bounded integers, and the Marsaglia polar method.
#pragma once

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace annlib {

// -Wpedantic-clean spelling of GCC/Clang's 128-bit integer.
__extension__ typedef unsigned __int128 uint128;

class Rng {
  public:
    explicit Rng(std::uint64_t seed = 0) { reseed(seed); }

    void reseed(std::uint64_t seed) {
        std::uint64_t x = seed;
        for (auto& word : state_) word = splitmix64(x);
        has_spare_normal_ = false;
    }

    std::uint64_t next_u64() {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    // Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

    // Uniform integer in [0, n), unbiased (Lemire 2019).  n must be > 0.
    std::uint64_t below(std::uint64_t n) {
        uint128 m = static_cast<uint128>(next_u64()) * n;
        auto low = static_cast<std::uint64_t>(m);
        if (low < n) {
            const std::uint64_t threshold = (0 - n) % n;
            while (low < threshold) {
                m = static_cast<uint128>(next_u64()) * n;
                low = static_cast<std::uint64_t>(m);
            }
        }
        return static_cast<std::uint64_t>(m >> 64);
    }

    // Standard normal deviate (Marsaglia polar method; the spare is kept).
    double normal() {
        if (has_spare_normal_) {
            has_spare_normal_ = false;
            return spare_normal_;
        }
        double u, v, s;
        do {
            u = 2.0 * uniform() - 1.0;
            v = 2.0 * uniform() - 1.0;
            s = u * u + v * v;
        } while (s >= 1.0 || s == 0.0);
        const double factor = std::sqrt(-2.0 * std::log(s) / s);
        spare_normal_ = v * factor;
        has_spare_normal_ = true;
        return u * factor;
    }

    // Fisher-Yates shuffle of any random-access container.
    template <class Container>
    void shuffle(Container& items) {
        const auto n = static_cast<std::uint64_t>(items.size());
        for (std::uint64_t i = n; i > 1; --i) {
            const std::uint64_t j = below(i);
            using std::swap;
            swap(items[static_cast<std::size_t>(i - 1)], items[static_cast<std::size_t>(j)]);
        }
    }

    // A fresh permutation of 0..n-1.
    std::vector<int> permutation(int n) {
        std::vector<int> order(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
        shuffle(order);
        return order;
    }

    // The whole generator state, so a copied or saved model continues the same stream.
    struct State {
        std::uint64_t words[4];
        double spare_normal;
        bool has_spare_normal;
    };
    State state() const {
        return {{state_[0], state_[1], state_[2], state_[3]}, spare_normal_, has_spare_normal_};
    }
    void set_state(const State& s) {
        for (int i = 0; i < 4; ++i) state_[i] = s.words[i];
        spare_normal_ = s.spare_normal;
        has_spare_normal_ = s.has_spare_normal;
    }

  private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    static std::uint64_t splitmix64(std::uint64_t& x) {
        std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

    std::uint64_t state_[4] = {0, 0, 0, 0};
    double spare_normal_ = 0.0;
    bool has_spare_normal_ = false;
};

}  // namespace annlib

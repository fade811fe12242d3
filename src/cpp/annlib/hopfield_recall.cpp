// Hopfield fields, energy, stability, single updates and recall (asynchronous and
// synchronous).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "annlib/hopfield.hpp"
#include "annlib/hopfield_dynamics.hpp"

namespace annlib {

using namespace hopfield_detail;

// ---- fields, energy, stability ----------------------------------------------

template <class Scalar>
void Hopfield<Scalar>::fields(const ConstStates& states, Matrix& H,
                              const Interrupt& interrupt) const {
    const Eigen::Index count = states.cols();
    H.resize(n_, count);
    // Eigen's GEMM takes its OpenMP threads from the budget: the engine's setting
    // (annlib.set_num_threads) for big products, one thread for small ones, whose
    // thread start-up and spinning afterwards would cost more than they save.
    const bool patterns = use_patterns();
    const double work = double(count) * n_ * (patterns ? 2.0 * stored_.rows() : double(n_));
    ThreadBudget budget(gemm_threads(work));
    InterruptPoller poller(interrupt);
    for (Eigen::Index start = 0; start < count; start += kFieldChunk) {
        const Eigen::Index width = std::min<Eigen::Index>(kFieldChunk, count - start);
        if (patterns) {
            const Matrix overlaps = stored_ * states.middleCols(start, width);
            fields_from_overlaps(stored_, overlaps, states.middleCols(start, width),
                                 hebbian_scale(), self_coupling(), H.middleCols(start, width));
        } else {
            H.middleCols(start, width).noalias() = W_ * states.middleCols(start, width);
        }
        poller.poll();
    }
    // Huge weights: a field whose sum overflowed is inf or NaN, never a wrong finite number.
    if (!patterns && !H.allFinite())
        for (Eigen::Index b = 0; b < count; ++b)
            for (Eigen::Index i = 0; i < n_; ++i)
                if (!std::isfinite(H(i, b)))
                    H(i, b) = scaled_field(W_, i, states.col(b).data(), binade_);
}

template <class Scalar>
std::vector<double> Hopfield<Scalar>::energy(const ConstStates& states) const {
    check_states(states, "states");
    require_symmetric("the energy");
    Matrix H;
    fields(states, H, Interrupt());
    Dynamics<Scalar> d{W_,      theta_,  cut_,      Scalar(1), low(),  0.0,
                       nullptr, nullptr, Scalar(0), Scalar(0), binade_};
    std::vector<double> out(static_cast<std::size_t>(states.cols()));
    for (Eigen::Index b = 0; b < states.cols(); ++b) {
        const Vector s = states.col(b);
        out[static_cast<std::size_t>(b)] = d.energy(s.data(), H.col(b).data());
    }
    return out;
}

template <class Scalar>
std::vector<std::uint8_t> Hopfield<Scalar>::stable(const ConstStates& states) const {
    check_states(states, "states");
    Matrix H;
    fields(states, H, Interrupt());
    const Scalar high = 1, low = this->low();
    std::vector<std::uint8_t> out(static_cast<std::size_t>(states.cols()));
    for (Eigen::Index b = 0; b < states.cols(); ++b) {
        bool fixed = true;
        for (int i = 0; i < n_ && fixed; ++i)
            fixed = (H(i, b) >= cut_(i) ? high : low) == states(i, b);
        out[static_cast<std::size_t>(b)] = fixed;
    }
    return out;
}

// ---- update and recall ------------------------------------------------------

template <class Scalar>
typename Hopfield<Scalar>::Matrix Hopfield<Scalar>::update(const ConstStates& states,
                                                           UpdateMode mode, UpdateOrder order,
                                                           const std::vector<int>* positions,
                                                           double temperature,
                                                           const Interrupt& interrupt) {
    check_states(states, "states");
    if (!(temperature >= 0.0) || !std::isfinite(temperature))
        throw std::invalid_argument("temperature: expected a finite number >= 0, got " +
                                    str(temperature));
    if (positions)
        for (int i : *positions)
            if (i < 0 || i >= n_)
                throw std::out_of_range("positions: expected unit indices in [0, " + str(n_) +
                                        "), got " + str(i));
    const Eigen::Index count = states.cols();
    const std::uint64_t first_stream = streams_used_.fetch_add(static_cast<std::uint64_t>(count));

    Matrix S = states;
    Matrix H;
    fields(S, H, interrupt);
    const Dynamics<Scalar> d{W_,      theta_,  cut_,      Scalar(1), low(),  temperature,
                             nullptr, nullptr, Scalar(0), Scalar(0), binade_};
    parallel_for(
        static_cast<int>(count),
        [&](int b, const Interrupt&) {
            Rng rng(stream_seed(first_stream + static_cast<std::uint64_t>(b)));
            Scalar* s = S.col(b).data();
            Scalar* h = H.col(b).data();
            std::vector<int> units;
            if (positions) {
                units = *positions;
            } else {
                units.resize(static_cast<std::size_t>(n_));
                std::iota(units.begin(), units.end(), 0);
                if (mode == UpdateMode::async && order == UpdateOrder::random) rng.shuffle(units);
            }
            if (mode == UpdateMode::async) {
                d.async_pass(s, h, units.data(), static_cast<int>(units.size()), rng, nullptr,
                             nullptr);
            } else {
                // Every decision reads the fields of the old state, so write afterwards.
                std::vector<Scalar> next(units.size());
                for (std::size_t k = 0; k < units.size(); ++k)
                    next[k] = d.decide(units[k], h[units[k]], rng);
                for (std::size_t k = 0; k < units.size(); ++k) s[units[k]] = next[k];
            }
        },
        interrupt, threads_for(double(count) * n_ * (n_ / 4.0 + 1)));
    return S;
}

template <class Scalar>
RecallResult<Scalar> Hopfield<Scalar>::recall(const ConstStates& probes,
                                              const RecallOptions& options,
                                              const Interrupt& interrupt) {
    check_states(probes, "probes");
    if (options.max_iter < 1)
        throw std::invalid_argument("max_iter: expected an integer >= 1, got " +
                                    str(options.max_iter));
    if (!(options.temperature >= 0.0) || !std::isfinite(options.temperature))
        throw std::invalid_argument("temperature: expected a finite number >= 0, got " +
                                    str(options.temperature));
    if (options.track_energy != EnergyTrace::none) require_symmetric("an energy trace");
    if (options.track_energy == EnergyTrace::unit && options.mode == UpdateMode::sync)
        throw std::invalid_argument(
            "track_energy: expected 'none' or 'sweep' with mode 'sync', got 'unit'");

    const int count = static_cast<int>(probes.cols());
    const std::uint64_t first_stream = streams_used_.fetch_add(static_cast<std::uint64_t>(count));

    RecallResult<Scalar> result;
    result.states = probes;
    result.iterations.assign(static_cast<std::size_t>(count), 0);
    result.converged.assign(static_cast<std::size_t>(count), 0);
    result.cycle.assign(static_cast<std::size_t>(count), 0);
    if (options.track_energy != EnergyTrace::none)
        result.energy.resize(static_cast<std::size_t>(count));
    if (count == 0) return result;

    const bool overlaps = use_patterns();
    const Dynamics<Scalar> d{W_,
                             theta_,
                             cut_,
                             Scalar(1),
                             low(),
                             options.temperature,
                             overlaps ? &stored_ : nullptr,
                             overlaps ? signs_.data() : nullptr,
                             hebbian_scale(),
                             self_coupling(),
                             binade_};
    if (options.mode == UpdateMode::async)
        recall_async(d, options, first_stream, result, interrupt);
    else
        SyncRecall(*this, d, options, first_stream, result, interrupt).run();
    return result;
}

// Every probe on its own, in parallel: Dynamics::recall_async sweeps until a sweep
// changes nothing.
template <class Scalar>
void Hopfield<Scalar>::recall_async(const Dynamics<Scalar>& d, const RecallOptions& options,
                                    std::uint64_t first_stream, RecallResult<Scalar>& result,
                                    const Interrupt& interrupt) const {
    const int count = static_cast<int>(result.states.cols());
    const bool tracking = options.track_energy != EnergyTrace::none;
    const bool overlaps = d.Xt != nullptr;
    Matrix& S = result.states;
    // From the stored patterns, recall starts from the overlaps X^T S (one small
    // GEMM) and needs fields only for an energy trace; otherwise one GEMM for every probe.
    Matrix M, H;
    if (overlaps) {
        ThreadBudget budget(gemm_threads(double(count) * n_ * stored_.rows()));
        M.noalias() = stored_ * S;
    }
    if (!overlaps || tracking)
        fields(S, H, interrupt);
    else
        H.resize(n_, count);
    parallel_for(
        count,
        [&](int b, const Interrupt& check) {
            Rng rng(stream_seed(first_stream + static_cast<std::uint64_t>(b)));
            std::vector<int> order(static_cast<std::size_t>(n_));
            int iterations = 0;
            bool converged = false;
            std::vector<double>* trace =
                tracking ? &result.energy[static_cast<std::size_t>(b)] : nullptr;
            if (trace && options.track_energy == EnergyTrace::sweep)
                trace->reserve(static_cast<std::size_t>(std::min(options.max_iter, 1024)) + 1);
            d.recall_async(S.col(b).data(), H.col(b).data(), overlaps ? M.col(b).data() : nullptr,
                           options, rng, order, iterations, converged, trace, check);
            result.iterations[static_cast<std::size_t>(b)] = iterations;
            result.converged[static_cast<std::size_t>(b)] = converged;
        },
        interrupt,
        // A visit through the overlaps costs what about 16 (P + 64) multiply-adds
        // of a GEMM do (measured: 2 threads pay off from 20 probes of N = 1024).
        threads_for(double(count) * n_ *
                    (overlaps ? 16.0 * (double(stored_.rows()) + 64) : n_ / 4.0 + 1)));
}

// Synchronous recall of a batch: every probe steps from the fields of its previous
// state.  After the first GEMM, a probe that changed few units updates its fields
// with one column of W per change; the others are regrouped into one GEMM per step.
// Each step is: decide (every probe in parallel), add the few changes, refresh the
// many by GEMM, retire the probes that converged or entered a 2-cycle.
template <class Scalar>
class Hopfield<Scalar>::SyncRecall {
  public:
    SyncRecall(const Hopfield& net, const Dynamics<Scalar>& d, const RecallOptions& options,
               std::uint64_t first_stream, RecallResult<Scalar>& result, const Interrupt& interrupt)
        : net_(net),
          d_(d),
          options_(options),
          result_(result),
          interrupt_(interrupt),
          S_(result.states),
          n_(net.n_),
          count_(static_cast<int>(result.states.cols())),
          tracking_(options.track_energy != EnergyTrace::none),
          deterministic_(options.temperature <= 0.0),
          gemm_columns_(d.Xt ? 2 * net.stored_.rows() : net.n_),
          previous_(n_, count_),
          n_previous_(static_cast<std::size_t>(count_), -1),
          since_fresh_(static_cast<std::size_t>(count_), 0),
          regroup_(static_cast<std::size_t>(count_), kKeep),
          active_(static_cast<std::size_t>(count_)),
          unit_start_(static_cast<std::size_t>(n_) + 1) {
        net.fields(S_, H_, interrupt);
        rngs_.reserve(static_cast<std::size_t>(count_));
        for (int b = 0; b < count_; ++b)
            rngs_.emplace_back(net.stream_seed(first_stream + static_cast<std::uint64_t>(b)));
        std::iota(active_.begin(), active_.end(), 0);
        if (tracking_)
            for (int b = 0; b < count_; ++b)
                result_.energy[static_cast<std::size_t>(b)].push_back(
                    d_.energy(S_.col(b).data(), H_.col(b).data()));
    }

    void run() {
        for (int step = 1; step <= options_.max_iter && !active_.empty(); ++step) {
            decide(step, step == options_.max_iter);
            add_changes();
            refresh_fields();
            retire();
        }
    }

  private:
    // What happens to a probe's fields after its step.
    enum : std::uint8_t { kKeep = 0, kIncremental = 1, kGemm = 2 };
    struct Change {
        int probe;
        Scalar delta;
    };

    // Every active probe takes its step from its fields; records convergence and
    // 2-cycles, and how its fields will follow (regroup_).
    void decide(int step, bool last) {
        const Scalar high = 1, low = net_.low();
        parallel_for(
            static_cast<int>(active_.size()),
            [&](int k, const Interrupt&) {
                const int b = active_[static_cast<std::size_t>(k)];
                const auto ub = static_cast<std::size_t>(b);
                Scalar* s = S_.col(b).data();
                Scalar* h = H_.col(b).data();
                thread_local std::vector<int> scratch;
                scratch.resize(static_cast<std::size_t>(n_));
                int* now = scratch.data();
                int n_now = 0;
                for (int i = 0; i < n_; ++i)
                    if (d_.decide(i, d_.field_kept(i, h, s), rngs_[ub]) != s[i]) now[n_now++] = i;
                result_.iterations[ub] = step;
                regroup_[ub] = kKeep;
                if (n_now == 0) {
                    result_.converged[ub] = 1;
                } else if (deterministic_ && n_now == n_previous_[ub] &&
                           std::equal(now, now + n_now, previous_.col(b).data())) {
                    result_.cycle[ub] = 1;  // the new state is the one before the last
                }
                for (int c = 0; c < n_now; ++c) s[now[c]] = high + low - s[now[c]];
                const bool done = result_.converged[ub] || result_.cycle[ub];
                if (result_.cycle[ub] && tracking_) {
                    auto& trace = result_.energy[ub];
                    const double before_last = trace[trace.size() - 2];  // the state is back there
                    trace.push_back(before_last);
                }
                if (done || (last && !tracking_)) return;
                // Few changes: one column of W each; many: a GEMM is cheaper per column.
                since_fresh_[ub] += n_now;
                if (n_now * 8 <= gemm_columns_ && since_fresh_[ub] < n_) {
                    regroup_[ub] = kIncremental;
                } else {
                    regroup_[ub] = kGemm;
                    since_fresh_[ub] = 0;
                }
                std::copy(now, now + n_now, previous_.col(b).data());
                n_previous_[ub] = n_now;
            },
            interrupt_, threads_for(double(active_.size()) * n_ * 4));
    }

    // H(:, b) += sum_j W(:, j) delta_jb for the incremental probes, with the
    // changes sorted by unit so that each column of W is read once for all
    // probes; threads split the rows.  Every entry of H still adds its
    // changes in increasing j, as it would alone, so batch == one by one.
    void add_changes() {
        const Scalar high = 1, low = net_.low();
        std::fill(unit_start_.begin(), unit_start_.end(), 0);
        for (int b : active_)
            if (regroup_[static_cast<std::size_t>(b)] == kIncremental)
                for (int c = 0; c < n_previous_[static_cast<std::size_t>(b)]; ++c)
                    ++unit_start_[previous_(c, b) + 1];
        std::partial_sum(unit_start_.begin(), unit_start_.end(), unit_start_.begin());
        entries_.resize(static_cast<std::size_t>(unit_start_[static_cast<std::size_t>(n_)]));
        if (entries_.empty()) return;
        cursor_.assign(unit_start_.begin(), unit_start_.end() - 1);
        for (int b : active_) {
            if (regroup_[static_cast<std::size_t>(b)] != kIncremental) continue;
            for (int c = 0; c < n_previous_[static_cast<std::size_t>(b)]; ++c) {
                const int j = previous_(c, b);
                entries_[static_cast<std::size_t>(cursor_[static_cast<std::size_t>(j)]++)] = {
                    b, Scalar(2) * S_(j, b) - high - low};
            }
        }
        touched_.clear();
        for (int j = 0; j < n_; ++j)
            if (unit_start_[static_cast<std::size_t>(j) + 1] >
                unit_start_[static_cast<std::size_t>(j)])
                touched_.push_back(j);
        const int blocks = (n_ + kRowBlock - 1) / kRowBlock;
        parallel_for(
            blocks,
            [&](int block, const Interrupt&) {
                const int r0 = block * kRowBlock;
                const int rows = std::min(kRowBlock, n_ - r0);
                for (int j : touched_) {
                    const auto w = net_.W_.col(j).segment(r0, rows);
                    for (int e = unit_start_[static_cast<std::size_t>(j)];
                         e < unit_start_[static_cast<std::size_t>(j) + 1]; ++e) {
                        const auto& entry = entries_[static_cast<std::size_t>(e)];
                        H_.col(entry.probe).segment(r0, rows).noalias() += w * entry.delta;
                    }
                }
            },
            interrupt_, threads_for(double(entries_.size()) * n_));
    }

    // The fields of the probes that changed many units, from scratch in one GEMM.
    void refresh_fields() {
        group_.clear();
        for (int b : active_)
            if (regroup_[static_cast<std::size_t>(b)] == kGemm) group_.push_back(b);
        if (group_.empty()) return;
        gathered_.resize(n_, static_cast<Eigen::Index>(group_.size()));
        for (std::size_t g = 0; g < group_.size(); ++g)
            gathered_.col(static_cast<Eigen::Index>(g)) = S_.col(group_[g]);
        net_.fields(gathered_, gathered_fields_, interrupt_);
        for (std::size_t g = 0; g < group_.size(); ++g)
            H_.col(group_[g]) = gathered_fields_.col(static_cast<Eigen::Index>(g));
    }

    // Drops the probes that converged or cycled; records the energy of the others.
    void retire() {
        std::size_t kept = 0;
        for (int b : active_) {
            const auto ub = static_cast<std::size_t>(b);
            if (result_.converged[ub] || result_.cycle[ub]) {
                if (result_.converged[ub] && tracking_)
                    result_.energy[ub].push_back(result_.energy[ub].back());
                continue;
            }
            if (tracking_)
                result_.energy[ub].push_back(d_.energy(S_.col(b).data(), H_.col(b).data()));
            active_[kept++] = b;
        }
        active_.resize(kept);
    }

    const Hopfield& net_;
    const Dynamics<Scalar>& d_;
    const RecallOptions& options_;
    RecallResult<Scalar>& result_;
    const Interrupt& interrupt_;
    Matrix& S_;
    Matrix H_;
    const int n_;
    const int count_;
    const bool tracking_;
    const bool deterministic_;
    // Columns of W that one probe's fields cost from scratch: N, or 2P from the patterns.
    const Eigen::Index gemm_columns_;
    // The units each probe changed in its last step (a repeat of them is a 2-cycle),
    // and how many changes its fields have absorbed since they were last computed
    // from scratch (a GEMM refreshes them after N, against rounding drift).
    Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic> previous_;
    std::vector<int> n_previous_;
    std::vector<long> since_fresh_;
    std::vector<std::uint8_t> regroup_;
    std::vector<Rng> rngs_;
    std::vector<int> active_;
    Matrix gathered_, gathered_fields_;
    std::vector<int> group_, touched_, cursor_, unit_start_;
    std::vector<Change> entries_;
};

template void Hopfield<float>::fields(const ConstStates&, Matrix&, const Interrupt&) const;
template void Hopfield<float>::recall_async(const Dynamics<float>&, const RecallOptions&,
                                            std::uint64_t, RecallResult<float>&,
                                            const Interrupt&) const;
template class Hopfield<float>::SyncRecall;
template void Hopfield<double>::fields(const ConstStates&, Matrix&, const Interrupt&) const;
template void Hopfield<double>::recall_async(const Dynamics<double>&, const RecallOptions&,
                                             std::uint64_t, RecallResult<double>&,
                                             const Interrupt&) const;
template class Hopfield<double>::SyncRecall;
template std::vector<double> Hopfield<float>::energy(const ConstStates&) const;
template std::vector<std::uint8_t> Hopfield<float>::stable(const ConstStates&) const;
template Hopfield<float>::Matrix Hopfield<float>::update(const ConstStates&, UpdateMode,
                                                         UpdateOrder, const std::vector<int>*,
                                                         double, const Interrupt&);
template RecallResult<float> Hopfield<float>::recall(const ConstStates&, const RecallOptions&,
                                                     const Interrupt&);
template std::vector<double> Hopfield<double>::energy(const ConstStates&) const;
template std::vector<std::uint8_t> Hopfield<double>::stable(const ConstStates&) const;
template Hopfield<double>::Matrix Hopfield<double>::update(const ConstStates&, UpdateMode,
                                                           UpdateOrder, const std::vector<int>*,
                                                           double, const Interrupt&);
template RecallResult<double> Hopfield<double>::recall(const ConstStates&, const RecallOptions&,
                                                       const Interrupt&);

}  // namespace annlib

// Many independent MLP trainings at once: the engine of a grid search.
//
// A job is one configuration trained on one fold's training samples and scored
// on that fold's held-out samples.  fit_jobs runs a whole batch of jobs on the
// threads of parallel_for; every job builds its own MLP from its own config
// (seed included), so a job's result depends on nothing but the job: not on the
// thread that ran it, the number of threads or the other jobs of the batch.
#pragma once

#include <Eigen/Core>
#include <functional>
#include <string>
#include <vector>

#include "annlib/control.hpp"
#include "annlib/mlp.hpp"

namespace annlib {

// What a job's held-out samples are scored with.
enum class Scoring {
    accuracy,  // fraction counted correct by the job's AccuracyRule (higher is better)
    mse,       // mean of (output − target)² over every output (lower is better)
    loss,      // the training loss: mean data loss plus the L2 penalty (lower is better)
};

template <>
inline constexpr auto kNames<Scoring> = name_table<Scoring>({
    {"accuracy", Scoring::accuracy},
    {"mse", Scoring::mse},
    {"loss", Scoring::loss},
});

// Training and held-out samples of one fold, as column indices into the batch's data.
struct Fold {
    std::vector<Eigen::Index> train;
    std::vector<Eigen::Index> test;
};

template <class Scalar>
using SamplesRef = Eigen::Ref<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>>;

struct SearchJob {
    MLPConfig config;  // layers, hyper-parameters and the seed of this job's model
    // epochs, the accuracy rule and threshold, and early stopping on the training loss
    // (there is no validation data); the callback and interrupt are not used.
    FitOptions options;
    int fold = 0;     // index into the batch's folds
    int targets = 0;  // index into the batch's target matrices (configurations may encode
                      // labels differently)
};

struct SearchJobResult {
    double score = 0.0;  // NaN when the job diverged
    double fit_seconds = 0.0;
    double score_seconds = 0.0;
    History history;
    std::string error;  // the DivergenceError's message; empty when training succeeded
};

// Trains and scores every job on up to `max_threads` threads (0: get_num_threads()),
// each job's GEMMs on a single thread.  X is (features × samples); every target
// matrix is (outputs × samples) with the same samples.  The calling thread polls
// `interrupt` and calls `progress(jobs_done)` now and then (both from the calling
// thread only) and once at the end.  A job that diverges is reported in its result;
// any other error (bad shapes, indices or configs, an interrupt) stops the batch
// and is rethrown here.  Results are in the order of `jobs`.
template <class Scalar>
std::vector<SearchJobResult> fit_jobs(
    const SamplesRef<Scalar>& X, const std::vector<SamplesRef<Scalar>>& targets,
    const std::vector<Fold>& folds, const std::vector<SearchJob>& jobs, Scoring scoring,
    int max_threads = 0, const Interrupt& interrupt = Interrupt(),
    const std::function<void(int)>& progress = std::function<void(int)>());

}  // namespace annlib

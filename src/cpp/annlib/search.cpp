#include "annlib/search.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace annlib {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

template <class Matrix, class Source>
Matrix gather_columns(const Source& source, const std::vector<Eigen::Index>& columns) {
    Matrix out(source.rows(), static_cast<Eigen::Index>(columns.size()));
    for (std::size_t j = 0; j < columns.size(); ++j)
        out.col(static_cast<Eigen::Index>(j)) = source.col(columns[j]);
    return out;
}

void check_indices(const std::vector<Eigen::Index>& indices, Eigen::Index n,
                   const std::string& name) {
    if (indices.empty())
        throw std::invalid_argument(name + ": expected at least one sample, got 0");
    for (Eigen::Index i : indices)
        if (i < 0 || i >= n)
            throw std::out_of_range(name + ": expected sample indices in [0, " + std::to_string(n) +
                                    "), got " + std::to_string(i));
}

// Rough work of a job (multiply-adds), to start the longest jobs first so that
// no thread is left alone with a big job at the end of the batch.
double job_cost(const SearchJob& job, const std::vector<Fold>& folds) {
    double weights = 0;
    for (std::size_t i = 0; i + 1 < job.config.layers.size(); ++i)
        weights += static_cast<double>(job.config.layers[i]) * job.config.layers[i + 1];
    return weights * job.options.epochs *
           static_cast<double>(folds[static_cast<std::size_t>(job.fold)].train.size());
}

// The indices of `jobs`, longest first (ties in the given order).
std::vector<std::size_t> longest_first(const std::vector<SearchJob>& jobs,
                                       const std::vector<Fold>& folds) {
    std::vector<std::size_t> order(jobs.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::vector<double> cost(jobs.size());
    for (std::size_t j = 0; j < jobs.size(); ++j) cost[j] = job_cost(jobs[j], folds);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return cost[a] > cost[b]; });
    return order;
}

// Every check happens before the first job starts: a bad job never wastes the others' work.
template <class Scalar>
void check_batch(const SamplesRef<Scalar>& X, const std::vector<SamplesRef<Scalar>>& targets,
                 const std::vector<Fold>& folds, const std::vector<SearchJob>& jobs,
                 Scoring scoring, int max_threads) {
    const Eigen::Index n = X.cols();
    if (max_threads < 0)
        throw std::invalid_argument("n_jobs: expected a number of threads >= 0, got " +
                                    std::to_string(max_threads));
    for (std::size_t t = 0; t < targets.size(); ++t)
        if (targets[t].cols() != n)
            throw std::invalid_argument("targets[" + std::to_string(t) + "]: expected " +
                                        std::to_string(n) + " samples (as many as X), got " +
                                        std::to_string(targets[t].cols()));
    for (std::size_t f = 0; f < folds.size(); ++f) {
        check_indices(folds[f].train, n, "folds[" + std::to_string(f) + "].train");
        check_indices(folds[f].test, n, "folds[" + std::to_string(f) + "].test");
    }
    for (std::size_t j = 0; j < jobs.size(); ++j) {
        const SearchJob& job = jobs[j];
        const std::string name = "jobs[" + std::to_string(j) + "]";
        if (job.fold < 0 || static_cast<std::size_t>(job.fold) >= folds.size())
            throw std::out_of_range(name + ".fold: expected an index below " +
                                    std::to_string(folds.size()) + ", got " +
                                    std::to_string(job.fold));
        if (job.targets < 0 || static_cast<std::size_t>(job.targets) >= targets.size())
            throw std::out_of_range(name + ".targets: expected an index below " +
                                    std::to_string(targets.size()) + ", got " +
                                    std::to_string(job.targets));
        job.options.validate(name + ".");
        job.config.validate();
        const Eigen::Index outputs = targets[static_cast<std::size_t>(job.targets)].rows();
        if (job.config.layers.front() != X.rows())
            throw std::invalid_argument(
                name + ".config.layers: expected " + std::to_string(X.rows()) +
                " inputs (the features of X), got " + std::to_string(job.config.layers.front()));
        if (job.config.layers.back() != outputs)
            throw std::invalid_argument(
                name + ".config.layers: expected " + std::to_string(outputs) +
                " outputs (the target columns), got " + std::to_string(job.config.layers.back()));
        if (scoring == Scoring::accuracy && job.options.accuracy == AccuracyRule::none)
            throw std::invalid_argument(
                name + ": scoring 'accuracy' needs a classifier's accuracy rule, got none");
    }
}

// The held-out score of a trained model.
template <class Scalar>
double score_of(const MLP<Scalar>& model, const typename MLP<Scalar>::Matrix& X_test,
                const typename MLP<Scalar>::Matrix& T_test, const SearchJob& job, Scoring scoring) {
    const auto m = static_cast<double>(X_test.cols());
    switch (scoring) {
        case Scoring::accuracy:
            return static_cast<double>(model.count_correct(X_test, T_test, job.options.accuracy,
                                                           job.options.threshold)) /
                   m;
        case Scoring::mse:
            return (model.predict(X_test) - T_test).template cast<double>().squaredNorm() /
                   (m * static_cast<double>(T_test.rows()));
        case Scoring::loss:
            return model.loss(X_test, T_test);
    }
    return std::numeric_limits<double>::quiet_NaN();
}

// Trains one job on its fold's training samples and scores it on the held-out ones.
// One GEMM thread per job: the jobs themselves fill the cores, and a job's
// arithmetic (hence its result) is the same whichever thread runs it.
template <class Scalar>
SearchJobResult run_job(const SamplesRef<Scalar>& X, const SamplesRef<Scalar>& T, const Fold& fold,
                        const SearchJob& job, Scoring scoring, const Interrupt& cancel_check) {
    using Matrix = typename MLP<Scalar>::Matrix;
    ThreadBudget single(1);
    SearchJobResult result;
    const auto fit_start = Clock::now();
    MLP<Scalar> model(job.config);
    {
        const Matrix X_train = gather_columns<Matrix>(X, fold.train);
        const Matrix T_train = gather_columns<Matrix>(T, fold.train);
        FitOptions options = job.options;
        options.callback = nullptr;
        options.interrupt = cancel_check;
        try {
            model.fit(X_train, T_train, options, nullptr, nullptr);
        } catch (const DivergenceError& error) {
            result.error = error.what();
        }
    }
    result.history = model.history();
    result.fit_seconds = seconds_since(fit_start);

    const auto score_start = Clock::now();
    if (!result.error.empty()) {
        result.score = std::numeric_limits<double>::quiet_NaN();
    } else {
        const Matrix X_test = gather_columns<Matrix>(X, fold.test);
        const Matrix T_test = gather_columns<Matrix>(T, fold.test);
        result.score = score_of<Scalar>(model, X_test, T_test, job, scoring);
    }
    result.score_seconds = seconds_since(score_start);
    return result;
}

}  // namespace

template <class Scalar>
std::vector<SearchJobResult> fit_jobs(const SamplesRef<Scalar>& X,
                                      const std::vector<SamplesRef<Scalar>>& targets,
                                      const std::vector<Fold>& folds,
                                      const std::vector<SearchJob>& jobs, Scoring scoring,
                                      int max_threads, const Interrupt& interrupt,
                                      const std::function<void(int)>& progress) {
    check_batch<Scalar>(X, targets, folds, jobs, scoring, max_threads);
    const std::vector<std::size_t> order = longest_first(jobs, folds);
    std::vector<SearchJobResult> results(jobs.size());
    std::atomic<int> done{0};
    const auto body = [&](int i, const Interrupt& cancel_check) {
        const std::size_t j = order[static_cast<std::size_t>(i)];
        const SearchJob& job = jobs[j];
        results[j] =
            run_job<Scalar>(X, targets[static_cast<std::size_t>(job.targets)],
                            folds[static_cast<std::size_t>(job.fold)], job, scoring, cancel_check);
        done.fetch_add(1);
    };

    // parallel_for calls its hook from the calling thread only, so the host's
    // progress display is updated there too, never from a worker.
    int reported = -1;
    const Interrupt hook = [&] {
        if (interrupt) interrupt();
        const int now_done = done.load();
        if (progress && now_done != reported) {
            reported = now_done;
            progress(now_done);
        }
    };
    parallel_for(static_cast<int>(jobs.size()), body, hook, max_threads);
    if (progress && reported != static_cast<int>(jobs.size()))
        progress(static_cast<int>(jobs.size()));
    return results;
}

template std::vector<SearchJobResult> fit_jobs<float>(
    const SamplesRef<float>&, const std::vector<SamplesRef<float>>&, const std::vector<Fold>&,
    const std::vector<SearchJob>&, Scoring, int, const Interrupt&, const std::function<void(int)>&);
template std::vector<SearchJobResult> fit_jobs<double>(
    const SamplesRef<double>&, const std::vector<SamplesRef<double>>&, const std::vector<Fold>&,
    const std::vector<SearchJob>&, Scoring, int, const Interrupt&, const std::function<void(int)>&);

}  // namespace annlib

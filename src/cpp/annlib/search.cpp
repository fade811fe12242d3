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
    return weights * job.epochs *
           static_cast<double>(folds[static_cast<std::size_t>(job.fold)].train.size());
}

}  // namespace

template <class Scalar>
std::vector<SearchJobResult> fit_jobs(const SamplesRef<Scalar>& X,
                                      const std::vector<SamplesRef<Scalar>>& targets,
                                      const std::vector<Fold>& folds,
                                      const std::vector<SearchJob>& jobs, Scoring scoring,
                                      int max_threads, const Interrupt& interrupt,
                                      const std::function<void(int)>& progress) {
    using Matrix = typename MLP<Scalar>::Matrix;
    const Eigen::Index n = X.cols();

    // Every check happens before the first job starts: a bad job never wastes the others' work.
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
        if (job.epochs < 1)
            throw std::invalid_argument(name + ".epochs: expected an integer >= 1, got " +
                                        std::to_string(job.epochs));
        if (job.patience < 1)
            throw std::invalid_argument(name + ".patience: expected an integer >= 1, got " +
                                        std::to_string(job.patience));
        if (!std::isfinite(job.tol) || job.tol < 0)
            throw std::invalid_argument(name + ".tol: expected a number >= 0, got " +
                                        std::to_string(job.tol));
        job.config.validate();
        if (job.config.layers.front() != X.rows())
            throw std::invalid_argument(
                name + ".config.layers: expected " + std::to_string(X.rows()) +
                " inputs (the features of X), got " + std::to_string(job.config.layers.front()));
        if (job.config.layers.back() != targets[static_cast<std::size_t>(job.targets)].rows())
            throw std::invalid_argument(
                name + ".config.layers: expected " +
                std::to_string(targets[static_cast<std::size_t>(job.targets)].rows()) +
                " outputs (the target columns), got " + std::to_string(job.config.layers.back()));
        if (scoring == Scoring::accuracy && job.accuracy == AccuracyRule::none)
            throw std::invalid_argument(
                name + ": scoring 'accuracy' needs a classifier's accuracy rule, got none");
    }

    std::vector<std::size_t> order(jobs.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::vector<double> cost(jobs.size());
    for (std::size_t j = 0; j < jobs.size(); ++j) cost[j] = job_cost(jobs[j], folds);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return cost[a] > cost[b]; });

    std::vector<SearchJobResult> results(jobs.size());
    std::atomic<int> done{0};

    const auto body = [&](int i, const Interrupt& cancel_check) {
        // One GEMM thread per job: the jobs themselves fill the cores, and a job's
        // arithmetic (hence its result) is the same whichever thread runs it.
        ThreadBudget single(1);
        const SearchJob& job = jobs[order[static_cast<std::size_t>(i)]];
        SearchJobResult& result = results[order[static_cast<std::size_t>(i)]];
        const Fold& fold = folds[static_cast<std::size_t>(job.fold)];
        const auto& T = targets[static_cast<std::size_t>(job.targets)];

        const auto fit_start = Clock::now();
        MLP<Scalar> model(job.config);
        {
            const Matrix X_train = gather_columns<Matrix>(X, fold.train);
            const Matrix T_train = gather_columns<Matrix>(T, fold.train);
            FitOptions options;
            options.epochs = job.epochs;
            options.accuracy = job.accuracy;
            options.threshold = job.threshold;
            options.early_stopping = job.early_stopping;
            options.patience = job.patience;
            options.tol = job.tol;
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
            const auto m = static_cast<double>(X_test.cols());
            switch (scoring) {
                case Scoring::accuracy:
                    result.score = static_cast<double>(model.count_correct(
                                       X_test, T_test, job.accuracy, job.threshold)) /
                                   m;
                    break;
                case Scoring::mse:
                    result.score =
                        static_cast<double>((model.predict(X_test) - T_test).squaredNorm()) /
                        (m * static_cast<double>(T_test.rows()));
                    break;
                case Scoring::loss:
                    result.score = model.loss(X_test, T_test);
                    break;
            }
        }
        result.score_seconds = seconds_since(score_start);
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

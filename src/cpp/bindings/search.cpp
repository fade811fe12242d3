// Bindings for annlib::fit_jobs: a whole grid-search batch in one call, GIL released.
#include "annlib/search.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"

namespace annlib_bindings {

namespace {

using annlib::AccuracyRule;
using annlib::SearchJob;

template <class Scalar>
using SamplesMap = Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>>;

// A (n, d) C-ordered numpy array seen, without copying, as the (d × n) column-major matrix.
template <class Scalar>
SamplesMap<Scalar> as_columns(const carray<Scalar>& a, const std::string& name) {
    if (a.ndim() != 2)
        throw std::invalid_argument(name + ": expected a 2-D array, got " +
                                    std::to_string(a.ndim()) + "-D");
    return SamplesMap<Scalar>(a.data(), a.shape(1), a.shape(0));
}

std::vector<Eigen::Index> as_indices(const carray<std::int64_t>& a, const std::string& name) {
    if (a.ndim() != 1)
        throw std::invalid_argument(name + ": expected a 1-D array of sample indices, got " +
                                    std::to_string(a.ndim()) + "-D");
    return std::vector<Eigen::Index>(a.data(), a.data() + a.size());
}

template <class Scalar>
py::list fit_jobs(const carray<Scalar>& X, const std::vector<carray<Scalar>>& targets,
                  const std::vector<std::pair<carray<std::int64_t>, carray<std::int64_t>>>& folds,
                  const std::vector<SearchJob>& jobs, const std::string& scoring, int n_threads,
                  std::optional<py::function> progress) {
    const auto x = as_columns<Scalar>(X, "X");
    std::vector<annlib::SamplesRef<Scalar>> t;
    t.reserve(targets.size());
    for (std::size_t i = 0; i < targets.size(); ++i)
        t.emplace_back(as_columns<Scalar>(targets[i], "targets[" + std::to_string(i) + "]"));
    std::vector<annlib::Fold> f(folds.size());
    for (std::size_t i = 0; i < folds.size(); ++i) {
        f[i].train = as_indices(folds[i].first, "folds[" + std::to_string(i) + "][0]");
        f[i].test = as_indices(folds[i].second, "folds[" + std::to_string(i) + "][1]");
    }
    const auto rule = annlib::from_name<annlib::Scoring>(scoring, "scoring");

    std::function<void(int)> on_progress;
    if (progress) {
        const py::function& fn = *progress;
        on_progress = [&fn](int done) {
            py::gil_scoped_acquire gil;
            fn(done);
        };
    }
    std::vector<annlib::SearchJobResult> results;
    {
        py::gil_scoped_release release;
        results = annlib::fit_jobs<Scalar>(x, t, f, jobs, rule, n_threads, python_interrupt(),
                                           on_progress);
    }

    py::list out;
    for (const auto& r : results) {
        py::dict d;
        d["score"] = r.score;
        d["fit_time"] = r.fit_seconds;
        d["score_time"] = r.score_seconds;
        d["loss"] = r.history.loss;
        d["accuracy"] = r.history.accuracy;
        d["error"] = r.error.empty() ? py::object(py::none()) : py::object(py::str(r.error));
        out.append(std::move(d));
    }
    return out;
}

constexpr const char* kFitJobsDoc =
    "fit_jobs(X, targets, folds, jobs, scoring, n_threads, progress)\n\n"
    "Train and score every SearchJob on up to n_threads threads (0: all), the GIL released.\n"
    "X is (n, d); targets is a list of (n, k) arrays; folds a list of (train, test) index arrays.\n"
    "progress(done) is called from this thread now and then. Returns one dict per job:\n"
    "score (NaN if it diverged), fit_time, score_time, loss, accuracy (per epoch), error.";

}  // namespace

void bind_search(py::module_& m) {
    py::class_<SearchJob>(m, "SearchJob",
                          "One configuration trained on one fold (the unit of annlib.grid_search).")
        .def(py::init([](const annlib::MLPConfig& config, int epochs, int fold, int targets,
                         const std::string& accuracy, double threshold, bool early_stopping,
                         int patience, double tol) {
                 SearchJob job;
                 job.config = config;
                 job.options.epochs = epochs;
                 job.fold = fold;
                 job.targets = targets;
                 job.options.accuracy = annlib::from_name<AccuracyRule>(accuracy, "accuracy");
                 job.options.threshold = threshold;
                 job.options.early_stopping = early_stopping;
                 job.options.patience = patience;
                 job.options.tol = tol;
                 return job;
             }),
             py::arg("config"), py::arg("epochs"), py::arg("fold"), py::arg("targets"),
             py::arg("accuracy"), py::arg("threshold"), py::arg("early_stopping") = false,
             py::arg("patience") = 10, py::arg("tol") = 1e-4)
        .def_property_readonly("epochs", [](const SearchJob& j) { return j.options.epochs; })
        .def_property_readonly("early_stopping",
                               [](const SearchJob& j) { return j.options.early_stopping; })
        .def_property_readonly("patience", [](const SearchJob& j) { return j.options.patience; })
        .def_property_readonly("tol", [](const SearchJob& j) { return j.options.tol; })
        .def_readonly("fold", &SearchJob::fold)
        .def_readonly("targets", &SearchJob::targets)
        .def_property_readonly("seed", [](const SearchJob& j) { return j.config.seed; })
        .def_property_readonly("layers", [](const SearchJob& j) { return j.config.layers; });

    m.def("fit_jobs64", &fit_jobs<double>, py::arg("X"), py::arg("targets"), py::arg("folds"),
          py::arg("jobs"), py::arg("scoring"), py::arg("n_threads"),
          py::arg("progress") = py::none(), kFitJobsDoc);
    m.def("fit_jobs32", &fit_jobs<float>, py::arg("X"), py::arg("targets"), py::arg("folds"),
          py::arg("jobs"), py::arg("scoring"), py::arg("n_threads"),
          py::arg("progress") = py::none(), kFitJobsDoc);
}

}  // namespace annlib_bindings

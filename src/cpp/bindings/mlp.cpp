// Bindings for annlib::MLP: arrays in, arrays out, the GIL released around the work.
#include "annlib/mlp.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "common.hpp"

namespace annlib_bindings {

namespace {

using annlib::AccuracyRule;
using annlib::MLPConfig;

// MLPConfig's hidden activations as names, for its Python property.
std::vector<std::string> hidden_activations_of(const MLPConfig& c) {
    std::vector<std::string> names;
    for (auto a : c.hidden_activations) names.emplace_back(annlib::name_of(a));
    return names;
}
void set_hidden_activations(MLPConfig& c, const std::vector<std::string>& names) {
    c.hidden_activations.clear();
    for (const auto& name : names)
        c.hidden_activations.push_back(annlib::from_name<annlib::Activation>(name, "activation"));
}

template <class Scalar>
using ConstMap = Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>>;

// A (n, d) C-ordered numpy array seen, without copying, as the (d × n) column-major matrix.
template <class Scalar>
ConstMap<Scalar> samples_as_columns(const carray<Scalar>& a, const char* name) {
    if (a.ndim() != 2)
        throw std::invalid_argument(std::string(name) + ": expected a 2-D array, got " +
                                    std::to_string(a.ndim()) + "-D");
    return ConstMap<Scalar>(a.data(), a.shape(1), a.shape(0));
}

// A (k × n) column-major matrix returned as a (n, k) numpy array the caller owns.
template <class Matrix>
py::array_t<typename Matrix::Scalar> columns_as_samples(const Matrix& m) {
    py::array_t<typename Matrix::Scalar> out({m.cols(), m.rows()});
    std::copy(m.data(), m.data() + m.size(), out.mutable_data());
    return out;
}

// The history's records from epoch `start` on (0: all of them): a fit callback that
// runs every k epochs takes only the new records, not the whole history each time.
py::dict history_dict(const annlib::History& h, std::size_t start = 0) {
    const auto from = [start](const auto& v) {
        return std::decay_t<decltype(v)>(
            v.begin() + static_cast<std::ptrdiff_t>(std::min(start, v.size())), v.end());
    };
    py::dict d;
    d["loss"] = from(h.loss);
    if (!h.accuracy.empty()) d["accuracy"] = from(h.accuracy);
    if (!h.val_loss.empty()) d["val_loss"] = from(h.val_loss);
    if (!h.val_accuracy.empty()) d["val_accuracy"] = from(h.val_accuracy);
    d["learning_rate"] = from(h.learning_rate);
    if (!h.function_evaluations.empty()) d["function_evaluations"] = from(h.function_evaluations);
    d["best_epoch"] = h.best_epoch;
    d["stopped_by"] = h.stopped_by;
    return d;
}

template <class Scalar>
void bind_mlp_class(py::module_& m, const char* name) {
    using Model = annlib::MLP<Scalar>;
    using Vector = typename Model::Vector;
    using Array = carray<Scalar>;

    py::class_<Model>(m, name, "The MLP engine for one dtype; use annlib.MLP instead.")
        .def(py::init([](const MLPConfig& c) { return new Model(c); }), py::arg("config"))
        .def_property_readonly("config", [](const Model& self) { return self.config(); })
        .def(
            "set_config", [](Model& self, const MLPConfig& c) { self.set_config(c); },
            py::arg("config"))
        .def("reset", &Model::reset)
        .def_property_readonly("n_parameters", &Model::n_parameters)
        .def(
            "weight",
            [](const Model& self, int i) {
                const auto w = self.weight(i);
                return columns_as_samples(typename Model::Matrix(w));
            },
            py::arg("layer"), "Weights of layer i as an (n_in, n_out) array.")
        .def(
            "bias", [](const Model& self, int i) { return Vector(self.bias(i)); }, py::arg("layer"))
        .def(
            "set_weight",
            [](Model& self, int i, const Array& w) {
                self.set_weight(i, samples_as_columns<Scalar>(w, "weights"));
            },
            py::arg("layer"), py::arg("w"))
        .def(
            "set_bias",
            [](Model& self, int i, const Array& b) {
                if (b.ndim() != 1) throw std::invalid_argument("biases: expected a 1-D array");
                self.set_bias(i, Eigen::Map<const Vector>(b.data(), b.shape(0)));
            },
            py::arg("layer"), py::arg("b"))
        .def_property_readonly("parameters",
                               [](const Model& self) { return Vector(self.parameters()); })
        .def(
            "set_parameters",
            [](Model& self, const Array& p) {
                if (p.ndim() != 1) throw std::invalid_argument("parameters: expected a 1-D array");
                self.set_parameters(Eigen::Map<const Vector>(p.data(), p.shape(0)));
            },
            py::arg("parameters"))
        .def(
            "forward",
            [](const Model& self, const Array& X) {
                const auto x = samples_as_columns<Scalar>(X, "X");
                std::vector<typename Model::Matrix> layers;
                {
                    py::gil_scoped_release release;
                    layers = self.forward(x);
                }
                py::list out;
                for (const auto& a : layers) out.append(columns_as_samples(a));
                return out;
            },
            py::arg("X"))
        .def(
            "predict",
            [](const Model& self, const Array& X) {
                const auto x = samples_as_columns<Scalar>(X, "X");
                typename Model::Matrix y;
                {
                    const auto interrupt = python_interrupt();  // Ctrl-C between blocks
                    py::gil_scoped_release release;
                    y = self.predict(x, interrupt);
                }
                return columns_as_samples(y);
            },
            py::arg("X"))
        .def(
            "loss",
            [](const Model& self, const Array& X, const Array& T) {
                const auto x = samples_as_columns<Scalar>(X, "X");
                const auto t = samples_as_columns<Scalar>(T, "y");
                const auto interrupt = python_interrupt();
                py::gil_scoped_release release;
                return self.loss(x, t, interrupt);
            },
            py::arg("X"), py::arg("T"))
        .def(
            "count_correct",
            [](const Model& self, const Array& X, const Array& T, const std::string& rule,
               double threshold) {
                const auto x = samples_as_columns<Scalar>(X, "X");
                const auto t = samples_as_columns<Scalar>(T, "y");
                const auto r = annlib::from_name<AccuracyRule>(rule, "accuracy");
                const auto interrupt = python_interrupt();
                py::gil_scoped_release release;
                return self.count_correct(x, t, r, threshold, interrupt);
            },
            py::arg("X"), py::arg("T"), py::arg("rule"), py::arg("threshold"))
        .def(
            "gradient",
            [](const Model& self, const Array& X, const Array& T) {
                const auto x = samples_as_columns<Scalar>(X, "X");
                const auto t = samples_as_columns<Scalar>(T, "y");
                py::gil_scoped_release release;
                return self.gradient(x, t);
            },
            py::arg("X"), py::arg("T"), "Gradient of loss(X, T) in the layout of `parameters`.")
        .def(
            "gradient_and_deltas",
            [](const Model& self, const Array& X, const Array& T) {
                const auto x = samples_as_columns<Scalar>(X, "X");
                const auto t = samples_as_columns<Scalar>(T, "y");
                typename Model::Vector grad;
                std::vector<typename Model::Matrix> deltas;
                {
                    py::gil_scoped_release release;
                    grad = self.gradient(x, t, &deltas);
                }
                py::list out;
                for (const auto& d : deltas) out.append(columns_as_samples(d));
                return py::make_tuple(grad, out);
            },
            py::arg("X"), py::arg("T"),
            "(gradient, [delta of layer 1, ..., delta of layer L]), each delta (n, units).")
        .def(
            "step",
            [](Model& self, const Array& X, const Array& T) {
                const auto x = samples_as_columns<Scalar>(X, "X");
                const auto t = samples_as_columns<Scalar>(T, "y");
                py::gil_scoped_release release;
                return self.step(x, t);
            },
            py::arg("X"), py::arg("T"))
        .def(
            "fit",
            [](Model& self, const Array& X, const Array& T, int epochs, const std::string& accuracy,
               double threshold, bool early_stopping, int patience, double tol, bool restore_best,
               int callback_every, std::optional<py::function> callback, std::optional<Array> X_val,
               std::optional<Array> T_val) {
                const auto x = samples_as_columns<Scalar>(X, "X");
                const auto t = samples_as_columns<Scalar>(T, "y");
                annlib::FitOptions options;
                options.epochs = epochs;
                options.accuracy = annlib::from_name<AccuracyRule>(accuracy, "accuracy");
                options.threshold = threshold;
                options.early_stopping = early_stopping;
                options.patience = patience;
                options.tol = tol;
                options.restore_best = restore_best;
                options.callback_every = callback_every;
                options.interrupt = python_interrupt();
                if (callback) {
                    // Runs on this thread with the GIL taken back; a Python exception propagates.
                    const py::function& fn = *callback;
                    options.callback = [&fn](const annlib::EpochRecord& r) {
                        py::gil_scoped_acquire gil;
                        py::object keep_going =
                            fn(r.epoch, r.loss, r.accuracy, r.val_loss, r.val_accuracy);
                        return keep_going.is_none() || keep_going.cast<bool>();
                    };
                }
                std::optional<ConstMap<Scalar>> xv, tv;
                if (X_val && T_val) {
                    xv.emplace(samples_as_columns<Scalar>(*X_val, "validation X"));
                    tv.emplace(samples_as_columns<Scalar>(*T_val, "validation y"));
                }
                {
                    py::gil_scoped_release release;
                    std::optional<typename Model::ConstRef> xr, tr;
                    if (xv) {
                        xr.emplace(*xv);
                        tr.emplace(*tv);
                    }
                    self.fit(x, t, options, xr ? &*xr : nullptr, tr ? &*tr : nullptr);
                }
                return history_dict(self.history());
            },
            py::arg("X"), py::arg("T"), py::arg("epochs"), py::arg("accuracy"),
            py::arg("threshold"), py::arg("early_stopping"), py::arg("patience"), py::arg("tol"),
            py::arg("restore_best"), py::arg("callback_every"), py::arg("callback"),
            py::arg("X_val"), py::arg("T_val"))
        .def_property_readonly("history",
                               [](const Model& self) { return history_dict(self.history()); })
        .def(
            "history_since",
            [](const Model& self, std::size_t start) {
                return history_dict(self.history(), start);
            },
            py::arg("start"))
        .def(
            "get_state",
            [](const Model& self) {
                const auto r = self.rng().state();
                const auto& o = self.optimizer_state();
                py::list words;
                for (auto w : r.words) words.append(py::int_(w));
                return py::make_tuple(words, r.spare_normal, r.has_spare_normal, Vector(o.first()),
                                      Vector(o.second()), o.steps());
            },
            "Generator and optimizer state: (rng words, spare normal, has spare, first, second, "
            "steps).")
        .def(
            "set_state",
            [](Model& self, const std::vector<std::uint64_t>& words, double spare, bool has_spare,
               const Array& first, const Array& second, long long steps) {
                if (words.size() != 4)
                    throw std::invalid_argument("state: expected 4 generator words");
                if (first.ndim() != 1 || second.ndim() != 1)
                    throw std::invalid_argument("state: expected 1-D optimizer vectors");
                annlib::Rng::State r{{words[0], words[1], words[2], words[3]}, spare, has_spare};
                self.optimizer_state().set(Eigen::Map<const Vector>(first.data(), first.shape(0)),
                                           Eigen::Map<const Vector>(second.data(), second.shape(0)),
                                           steps);
                self.rng().set_state(r);
            },
            py::arg("words"), py::arg("spare"), py::arg("has_spare"), py::arg("first"),
            py::arg("second"), py::arg("steps"))
        .def(
            "get_schedule_state",
            [](const Model& self) {
                const auto& s = self.schedule_state();
                return py::make_tuple(s.epochs, s.samples, s.scale, s.best, s.waited);
            },
            "Where the model is in its schedule: (epochs, samples, scale, best, waited).")
        .def(
            "set_schedule_state",
            [](Model& self, long long epochs, long long samples, double scale, double best,
               int waited) {
                if (epochs < 0 || samples < 0 || waited < 0 || !(scale > 0) ||
                    !std::isfinite(scale) || std::isnan(best))
                    throw std::invalid_argument(
                        "schedule state: expected counts >= 0, a finite scale > 0 and a best "
                        "loss that is a number");
                self.schedule_state() = annlib::ScheduleState{epochs, samples, scale, best, waited};
            },
            py::arg("epochs"), py::arg("samples"), py::arg("scale"), py::arg("best"),
            py::arg("waited"));
}

template <class T>
void bind_schedule_setting(py::class_<MLPConfig>& config, const char* name,
                           T annlib::ScheduleSettings::* member) {
    config.def_property(
        name, [member](const MLPConfig& c) { return c.schedule.*member; },
        [member](MLPConfig& c, T value) { c.schedule.*member = value; });
}

template <class T>
void bind_optimizer_setting(py::class_<MLPConfig>& config, const char* name,
                            T annlib::OptimizerSettings::* member) {
    config.def_property(
        name, [member](const MLPConfig& c) { return c.optimizer.*member; },
        [member](MLPConfig& c, T value) { c.optimizer.*member = value; });
}

}  // namespace

void bind_mlp(py::module_& m) {
    py::class_<MLPConfig> config(m, "MLPConfig",
                                 "Hyper-parameters of the MLP engine (validated by the engine).");
    config.def(py::init<>())
        .def_readwrite("layers", &MLPConfig::layers)
        .def_property("hidden_activations", &hidden_activations_of, &set_hidden_activations)
        .def_property(
            "output_activation",
            [](const MLPConfig& c) { return std::string(annlib::name_of(c.output_activation)); },
            [](MLPConfig& c, const std::string& s) {
                c.output_activation = annlib::from_name<annlib::Activation>(s, "output_activation");
            })
        .def_property(
            "loss", [](const MLPConfig& c) { return std::string(annlib::name_of(c.loss)); },
            [](MLPConfig& c, const std::string& s) {
                c.loss = annlib::from_name<annlib::Loss>(s, "loss");
            })
        .def_property(
            "optimizer",
            [](const MLPConfig& c) { return std::string(annlib::name_of(c.optimizer.kind)); },
            [](MLPConfig& c, const std::string& s) {
                c.optimizer.kind = annlib::from_name<annlib::Optimizer>(s, "optimizer");
            })
        .def_property(
            "init", [](const MLPConfig& c) { return std::string(annlib::name_of(c.init)); },
            [](MLPConfig& c, const std::string& s) {
                c.init = annlib::from_name<annlib::Init>(s, "init");
            })
        .def_property(
            "schedule",
            [](const MLPConfig& c) { return std::string(annlib::name_of(c.schedule.kind)); },
            [](MLPConfig& c, const std::string& s) {
                c.schedule.kind = annlib::from_name<annlib::Schedule>(s, "schedule");
            })
        .def_readwrite("leaky_slope", &MLPConfig::leaky_slope)
        .def_readwrite("l2", &MLPConfig::l2)
        .def_readwrite("max_grad_norm", &MLPConfig::max_grad_norm)
        .def_readwrite("batch_size", &MLPConfig::batch_size)
        .def_readwrite("shuffle", &MLPConfig::shuffle)
        .def_readwrite("init_mean", &MLPConfig::init_mean)
        .def_readwrite("init_std", &MLPConfig::init_std)
        .def_readwrite("seed", &MLPConfig::seed)
        .def("validate", &MLPConfig::validate);
    // One property per optimizer setting, from the engine's table of them.
    std::apply(
        [&config](auto... setting) {
            (bind_optimizer_setting(config, setting.first, setting.second), ...);
        },
        annlib::kOptimizerSettings);
    std::apply(
        [&config](auto... setting) {
            (bind_schedule_setting(config, setting.first, setting.second), ...);
        },
        annlib::kScheduleSettings);

    bind_mlp_class<double>(m, "MLP64");
    bind_mlp_class<float>(m, "MLP32");
}

}  // namespace annlib_bindings

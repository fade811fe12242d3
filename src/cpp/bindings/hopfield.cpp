// _core.Hopfield64 / _core.Hopfield32 and _core.hopfield_capacity_curve.
//
// Batches of states cross between numpy and the engine as in arrays.hpp.
#include "annlib/hopfield.hpp"

#include <memory>
#include <optional>

#include "arrays.hpp"
#include "common.hpp"

namespace annlib_bindings {

namespace {

template <class Scalar>
using Columns = typename annlib::Hopfield<Scalar>::Matrix;

template <class Scalar>
void bind_network(py::module_& m, const char* name) {
    using Net = annlib::Hopfield<Scalar>;
    using Vector = typename Net::Vector;
    using RowMatrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

    py::class_<Net>(m, name, "Hopfield network engine; use annlib.Hopfield.")
        .def(py::init([](int n_units, const std::string& rule, bool zero_diagonal, bool normalize,
                         std::uint64_t seed) {
                 return std::make_unique<Net>(n_units,
                                              annlib::from_name<annlib::HopfieldRule>(rule, "rule"),
                                              zero_diagonal, normalize, seed);
             }),
             py::arg("n_units"), py::arg("rule"), py::arg("zero_diagonal"), py::arg("normalize"),
             py::arg("seed"))
        .def_property_readonly("n_units", &Net::n_units)
        .def_property_readonly(
            "rule", [](const Net& net) { return std::string(annlib::name_of(net.rule())); })
        .def(
            "set_rule",
            [](Net& net, const std::string& rule) {
                net.set_rule(annlib::from_name<annlib::HopfieldRule>(rule, "rule"));
            },
            py::arg("rule"))
        .def_property_readonly("zero_diagonal", &Net::zero_diagonal)
        .def_property_readonly("normalize", &Net::normalize)
        .def_property_readonly("sparse", &Net::sparse)
        .def_property_readonly("activity", &Net::activity)
        .def_property_readonly("n_patterns", &Net::n_patterns)
        .def_property_readonly("seed", &Net::seed)
        .def_property_readonly("streams_used", &Net::streams_used)
        .def_property_readonly("symmetric", &Net::symmetric)
        .def_property_readonly("projection_diagonal",
                               [](const Net& net) { return Vector(net.projection_diagonal()); })
        .def("get_weights",
             [](const Net& net) {
                 py::array_t<Scalar> out({net.n_units(), net.n_units()});
                 Eigen::Map<RowMatrix>(out.mutable_data(), net.n_units(), net.n_units()) =
                     net.weights();
                 return out;
             })
        .def(
            "set_weights",
            [](Net& net, const carray<Scalar>& W) {
                if (W.ndim() != 2)
                    throw std::invalid_argument("W: expected a 2-D array, got " +
                                                std::to_string(W.ndim()) + "-D");
                const Eigen::Map<const RowMatrix> rows(W.data(), W.shape(0), W.shape(1));
                const Columns<Scalar> columns = rows;
                py::gil_scoped_release release;
                net.set_weights(columns);
            },
            py::arg("W"))
        .def("get_bias", [](const Net& net) { return Vector(net.bias()); })
        .def(
            "set_bias", [](Net& net, const Vector& theta) { net.set_bias(theta); }, py::arg("bias"))
        .def("set_perceptron", &Net::set_perceptron, py::arg("margin"), py::arg("max_epochs"))
        .def_property_readonly("margin", &Net::margin)
        .def_property_readonly("max_epochs", &Net::max_epochs)
        .def_property_readonly("perceptron_report",
                               [](const Net& net) {
                                   const auto& r = net.perceptron_report();
                                   py::dict out;
                                   out["epochs"] = r.epochs;
                                   out["converged"] = r.converged;
                                   out["unstable"] = r.unstable;
                                   out["worst_stability"] = r.worst;
                                   return out;
                               })
        .def_property_readonly(
            "perceptron_patterns",
            [](const Net& net) {
                return rows_of<Scalar>(Columns<Scalar>(net.perceptron_patterns()));
            })
        .def(
            "restore_perceptron_patterns",
            [](Net& net, const carray<Scalar>& patterns) {
                net.restore_perceptron_patterns(columns_of(patterns, "perceptron_patterns"));
            },
            py::arg("patterns"))
        .def("restore", &Net::restore, py::arg("projection_diagonal"), py::arg("activity"),
             py::arg("n_patterns"), py::arg("streams_used"))
        .def_property_readonly(
            "stored_patterns",
            [](const Net& net) -> std::optional<py::array_t<Scalar>> {
                if (!net.factored()) return std::nullopt;
                return rows_of<Scalar>(Columns<Scalar>(net.stored_patterns().transpose()));
            })
        .def(
            "restore_patterns",
            [](Net& net, const carray<Scalar>& patterns) {
                const Columns<Scalar> rows = columns_of(patterns, "patterns").transpose();
                py::gil_scoped_release release;
                net.restore_patterns(rows);
            },
            py::arg("patterns"))
        .def(
            "train",
            [](Net& net, const carray<Scalar>& patterns) {
                const auto columns = columns_of(patterns, "patterns");
                const auto interrupt = python_interrupt();
                py::gil_scoped_release release;
                net.train(columns, interrupt);
            },
            py::arg("patterns"))
        .def(
            "add",
            [](Net& net, const carray<Scalar>& patterns) {
                const auto columns = columns_of(patterns, "patterns");
                const auto interrupt = python_interrupt();
                py::gil_scoped_release release;
                net.add(columns, interrupt);
            },
            py::arg("patterns"))
        .def(
            "energy",
            [](const Net& net, const carray<Scalar>& states) {
                const auto columns = columns_of(states, "states");
                std::vector<double> out;
                {
                    py::gil_scoped_release release;
                    out = net.energy(columns);
                }
                return array_of<double>(out);
            },
            py::arg("states"))
        .def(
            "stable",
            [](const Net& net, const carray<Scalar>& states) {
                const auto columns = columns_of(states, "states");
                std::vector<std::uint8_t> out;
                {
                    py::gil_scoped_release release;
                    out = net.stable(columns);
                }
                return array_of<bool>(out);
            },
            py::arg("states"))
        .def(
            "update",
            [](Net& net, const carray<Scalar>& states, const std::string& mode,
               const std::string& order, const std::optional<std::vector<int>>& positions,
               double temperature) {
                const auto columns = columns_of(states, "states");
                const auto m = annlib::from_name<annlib::UpdateMode>(mode, "mode");
                const auto o = annlib::from_name<annlib::UpdateOrder>(order, "order");
                const auto interrupt = python_interrupt();
                Columns<Scalar> out;
                {
                    py::gil_scoped_release release;
                    out = net.update(columns, m, o, positions ? &*positions : nullptr, temperature,
                                     interrupt);
                }
                return rows_of<Scalar>(std::move(out));
            },
            py::arg("states"), py::arg("mode"), py::arg("order"), py::arg("positions"),
            py::arg("temperature"))
        .def(
            "recall",
            [](Net& net, const carray<Scalar>& probes, const std::string& mode,
               const std::string& order, int max_iter, const std::string& track_energy,
               double temperature) {
                const auto columns = columns_of(probes, "probes");
                annlib::RecallOptions options;
                options.mode = annlib::from_name<annlib::UpdateMode>(mode, "mode");
                options.order = annlib::from_name<annlib::UpdateOrder>(order, "order");
                options.max_iter = max_iter;
                options.track_energy =
                    annlib::from_name<annlib::EnergyTrace>(track_energy, "track_energy");
                options.temperature = temperature;
                const auto interrupt = python_interrupt();
                annlib::RecallResult<Scalar> result;
                {
                    py::gil_scoped_release release;
                    result = net.recall(columns, options, interrupt);
                }
                py::object energy = py::none();
                if (options.track_energy != annlib::EnergyTrace::none) {
                    py::list traces;
                    for (const auto& trace : result.energy) traces.append(array_of<double>(trace));
                    energy = traces;
                }
                return py::make_tuple(rows_of<Scalar>(std::move(result.states)),
                                      array_of<std::int64_t>(result.iterations),
                                      array_of<bool>(result.converged),
                                      array_of<bool>(result.cycle), energy);
            },
            py::arg("probes"), py::arg("mode"), py::arg("order"), py::arg("max_iter"),
            py::arg("track_energy"), py::arg("temperature"),
            "Returns (states, iterations, converged, cycle, energy traces or None).")
        .def("attractors", [](const Net& net) {
            const auto interrupt = python_interrupt();
            Columns<Scalar> out;
            {
                py::gil_scoped_release release;
                out = net.attractors(interrupt);
            }
            return rows_of<Scalar>(std::move(out));
        });
}

template <class Scalar>
std::vector<double> capacity(int n_units, const std::vector<double>& loads, const std::string& rule,
                             double noise, int trials, std::uint64_t seed, const std::string& mode,
                             int max_iter, double activity, bool zero_diagonal) {
    const auto r = annlib::from_name<annlib::HopfieldRule>(rule, "rule");
    const auto m = annlib::from_name<annlib::UpdateMode>(mode, "mode");
    const auto interrupt = python_interrupt();
    py::gil_scoped_release release;
    return annlib::capacity_curve<Scalar>(n_units, loads, r, noise, trials, seed, m, max_iter,
                                          activity, zero_diagonal, interrupt);
}

}  // namespace

void bind_hopfield(py::module_& m) {
    bind_network<double>(m, "Hopfield64");
    bind_network<float>(m, "Hopfield32");
    m.def(
        "hopfield_capacity_curve",
        [](int n_units, const std::vector<double>& loads, const std::string& rule, double noise,
           int trials, std::uint64_t seed, const std::string& mode, int max_iter, double activity,
           bool zero_diagonal, const std::string& dtype) {
            if (dtype == "float64")
                return capacity<double>(n_units, loads, rule, noise, trials, seed, mode, max_iter,
                                        activity, zero_diagonal);
            if (dtype == "float32")
                return capacity<float>(n_units, loads, rule, noise, trials, seed, mode, max_iter,
                                       activity, zero_diagonal);
            throw std::invalid_argument("dtype: expected 'float32' or 'float64', got '" + dtype +
                                        "'");
        },
        py::arg("n_units"), py::arg("loads"), py::arg("rule"), py::arg("noise"), py::arg("trials"),
        py::arg("seed"), py::arg("mode"), py::arg("max_iter"), py::arg("activity"),
        py::arg("zero_diagonal"), py::arg("dtype"),
        "Fraction of stored patterns recalled at each load; use annlib.capacity_curve.");
}

}  // namespace annlib_bindings

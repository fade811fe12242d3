// _core.DenseAssociativeMemory64 / 32: thin layer over annlib::DenseAssociativeMemory.
#include "annlib/dense_memory.hpp"

#include "arrays.hpp"

namespace annlib_bindings {

namespace {

template <class Scalar>
void bind_memory(py::module_& m, const char* name) {
    using Memory = annlib::DenseAssociativeMemory<Scalar>;
    py::class_<Memory>(m, name,
                       "Dense associative memory engine; use annlib.DenseAssociativeMemory.")
        .def(py::init([](int n_units, const std::string& interaction, int degree,
                         std::uint64_t seed) {
                 return std::make_unique<Memory>(
                     n_units, annlib::from_name<annlib::Interaction>(interaction, "interaction"),
                     degree, seed);
             }),
             py::arg("n_units"), py::arg("interaction"), py::arg("degree"), py::arg("seed"))
        .def_property_readonly("n_units", &Memory::n_units)
        .def_property_readonly(
            "interaction",
            [](const Memory& memory) { return std::string(annlib::name_of(memory.interaction())); })
        .def_property_readonly("degree", &Memory::degree)
        .def_property_readonly("seed", &Memory::seed)
        .def_property_readonly("streams_used", &Memory::streams_used)
        .def_property_readonly("n_patterns", &Memory::n_patterns)
        .def_property_readonly("patterns",
                               [](const Memory& memory) {
                                   return rows_of<Scalar>(ColumnMatrix<Scalar>(memory.patterns()));
                               })
        .def("restore", &Memory::restore, py::arg("streams_used"))
        .def(
            "train",
            [](Memory& memory, const carray<Scalar>& patterns) {
                const auto columns = columns_of(patterns, "patterns");
                py::gil_scoped_release release;
                memory.train(columns);
            },
            py::arg("patterns"))
        .def(
            "add",
            [](Memory& memory, const carray<Scalar>& patterns) {
                const auto columns = columns_of(patterns, "patterns");
                py::gil_scoped_release release;
                memory.add(columns);
            },
            py::arg("patterns"))
        .def(
            "energy",
            [](const Memory& memory, const carray<Scalar>& states) {
                const auto columns = columns_of(states, "states");
                std::vector<double> out;
                {
                    py::gil_scoped_release release;
                    out = memory.energy(columns);
                }
                return array_of<double>(out);
            },
            py::arg("states"))
        .def(
            "stable",
            [](const Memory& memory, const carray<Scalar>& states) {
                const auto columns = columns_of(states, "states");
                std::vector<std::uint8_t> out;
                {
                    py::gil_scoped_release release;
                    out = memory.stable(columns);
                }
                return array_of<bool>(out);
            },
            py::arg("states"))
        .def(
            "recall",
            [](Memory& memory, const carray<Scalar>& probes, const std::string& mode,
               const std::string& order, int max_iter, const std::string& track_energy) {
                const auto columns = columns_of(probes, "probes");
                annlib::RecallOptions options;
                options.mode = annlib::from_name<annlib::UpdateMode>(mode, "mode");
                options.order = annlib::from_name<annlib::UpdateOrder>(order, "order");
                options.max_iter = max_iter;
                options.track_energy =
                    annlib::from_name<annlib::EnergyTrace>(track_energy, "track_energy");
                const auto interrupt = python_interrupt();
                annlib::RecallResult<Scalar> result;
                {
                    py::gil_scoped_release release;
                    result = memory.recall(columns, options, interrupt);
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
            py::arg("track_energy"),
            "Returns (states, iterations, converged, cycle, energy traces or None).");
}

}  // namespace

void bind_dense_memory(py::module_& m) {
    bind_memory<double>(m, "DenseAssociativeMemory64");
    bind_memory<float>(m, "DenseAssociativeMemory32");
    m.attr("DENSE_MAX_DEGREE") = annlib::DenseAssociativeMemory<double>::max_degree;
}

}  // namespace annlib_bindings

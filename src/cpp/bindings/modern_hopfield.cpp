// _core.ModernHopfield64 / 32 and _core.BAM64 / 32: thin layers over the engine.
#include "annlib/modern_hopfield.hpp"

#include "annlib/bam.hpp"
#include "arrays.hpp"

namespace annlib_bindings {

namespace {

template <class Scalar>
void bind_modern(py::module_& m, const char* name) {
    using Net = annlib::ModernHopfield<Scalar>;
    py::class_<Net>(m, name, "Modern Hopfield network engine; use annlib.ModernHopfield.")
        .def(py::init<double>(), py::arg("beta"))
        .def_property("beta", &Net::beta, &Net::set_beta)
        .def_property_readonly("n_units", &Net::n_units)
        .def_property_readonly("n_patterns", &Net::n_patterns)
        .def_property_readonly(
            "patterns",
            [](const Net& net) { return rows_of<Scalar>(ColumnMatrix<Scalar>(net.patterns())); })
        .def(
            "store",
            [](Net& net, const carray<Scalar>& patterns) {
                const auto columns = columns_of(patterns, "patterns");
                py::gil_scoped_release release;
                net.store(columns);
            },
            py::arg("patterns"))
        .def(
            "add",
            [](Net& net, const carray<Scalar>& patterns) {
                const auto columns = columns_of(patterns, "patterns");
                py::gil_scoped_release release;
                net.add(columns);
            },
            py::arg("patterns"))
        .def(
            "retrieve",
            [](const Net& net, const carray<Scalar>& queries, int max_steps, bool until_converged,
               double tol) {
                const auto columns = columns_of(queries, "queries");
                const auto interrupt = python_interrupt();
                annlib::RetrieveResult<Scalar> result;
                {
                    py::gil_scoped_release release;
                    result = net.retrieve(columns, max_steps, until_converged, tol, interrupt);
                }
                return py::make_tuple(
                    rows_of<Scalar>(std::move(result.states)), array_of<std::int64_t>(result.steps),
                    array_of<bool>(result.converged), array_of<std::int64_t>(result.pattern),
                    array_of<double>(result.weight));
            },
            py::arg("queries"), py::arg("max_steps"), py::arg("until_converged"), py::arg("tol"),
            "Returns (states, steps, converged, pattern, weight).")
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
            "weights",
            [](const Net& net, const carray<Scalar>& states) {
                const auto columns = columns_of(states, "states");
                ColumnMatrix<Scalar> out;
                {
                    py::gil_scoped_release release;
                    out = net.weights(columns);
                }
                return rows_of<Scalar>(std::move(out));  // (B, P)
            },
            py::arg("states"))
        .def("separation", [](const Net& net) {
            const auto interrupt = python_interrupt();
            std::vector<double> out;
            {
                py::gil_scoped_release release;
                out = net.separation(interrupt);
            }
            return array_of<double>(out);
        });
}

template <class Scalar>
void bind_bam(py::module_& m, const char* name) {
    using Memory = annlib::BAM<Scalar>;
    using RowMatrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    py::class_<Memory>(m, name, "Bidirectional associative memory engine; use annlib.BAM.")
        .def(py::init<>())
        .def_property_readonly("x_units", &Memory::x_units)
        .def_property_readonly("y_units", &Memory::y_units)
        .def_property_readonly("n_pairs", &Memory::n_pairs)
        .def("get_weights",
             [](const Memory& memory) {
                 py::array_t<Scalar> out({memory.x_units(), memory.y_units()});
                 Eigen::Map<RowMatrix>(out.mutable_data(), memory.x_units(), memory.y_units()) =
                     memory.weights();
                 return out;
             })
        .def(
            "restore",
            [](Memory& memory, const carray<Scalar>& W, std::int64_t n_pairs) {
                if (W.ndim() != 2)
                    throw std::invalid_argument("W: expected a 2-D array, got " +
                                                std::to_string(W.ndim()) + "-D");
                const ColumnMatrix<Scalar> columns =
                    Eigen::Map<const RowMatrix>(W.data(), W.shape(0), W.shape(1));
                memory.restore(columns, n_pairs);
            },
            py::arg("W"), py::arg("n_pairs"))
        .def(
            "train",
            [](Memory& memory, const carray<Scalar>& X, const carray<Scalar>& Y) {
                const auto x = columns_of(X, "X");
                const auto y = columns_of(Y, "Y");
                py::gil_scoped_release release;
                memory.train(x, y);
            },
            py::arg("X"), py::arg("Y"))
        .def(
            "add",
            [](Memory& memory, const carray<Scalar>& X, const carray<Scalar>& Y) {
                const auto x = columns_of(X, "X");
                const auto y = columns_of(Y, "Y");
                py::gil_scoped_release release;
                memory.add(x, y);
            },
            py::arg("X"), py::arg("Y"))
        .def(
            "recall",
            [](const Memory& memory, const carray<Scalar>& start, bool from_x, int max_iter) {
                const auto columns = columns_of(start, from_x ? "x" : "y");
                const auto interrupt = python_interrupt();
                annlib::BamRecallResult<Scalar> result;
                {
                    py::gil_scoped_release release;
                    result = memory.recall(columns, from_x, max_iter, interrupt);
                }
                return py::make_tuple(
                    rows_of<Scalar>(std::move(result.x)), rows_of<Scalar>(std::move(result.y)),
                    array_of<std::int64_t>(result.iterations), array_of<bool>(result.converged));
            },
            py::arg("start"), py::arg("from_x"), py::arg("max_iter"),
            "Returns (x, y, iterations, converged).")
        .def(
            "energy",
            [](const Memory& memory, const carray<Scalar>& X, const carray<Scalar>& Y) {
                const auto x = columns_of(X, "x");
                const auto y = columns_of(Y, "y");
                return array_of<double>(memory.energy(x, y));
            },
            py::arg("x"), py::arg("y"));
}

}  // namespace

void bind_modern_hopfield(py::module_& m) {
    bind_modern<double>(m, "ModernHopfield64");
    bind_modern<float>(m, "ModernHopfield32");
    bind_bam<double>(m, "BAM64");
    bind_bam<float>(m, "BAM32");
}

}  // namespace annlib_bindings

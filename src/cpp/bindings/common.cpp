#include "common.hpp"

namespace annlib_bindings {

void bind_common(py::module_& m) {
    py::register_exception<annlib::DivergenceError>(m, "DivergenceError", PyExc_FloatingPointError);
    m.def("get_num_threads", &annlib::get_num_threads,
          "Number of threads the engine uses for large GEMMs and parallel jobs.");
    m.def("set_num_threads", &annlib::set_num_threads, py::arg("n"),
          "Cap the engine's threads at n (0 = every core).");
}

}  // namespace annlib_bindings

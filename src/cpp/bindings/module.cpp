// annlib._core: only calls the bind_* functions of each topic.
#include "common.hpp"

PYBIND11_MODULE(_core, m) {
    m.doc() = "annlib's compiled engine (C++17 + Eigen). Use the classes in `annlib`.";
    annlib_bindings::bind_common(m);
    annlib_bindings::bind_names(m);
    annlib_bindings::bind_mlp(m);
    annlib_bindings::bind_hopfield(m);
    annlib_bindings::bind_search(m);
    annlib_bindings::bind_dense_memory(m);
    annlib_bindings::bind_modern_hopfield(m);
    annlib_bindings::bind_lbfgs(m);
}

// One include for every binding file, so all of them see the same casters.
#pragma once

#include <pybind11/eigen.h>
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "annlib/control.hpp"

namespace py = pybind11;

namespace annlib_bindings {

// An Interrupt hook that raises KeyboardInterrupt (or whatever a signal handler
// raised) in the engine's loop.  Call with the GIL released; it takes it back
// only for the check, a few times a second.
inline annlib::Interrupt python_interrupt() {
    return [] {
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    };
}

// A C-contiguous array of T, converted (once) only if it is not one already.
template <class T>
using carray = py::array_t<T, py::array::c_style | py::array::forcecast>;

void bind_common(py::module_& m);
void bind_names(py::module_& m);
void bind_mlp(py::module_& m);
void bind_hopfield(py::module_& m);
void bind_search(py::module_& m);
void bind_dense_memory(py::module_& m);
void bind_modern_hopfield(py::module_& m);
void bind_lbfgs(py::module_& m);

}  // namespace annlib_bindings

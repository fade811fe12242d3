// Batches of states between numpy and the engine, for the associative memories.
//
// A batch is a C-ordered (B, N) array in Python and an N x B column-major matrix
// in the engine: the same memory, so nothing is copied on the way in, and
// results are handed over without a copy on the way out.
#pragma once

#include <Eigen/Core>
#include <memory>
#include <string>
#include <vector>

#include "common.hpp"

namespace annlib_bindings {

template <class Scalar>
using ColumnMatrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

// The (B, N) array as an N x B matrix view.
template <class Scalar>
Eigen::Map<const ColumnMatrix<Scalar>> columns_of(const carray<Scalar>& array, const char* name) {
    if (array.ndim() != 2)
        throw std::invalid_argument(std::string(name) + ": expected a 2-D array, got " +
                                    std::to_string(array.ndim()) + "-D");
    return {array.data(), static_cast<Eigen::Index>(array.shape(1)),
            static_cast<Eigen::Index>(array.shape(0))};
}

// Hands an N x B engine matrix to numpy as a (B, N) array that owns it.
template <class Scalar>
py::array_t<Scalar> rows_of(ColumnMatrix<Scalar>&& matrix) {
    auto owned = std::make_unique<ColumnMatrix<Scalar>>(std::move(matrix));
    const auto rows = static_cast<py::ssize_t>(owned->rows());
    const auto cols = static_cast<py::ssize_t>(owned->cols());
    Scalar* data = owned->data();
    py::capsule owner(owned.get(), [](void* p) { delete static_cast<ColumnMatrix<Scalar>*>(p); });
    owned.release();
    return py::array_t<Scalar>(
        {cols, rows},
        {rows * static_cast<py::ssize_t>(sizeof(Scalar)), static_cast<py::ssize_t>(sizeof(Scalar))},
        data, owner);
}

template <class T, class U>
py::array_t<T> array_of(const std::vector<U>& values) {
    py::array_t<T> out(static_cast<py::ssize_t>(values.size()));
    auto view = out.template mutable_unchecked<1>();
    for (std::size_t k = 0; k < values.size(); ++k)
        view(static_cast<py::ssize_t>(k)) = static_cast<T>(values[k]);
    return out;
}

}  // namespace annlib_bindings

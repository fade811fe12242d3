// Matrix products for layers of few units: the weights of a [2, 8, 2] network
// times 200 samples.
//
// Eigen's GEMM copies ("packs") both operands into blocks on every call; for an
// 8 × 2 weight matrix that set-up costs several times the arithmetic.  When a
// column of the result fits in up to four SIMD registers the work is simpler:
//
//   columns_product    C = b 1ᵀ + A B: each result column is built in registers
//                      from A's few columns (the forward pass, and Wᵀ δ);
//   sums_over_samples  C = U Vᵀ and U 1: one sweep over the samples with every
//                      sum in a register (the weight and bias gradients).
//
// MLP decides with `fits_columns` / `fits_sums` from the layer sizes only, so a
// model takes the same path for every batch.  Every output is a sum in a fixed
// order; no threads.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <type_traits>

namespace annlib::thin {

using Eigen::Index;

template <class Scalar>
using Packet = typename Eigen::internal::packet_traits<Scalar>::type;

// Scalars per SIMD register (8 doubles with AVX-512, 2 with SSE2).
template <class Scalar>
constexpr Index lanes = Eigen::internal::packet_traits<Scalar>::size;

// At most four registers per result column (32 doubles with AVX-512); deeper
// products and more sums reuse their operands enough for GEMM's packing to pay off.
constexpr Index kMaxRegisters = 4;
constexpr Index kMaxDepth = 16;
constexpr int kMaxSums = 4;

template <class Scalar>
constexpr Index registers_for(Index rows) {
    return (rows + lanes<Scalar> - 1) / lanes<Scalar>;
}

// C (rows × n) = A (rows × depth) · B (depth × n) in registers?
template <class Scalar>
bool fits_columns(Index rows, Index depth) {
    return registers_for<Scalar>(rows) <= kMaxRegisters && depth <= kMaxDepth;
}

// C (rows × sums) = U (rows × n) · V (sums × n)ᵀ in registers?
template <class Scalar>
bool fits_sums(Index rows, Index sums) {
    return registers_for<Scalar>(rows) <= kMaxRegisters && sums <= kMaxSums;
}

// Scalars of scratch memory the kernels need for zero-padded copies, allocated
// once by the caller.  Not local arrays: compilers over-align those for vector
// moves, and AddressSanitizer's fake stack frames do not honour that alignment.
template <class Scalar>
constexpr Index scratch_size = (kMaxDepth + kMaxSums + 2) * kMaxRegisters * lanes<Scalar>;

namespace detail {

namespace ei = Eigen::internal;

// Samples (columns) j < in_place(...) can be read or written as R whole packets
// starting at column j without leaving the block: the lanes past `rows` are then
// the next columns' values (never stored when reading, rewritten afterwards when
// writing).  The remaining columns go through a zero-padded copy.
template <class Scalar, int R>
Index in_place(Index rows, Index stride, Index n) {
    if (stride != rows) return 0;
    const Index values = (n - 1) * stride + rows;  // the block's contiguous span
    const Index first_out = (values - R * lanes<Scalar>) / stride + 1;
    return values < R * lanes<Scalar> ? 0 : std::min(n, first_out);
}

template <class Scalar, int R>
inline void load(const Scalar* from, Packet<Scalar> (&to)[R]) {
    for (int r = 0; r < R; ++r) to[r] = ei::ploadu<Packet<Scalar>>(from + r * lanes<Scalar>);
}

template <class Scalar, int R>
inline void load_padded(const Scalar* from, Index rows, Scalar* pad, Packet<Scalar> (&to)[R]) {
    std::fill(pad, pad + R * lanes<Scalar>, Scalar(0));
    std::copy(from, from + rows, pad);
    load<Scalar, R>(pad, to);
}

template <class Scalar, int R>
inline void store(const Packet<Scalar> (&from)[R], Scalar* to) {
    for (int r = 0; r < R; ++r) ei::pstoreu(to + r * lanes<Scalar>, from[r]);
}

template <class Scalar, int R>
void columns_product(Index rows, Index depth, Index n, const Scalar* a, const Scalar* bias,
                     const Scalar* b, Index ldb, Scalar* c, Index ldc, Scalar* pad) {
    constexpr Index W = lanes<Scalar>;
    Packet<Scalar> start[R];
    if (bias) {
        load_padded<Scalar, R>(bias, rows, pad, start);
    } else {
        for (int r = 0; r < R; ++r) start[r] = ei::pset1<Packet<Scalar>>(Scalar(0));
    }
    auto column = [&](Index j, Packet<Scalar>(&sum)[R]) {
        for (int r = 0; r < R; ++r) sum[r] = start[r];
        const Scalar* x = b + j * ldb;
        for (Index p = 0; p < depth; ++p) {
            const Packet<Scalar> xp = ei::pset1<Packet<Scalar>>(x[p]);
            for (int r = 0; r < R; ++r)
                sum[r] = ei::pmadd(ei::ploadu<Packet<Scalar>>(a + (p * R + r) * W), xp, sum[r]);
        }
    };
    const Index direct = in_place<Scalar, R>(rows, ldc, n);
    Index j = 0;
    for (; j < direct; ++j) {
        Packet<Scalar> sum[R];
        column(j, sum);
        store<Scalar, R>(sum, c + j * ldc);
    }
    for (; j < n; ++j) {
        Packet<Scalar> sum[R];
        column(j, sum);
        store<Scalar, R>(sum, pad);
        std::copy(pad, pad + rows, c + j * ldc);
    }
}

template <class Scalar, int R, int Sums>
inline void add_sample(const Packet<Scalar> (&x)[R], const Scalar* v,
                       Packet<Scalar> (&sums)[Sums + 1][R]) {
    for (int s = 0; s < Sums; ++s) {
        const Packet<Scalar> vs = ei::pset1<Packet<Scalar>>(v[s]);
        for (int r = 0; r < R; ++r) sums[s][r] = ei::pmadd(x[r], vs, sums[s][r]);
    }
    for (int r = 0; r < R; ++r) sums[Sums][r] = ei::padd(sums[Sums][r], x[r]);
}

// out[s] (R packets each) := Σ_j U(:, j) V(s, j) for s < Sums, out[Sums] := Σ_j U(:, j).
template <class Scalar, int R, int Sums>
void sums_over_samples(Index rows, Index n, const Scalar* u, Index ldu, const Scalar* v, Index ldv,
                       Scalar* out, Scalar* pad) {
    constexpr Index W = lanes<Scalar>;
    // Two sets of sums, for even and odd samples, so that consecutive multiply-adds
    // into one sum need not wait for each other -- when both fit in the registers.
    constexpr bool two_sets = 2 * (Sums + 1) * R <= 24;
    Packet<Scalar> even[Sums + 1][R], odd[Sums + 1][R];
    for (int s = 0; s <= Sums; ++s)
        for (int r = 0; r < R; ++r) even[s][r] = odd[s][r] = ei::pset1<Packet<Scalar>>(Scalar(0));
    const Index direct = in_place<Scalar, R>(rows, ldu, n);
    Index j = 0;
    for (; two_sets && j + 1 < direct; j += 2) {
        Packet<Scalar> x[R], y[R];
        load<Scalar, R>(u + j * ldu, x);
        load<Scalar, R>(u + (j + 1) * ldu, y);
        add_sample<Scalar, R, Sums>(x, v + j * ldv, even);
        add_sample<Scalar, R, Sums>(y, v + (j + 1) * ldv, odd);
    }
    for (; j < direct; ++j) {
        Packet<Scalar> x[R];
        load<Scalar, R>(u + j * ldu, x);
        add_sample<Scalar, R, Sums>(x, v + j * ldv, even);
    }
    for (; j < n; ++j) {
        Packet<Scalar> x[R];
        load_padded<Scalar, R>(u + j * ldu, rows, pad, x);
        add_sample<Scalar, R, Sums>(x, v + j * ldv, even);
    }
    for (int s = 0; s <= Sums; ++s) {
        Packet<Scalar> total[R];
        for (int r = 0; r < R; ++r) total[r] = ei::padd(even[s][r], odd[s][r]);
        store<Scalar, R>(total, out + s * R * W);
    }
}

template <class Scalar, int R, int Sums = 0>
void sums_dispatch(Index sums, Index rows, Index n, const Scalar* u, Index ldu, const Scalar* v,
                   Index ldv, Scalar* out, Scalar* pad) {
    if constexpr (Sums < kMaxSums) {
        if (sums != Sums)
            return sums_dispatch<Scalar, R, Sums + 1>(sums, rows, n, u, ldu, v, ldv, out, pad);
    }
    sums_over_samples<Scalar, R, Sums>(rows, n, u, ldu, v, ldv, out, pad);
}

// run(std::integral_constant<int, R>) for the run-time register count R (1..kMaxRegisters).
template <class Run>
void with_registers(Index registers, const Run& run) {
    static_assert(kMaxRegisters == 4, "one case per register count");
    switch (registers) {
        case 1:
            return run(std::integral_constant<int, 1>());
        case 2:
            return run(std::integral_constant<int, 2>());
        case 3:
            return run(std::integral_constant<int, 3>());
        default:
            return run(std::integral_constant<int, 4>());
    }
}

}  // namespace detail

// C (rows × n) := b 1ᵀ + A B, or A B when bias is null.  A: rows × depth (any
// expression); B: depth × n and C: rows × n, column-major with unit inner stride
// and not overlapping.  Requires fits_columns(rows, depth) and scratch_size values
// of scratch.
template <class DerivedA, class DerivedB, class DerivedC>
void columns_product(const Eigen::MatrixBase<DerivedA>& A, const Eigen::MatrixBase<DerivedB>& B,
                     const typename DerivedC::Scalar* bias, Eigen::MatrixBase<DerivedC>& C,
                     typename DerivedC::Scalar* scratch) {
    using Scalar = typename DerivedC::Scalar;
    const Index rows = A.rows(), depth = A.cols(), R = registers_for<Scalar>(rows);
    // A's columns, zero-padded to whole packets (read from L1 for every column of C).
    Scalar* a = scratch;
    Scalar* pad = scratch + depth * R * lanes<Scalar>;
    for (Index p = 0; p < depth; ++p) {
        Scalar* column = a + p * R * lanes<Scalar>;
        std::fill(column, column + R * lanes<Scalar>, Scalar(0));
        for (Index i = 0; i < rows; ++i) column[i] = A(i, p);
    }
    const auto& b = B.derived();
    auto& c = C.derived();
    const auto run = [&](auto registers) {
        detail::columns_product<Scalar, decltype(registers)::value>(rows, depth, b.cols(), a, bias,
                                                                    b.data(), b.outerStride(),
                                                                    c.data(), c.outerStride(), pad);
    };
    detail::with_registers(R, run);
}

// Sums over the n >= 1 samples (columns) of U (rows × n) and V (sums × n), both
// column-major with unit inner stride: C(:, s) := Σ_j U(:, j) V(s, j) for each s,
// or Cᵀ with `transposed` (C is then sums × rows); row_sums := Σ_j U(:, j) unless
// null.  Requires fits_sums(rows, sums) and scratch_size values of scratch.
template <class DerivedU, class DerivedV, class DerivedC>
void sums_over_samples(const Eigen::MatrixBase<DerivedU>& U, const Eigen::MatrixBase<DerivedV>& V,
                       Eigen::MatrixBase<DerivedC>& C, bool transposed,
                       typename DerivedC::Scalar* row_sums, typename DerivedC::Scalar* scratch) {
    using Scalar = typename DerivedC::Scalar;
    const auto& u = U.derived();
    const auto& v = V.derived();
    const Index rows = u.rows(), sums = v.rows(), R = registers_for<Scalar>(rows);
    Scalar* out = scratch;  // (sums + 1) × R packets
    Scalar* pad = scratch + (kMaxSums + 1) * kMaxRegisters * lanes<Scalar>;
    const auto run = [&](auto registers) {
        detail::sums_dispatch<Scalar, decltype(registers)::value>(
            sums, rows, u.cols(), u.data(), u.outerStride(), v.data(), v.outerStride(), out, pad);
    };
    detail::with_registers(R, run);
    for (Index s = 0; s < sums; ++s) {
        const Scalar* sum = out + s * R * lanes<Scalar>;
        for (Index i = 0; i < rows; ++i) (transposed ? C(s, i) : C(i, s)) = sum[i];
    }
    if (row_sums)
        std::copy(out + sums * R * lanes<Scalar>, out + sums * R * lanes<Scalar> + rows, row_sums);
}

// row_sums := Σ_j U(:, j) over the n >= 1 columns of U (rows × n).
// Requires fits_sums(rows, 0) and scratch_size values of scratch.
template <class DerivedU>
void row_sums(const Eigen::MatrixBase<DerivedU>& U, typename DerivedU::Scalar* row_sums,
              typename DerivedU::Scalar* scratch) {
    using Scalar = typename DerivedU::Scalar;
    Eigen::Matrix<Scalar, 0, 0> none;
    sums_over_samples(U, U.topRows(0), none, false, row_sums, scratch);
}

}  // namespace annlib::thin

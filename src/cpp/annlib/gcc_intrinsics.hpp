// Read first by every translation unit when the compiler is GCC < 13 (CMakeLists.txt).
//
// Those GCC versions warn inside their own AVX-512 intrinsics headers (GCC bug
// 105593: the self-initialised `__Y = __Y` of _mm256_undefined_pd and friends)
// wherever Eigen's vectorised code inlines them, hundreds of -Wmaybe-uninitialized
// warnings that say nothing about annlib.  Including the intrinsics once with
// those two warnings off silences exactly these lines, so -Werror stays usable
// and annlib's own code is still checked.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(__i386__))
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

// The engine's C++ tests need no framework: TEST_CASE registers a function,
// CHECK records a failed condition with its file, line and a message, and the
// shared main() (check.cpp) runs every case, or those named on the command line,
// and ends with "N passed, M failed".
//
//     TEST_CASE(stored_patterns_are_fixed_points) {
//         CHECK(net.stable(patterns)[0], "rule " + name);
//     }
#pragma once

#include <cmath>
#include <sstream>
#include <string>

namespace annlib_test {

using TestFunction = void (*)();

struct Register {
    Register(const char* name, TestFunction run);
};

// Records a failure of the running test case (and prints it) when `ok` is false.
bool check(bool ok, const char* condition, const std::string& message, const char* file, int line);

// |actual - expected| <= tolerance * (1 + |expected|): a relative error for large
// values and an absolute one near zero.
inline bool close(double actual, double expected, double tolerance) {
    return std::abs(actual - expected) <= tolerance * (1.0 + std::abs(expected));
}

// Any streamable values as one message: describe("unit ", i, " of ", n).
template <class... Parts>
std::string describe(const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
}

}  // namespace annlib_test

#define TEST_CASE(name)                                                            \
    static void name();                                                            \
    static const ::annlib_test::Register annlib_test_register_##name(#name, name); \
    static void name()

// CHECK(condition, message): non-fatal, so a loop over a table reports every bad row.
#define CHECK(condition, message) \
    ::annlib_test::check(static_cast<bool>(condition), #condition, (message), __FILE__, __LINE__)

// CHECK_THROWS(statement, Exception, message): the statement must throw Exception.
#define CHECK_THROWS(statement, Exception, message)                                          \
    do {                                                                                     \
        bool annlib_test_threw = false;                                                      \
        try {                                                                                \
            statement;                                                                       \
        } catch (const Exception&) {                                                         \
            annlib_test_threw = true;                                                        \
        }                                                                                    \
        ::annlib_test::check(annlib_test_threw, #statement " throws " #Exception, (message), \
                             __FILE__, __LINE__);                                            \
    } while (false)

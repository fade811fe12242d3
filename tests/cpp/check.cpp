// main() of every C++ test program: runs the registered cases (all, or those
// named as arguments) and exits non-zero when any check failed or any case threw.
#include "check.hpp"

#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace annlib_test {

namespace {

struct TestCase {
    const char* name;
    TestFunction run;
};

std::vector<TestCase>& registry() {
    static std::vector<TestCase> cases;
    return cases;
}

int failures_in_case = 0;
// A case that fails in a loop reports its first few rows, then only the count.
constexpr int kReportedFailures = 20;

}  // namespace

Register::Register(const char* name, TestFunction run) { registry().push_back({name, run}); }

bool check(bool ok, const char* condition, const std::string& message, const char* file, int line) {
    if (ok) return true;
    if (++failures_in_case <= kReportedFailures)
        std::cout << "  " << file << ":" << line << ": failed: " << condition << "\n    " << message
                  << "\n";
    return false;
}

}  // namespace annlib_test

int main(int argc, char** argv) {
    using namespace annlib_test;
    const std::vector<std::string> wanted(argv + 1, argv + argc);
    int passed = 0, failed = 0;
    for (const auto& test : registry()) {
        bool selected = wanted.empty();
        for (const auto& name : wanted) selected = selected || name == test.name;
        if (!selected) continue;
        failures_in_case = 0;
        try {
            test.run();
        } catch (const std::exception& error) {
            ++failures_in_case;
            std::cout << "  unexpected exception: " << error.what() << "\n";
        }
        if (failures_in_case == 0) {
            ++passed;
            std::cout << "ok      " << test.name << "\n";
        } else {
            ++failed;
            std::cout << "FAILED  " << test.name << " (" << failures_in_case << " failed checks)\n";
        }
    }
    if (passed + failed == 0) {
        std::cout << "no test case matched\n";
        return 1;
    }
    std::cout << passed << " passed, " << failed << " failed\n";
    return failed == 0 ? 0 : 1;
}

// parallel_for: every index once, a worker's exception rethrown on the calling
// thread, and the host's interrupt obeyed, with every thread joined each time.
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "annlib/control.hpp"
#include "check.hpp"

using annlib::Interrupt;
using annlib_test::describe;

namespace {

constexpr int kThreads = 2;

// Polls `cancel` until `done` holds or a few seconds pass (so a broken
// parallel_for fails the test instead of hanging it).
template <class Done>
void wait_polling(const Interrupt& cancel, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        cancel();
        std::this_thread::yield();
    }
}

// Counts the bodies running right now: zero once parallel_for has returned or
// thrown means every thread was joined.
struct Running {
    std::atomic<int> count{0};
    struct Scope {
        std::atomic<int>& count;
        explicit Scope(std::atomic<int>& c) : count(c) { ++count; }
        ~Scope() { --count; }
    };
};

}  // namespace

TEST_CASE(parallel_for_runs_every_index_once) {
    constexpr int n = 1000;
    std::vector<std::atomic<int>> visits(n);
    annlib::parallel_for(
        n, [&](int i, const Interrupt&) { ++visits[static_cast<std::size_t>(i)]; }, Interrupt(),
        kThreads);
    int wrong = 0;
    for (const auto& v : visits) wrong += v.load() != 1;
    CHECK(wrong == 0, describe(wrong, " of ", n, " indices not visited exactly once"));
}

TEST_CASE(parallel_for_rethrows_a_workers_exception_on_the_calling_thread) {
    constexpr int n = 100;
    const auto caller = std::this_thread::get_id();
    std::atomic<bool> worker_threw{false};
    std::atomic<int> started{0};
    Running running;
    std::string caught;
    try {
        annlib::parallel_for(
            n,
            [&](int i, const Interrupt& cancel) {
                Running::Scope scope(running.count);
                ++started;
                if (std::this_thread::get_id() != caller) {
                    worker_threw = true;
                    throw std::domain_error("item " + std::to_string(i) + " failed");
                }
                // The calling thread keeps its item until the worker's error cancels it.
                wait_polling(cancel, [&] { return false; });
            },
            Interrupt(), kThreads);
    } catch (const std::domain_error& error) {
        caught = error.what();
    } catch (const std::exception& error) {
        caught = std::string("the wrong exception: ") + error.what();
    }
    CHECK(worker_threw, "a worker thread ran an item");
    CHECK(caught.find("failed") != std::string::npos,
          describe("the worker's domain_error reaches the caller, got '", caught, "'"));
    CHECK(running.count == 0, "no item still running after parallel_for threw");
    CHECK(started < n, describe("the hand-out stops after the error: ", started.load(), " of ", n,
                                " items started"));
}

TEST_CASE(parallel_for_stops_when_the_interrupt_throws) {
    struct Stop : std::runtime_error {
        Stop() : std::runtime_error("stop") {}
    };
    constexpr int n = 100000;  // half a minute of work if the interrupt were ignored
    const auto caller = std::this_thread::get_id();
    std::atomic<int> started{0};
    std::atomic<bool> foreign_poll{false};
    Running running;
    const Interrupt interrupt = [&] {
        if (std::this_thread::get_id() != caller) foreign_poll = true;
        if (started >= 20) throw Stop();
    };
    bool stopped = false;
    try {
        annlib::parallel_for(
            n,
            [&](int, const Interrupt& cancel) {
                Running::Scope scope(running.count);
                ++started;
                // Half a millisecond of work, asking now and then whether to stop.
                const auto end = std::chrono::steady_clock::now() + std::chrono::microseconds(500);
                wait_polling(cancel, [&] { return std::chrono::steady_clock::now() >= end; });
            },
            interrupt, kThreads);
    } catch (const Stop&) {
        stopped = true;
    }
    CHECK(stopped, "the interrupt's exception reaches the caller");
    CHECK(started < n, describe(started.load(), " of ", n, " items started"));
    CHECK(running.count == 0, "no item still running after parallel_for threw");
    CHECK(!foreign_poll, "only the calling thread calls the interrupt hook");
}

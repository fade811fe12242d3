// What the engine needs from its host: errors, interruption and threads.
//
// The engine never talks to Python.  Long loops call an `Interrupt` hook now and
// then (at most every few tens of milliseconds); the host's hook throws to stop
// the work (the Python bindings raise KeyboardInterrupt from it).  Every loop
// is written so that such an exception leaves the object usable.
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace annlib {

// Training diverged (a loss or weight stopped being finite, or the loss grew by the
// factor kDivergenceGrowth of mlp.hpp); the model keeps its last acceptable weights.
class DivergenceError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Work abandoned because another thread of the same parallel job failed or was interrupted.
class Cancelled : public std::runtime_error {
  public:
    Cancelled() : std::runtime_error("cancelled") {}
};

// Called from long loops; throws to abandon the work.  An empty hook never interrupts.
using Interrupt = std::function<void()>;

// Rate-limits an Interrupt hook: poll() is cheap enough for every minibatch.
class InterruptPoller {
  public:
    explicit InterruptPoller(const Interrupt& hook,
                             std::chrono::milliseconds every = std::chrono::milliseconds(40))
        : hook_(hook), every_(every), last_(std::chrono::steady_clock::now()) {}

    void poll() {
        if (!hook_) return;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_ < every_) return;
        last_ = now;
        hook_();
    }
    void force() {
        if (hook_) hook_();
    }

  private:
    const Interrupt& hook_;
    std::chrono::milliseconds every_;
    std::chrono::steady_clock::time_point last_;
};

// Number of threads the engine may use (annlib.set_num_threads); 0 means "all cores".
int get_num_threads();
void set_num_threads(int n);

// Caps the threads Eigen's GEMMs may start from the current thread (OpenMP's
// per-thread setting), restoring the previous cap when it goes out of scope.
// Fits run by parallel_for use 1 so two levels of threads never oversubscribe.
// Budgets nest: an inner budget (MLP::fit asks for every thread on large batches) never
// raises the cap of an enclosing one on the same thread, only lowers it.
class ThreadBudget {
  public:
    explicit ThreadBudget(int threads);
    ~ThreadBudget();
    ThreadBudget(const ThreadBudget&) = delete;
    ThreadBudget& operator=(const ThreadBudget&) = delete;

  private:
    int previous_;
    int previous_cap_;
};

// Runs body(i) for i in [0, n) on up to get_num_threads() threads (the caller is one
// of them), handing out indices in order.  The calling thread alone calls `interrupt`
// (it may be tied to the host's main thread); worker threads see a shared flag.  The
// first exception stops the hand-out, every thread is joined, and it is rethrown
// here.  `body` receives (index, cancel_check) where cancel_check is an Interrupt the
// body may poll inside long items.
void parallel_for(int n, const std::function<void(int, const Interrupt&)>& body,
                  const Interrupt& interrupt = Interrupt(), int max_threads = 0);

}  // namespace annlib

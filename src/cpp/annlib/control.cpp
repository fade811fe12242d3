#include "annlib/control.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace annlib {

namespace {
std::atomic<int> g_num_threads{0};

// The default: OMP_NUM_THREADS when the user set it (the usual switch for every
// numeric library), otherwise every core.
int default_threads() {
    if (const char* env = std::getenv("OMP_NUM_THREADS")) {
        char* end = nullptr;
        const long n = std::strtol(env, &end, 10);
        if (end != env && n >= 1 && n <= 4096) return static_cast<int>(n);
    }
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}
}  // namespace

int get_num_threads() {
    const int n = g_num_threads.load();
    return n > 0 ? n : default_threads();
}

void set_num_threads(int n) {
    if (n < 0)
        throw std::invalid_argument("n_threads: expected an integer >= 0 (0 = all cores), got " +
                                    std::to_string(n));
    g_num_threads.store(n);
}

namespace {
thread_local int t_budget_cap =
    0;  // the innermost open ThreadBudget's cap on this thread (0: none)
}

ThreadBudget::ThreadBudget(int threads) : previous_(1), previous_cap_(t_budget_cap) {
    int cap = std::max(1, threads);
    if (previous_cap_ > 0) cap = std::min(cap, previous_cap_);
    t_budget_cap = cap;
#ifdef _OPENMP
    previous_ = omp_get_max_threads();
    omp_set_num_threads(cap);
#endif
}

ThreadBudget::~ThreadBudget() {
#ifdef _OPENMP
    omp_set_num_threads(previous_);
#endif
    t_budget_cap = previous_cap_;
}

void parallel_for(int n, const std::function<void(int, const Interrupt&)>& body,
                  const Interrupt& interrupt, int max_threads) {
    if (n <= 0) return;
    int threads = max_threads > 0 ? max_threads : get_num_threads();
    threads = std::max(1, std::min(threads, n));

    std::atomic<int> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr first_error;
    std::mutex error_mutex;

    const Interrupt worker_check = [&failed] {
        if (failed.load(std::memory_order_relaxed)) throw Cancelled();
    };

    auto record = [&](std::exception_ptr error) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!first_error) first_error = error;
        failed.store(true);
    };

    // Workers that have not finished yet; the caller waits on `finished` for the
    // count to reach zero, waking at least every 20 ms to answer Ctrl-C.
    int busy_workers = 0;
    std::mutex busy_mutex;
    std::condition_variable finished;
    auto worker = [&] {
        ThreadBudget single(1);  // the items run side by side; their GEMMs stay on one thread each
        try {
            for (int i = next.fetch_add(1); i < n && !failed.load(); i = next.fetch_add(1))
                body(i, worker_check);
        } catch (const Cancelled&) {
            // another thread's error is the one to report
        } catch (...) {
            record(std::current_exception());
        }
        {
            std::lock_guard<std::mutex> lock(busy_mutex);
            --busy_workers;
        }
        finished.notify_all();
    };

    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(threads - 1));
    try {
        for (int t = 1; t < threads; ++t) {
            {
                std::lock_guard<std::mutex> lock(busy_mutex);
                ++busy_workers;
            }
            pool.emplace_back(worker);
        }
    } catch (...) {
        {
            std::lock_guard<std::mutex> lock(busy_mutex);
            --busy_workers;  // that thread never started
        }
        record(std::current_exception());
    }

    // The calling thread works too, and it alone polls the host's interrupt hook.
    InterruptPoller poller(interrupt);
    const Interrupt caller_check = [&] {
        if (failed.load(std::memory_order_relaxed)) throw Cancelled();
        poller.poll();
    };
    try {
        ThreadBudget single(threads > 1 ? 1 : get_num_threads());
        for (int i = next.fetch_add(1); i < n && !failed.load(); i = next.fetch_add(1)) {
            poller.poll();
            body(i, caller_check);
        }
        // Keep answering Ctrl-C while the workers finish their last items.
        if (interrupt) {
            std::unique_lock<std::mutex> lock(busy_mutex);
            while (busy_workers > 0 && !failed.load()) {
                finished.wait_for(lock, std::chrono::milliseconds(20));
                lock.unlock();
                poller.force();
                lock.lock();
            }
        }
    } catch (const Cancelled&) {
    } catch (...) {
        record(std::current_exception());
    }
    for (auto& thread : pool) thread.join();
    if (first_error) std::rethrow_exception(first_error);
}

}  // namespace annlib

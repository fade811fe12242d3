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

namespace {

// One parallel_for: hands out the indices, keeps the first error and counts the
// workers still busy.
class ParallelRun {
  public:
    ParallelRun(int n, const std::function<void(int, const Interrupt&)>& body)
        : n_(n), body_(body) {}

    void record(std::exception_ptr error) {
        std::lock_guard<std::mutex> lock(error_mutex_);
        if (!first_error_) first_error_ = error;
        failed_.store(true);
    }
    bool failed() const { return failed_.load(std::memory_order_relaxed); }
    std::exception_ptr first_error() const { return first_error_; }

    // Runs items until none are left or one failed; `before` runs before each item.
    template <class Before>
    void work(const Interrupt& check, Before&& before) {
        for (int i = next_.fetch_add(1); i < n_ && !failed_.load(); i = next_.fetch_add(1)) {
            before();
            body_(i, check);
        }
    }

    // Starts threads - 1 workers into `pool`; a thread that cannot start is an error.
    void start_workers(int threads, std::vector<std::thread>& pool) {
        pool.reserve(static_cast<std::size_t>(threads - 1));
        try {
            for (int t = 1; t < threads; ++t) {
                {
                    std::lock_guard<std::mutex> lock(busy_mutex_);
                    ++busy_workers_;
                }
                pool.emplace_back([this] { worker(); });
            }
        } catch (...) {
            {
                std::lock_guard<std::mutex> lock(busy_mutex_);
                --busy_workers_;  // that thread never started
            }
            record(std::current_exception());
        }
    }

    // Keeps answering Ctrl-C while the workers finish their last items, waking at
    // least every 20 ms.
    void wait_for_workers(InterruptPoller& poller) {
        std::unique_lock<std::mutex> lock(busy_mutex_);
        while (busy_workers_ > 0 && !failed_.load()) {
            finished_.wait_for(lock, std::chrono::milliseconds(20));
            lock.unlock();
            poller.force();
            lock.lock();
        }
    }

  private:
    void worker() {
        ThreadBudget single(1);  // the items run side by side; their GEMMs stay on one thread each
        const Interrupt check = [this] {
            if (failed()) throw Cancelled();
        };
        try {
            work(check, [] {});
        } catch (const Cancelled&) {
            // another thread's error is the one to report
        } catch (...) {
            record(std::current_exception());
        }
        {
            std::lock_guard<std::mutex> lock(busy_mutex_);
            --busy_workers_;
        }
        finished_.notify_all();
    }

    const int n_;
    const std::function<void(int, const Interrupt&)>& body_;
    std::atomic<int> next_{0};
    std::atomic<bool> failed_{false};
    std::exception_ptr first_error_;
    std::mutex error_mutex_;
    int busy_workers_ = 0;
    std::mutex busy_mutex_;
    std::condition_variable finished_;
};

}  // namespace

void parallel_for(int n, const std::function<void(int, const Interrupt&)>& body,
                  const Interrupt& interrupt, int max_threads) {
    if (n <= 0) return;
    int threads = max_threads > 0 ? max_threads : get_num_threads();
    threads = std::max(1, std::min(threads, n));

    ParallelRun run(n, body);
    std::vector<std::thread> pool;
    run.start_workers(threads, pool);

    // The calling thread works too, and it alone polls the host's interrupt hook.
    InterruptPoller poller(interrupt);
    const Interrupt caller_check = [&] {
        if (run.failed()) throw Cancelled();
        poller.poll();
    };
    try {
        ThreadBudget single(threads > 1 ? 1 : get_num_threads());
        run.work(caller_check, [&] { poller.poll(); });
        if (interrupt) run.wait_for_workers(poller);
    } catch (const Cancelled&) {
    } catch (...) {
        run.record(std::current_exception());
    }
    for (auto& thread : pool) thread.join();
    if (run.first_error()) std::rethrow_exception(run.first_error());
}

}  // namespace annlib

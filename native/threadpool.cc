#include "threadpool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LATHE_PAUSE() _mm_pause()
#else
#define LATHE_PAUSE() std::this_thread::yield()
#endif

namespace lathe {
namespace {

// How long an idle worker keeps polling before it sleeps: long enough to bridge the
// JavaScript between two kernels of one training step, short enough not to burn a core.
constexpr auto kSpin = std::chrono::microseconds(100);

int defaultThreads() {
  if (const char* env = std::getenv("LATHE_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
#if defined(__linux__)
  // The CPUs this process may use (taskset, cgroups), not every CPU of the machine.
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

// One job at a time. `claim` packs the job's generation (high 32 bits) with the next task
// index (low 32 bits), so a worker that wakes late can never claim a task of a job that
// has been replaced: its compare-exchange fails once the generation moved on.
class Pool {
 public:
  Pool() : active_(defaultThreads()) { grow(active_); }

  int threads() const { return active_.load(); }

  int setThreads(int n) {
    if (n < 1) n = 1;
    std::lock_guard<std::mutex> busy(busy_);
    grow(n);
    active_ = n;
    return n;
  }

  void run(int64_t tasks, TaskFn fn, void* ctx) {
    if (tasks <= 0) return;
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (tasks == 1 || active_ == 1 || inJob_ || !busy.owns_lock()) {
      for (int64_t t = 0; t < tasks; t++) fn(ctx, t);
      return;
    }
    fn_ = fn;
    ctx_ = ctx;
    done_.store(0, std::memory_order_relaxed);
    uint64_t gen = (claim_.load() >> 32) + 1;
    tasks_.store((gen << 32) | static_cast<uint64_t>(tasks));
    claim_.store(gen << 32);
    if (sleepers_.load() > 0) {
      { std::lock_guard<std::mutex> lock(sleep_); }
      wake_.notify_all();
    }
    work(gen);
    // The last tasks are running on other threads. Spin briefly, then yield: on a busy
    // machine a worker may have lost its core, and spinning here could keep it from
    // getting it back.
    for (int i = 0; done_.load(std::memory_order_acquire) < tasks; i++) {
      if (i < 4096) {
        LATHE_PAUSE();
      } else {
        std::this_thread::yield();
      }
    }
  }

 private:
  // Claims and runs tasks of job `gen` until none are left.
  void work(uint64_t gen) {
    inJob_ = true;
    for (;;) {
      uint64_t c = claim_.load();
      uint64_t t = tasks_.load();
      if ((c >> 32) != gen || (t >> 32) != gen) break;
      uint64_t index = c & 0xffffffffu;
      if (index >= (t & 0xffffffffu)) break;
      if (!claim_.compare_exchange_weak(c, c + 1)) continue;
      fn_(ctx_, static_cast<int64_t>(index));
      done_.fetch_add(1, std::memory_order_release);
    }
    inJob_ = false;
  }

  void worker(int id) {
    uint64_t seen = claim_.load() >> 32;
    for (;;) {
      uint64_t gen = waitForJob(seen);
      seen = gen;
      if (id < active_.load()) work(gen);
    }
  }

  uint64_t waitForJob(uint64_t seen) {
    auto deadline = std::chrono::steady_clock::now() + kSpin;
    for (int i = 0;; i++) {
      uint64_t gen = claim_.load() >> 32;
      if (gen != seen) return gen;
      if ((i & 63) == 63 && std::chrono::steady_clock::now() > deadline) break;
      LATHE_PAUSE();
    }
    std::unique_lock<std::mutex> lock(sleep_);
    sleepers_.fetch_add(1);
    wake_.wait(lock, [&] { return (claim_.load() >> 32) != seen; });
    sleepers_.fetch_sub(1);
    return claim_.load() >> 32;
  }

  // Workers are never joined: the pool lives as long as the process (see poolInstance).
  void grow(int n) {
    while (static_cast<int>(workers_.size()) + 1 < n) {
      int id = static_cast<int>(workers_.size()) + 1;
      workers_.emplace_back([this, id] { worker(id); });
    }
  }

  std::mutex busy_;                 // held by the thread running a job
  std::atomic<int> active_;         // threads that take part, the caller included
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> claim_{0};  // generation << 32 | next task
  std::atomic<uint64_t> tasks_{0};  // generation << 32 | task count
  std::atomic<int64_t> done_{0};
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::mutex sleep_;
  std::condition_variable wake_;
  std::atomic<int> sleepers_{0};
  static thread_local bool inJob_;
};

thread_local bool Pool::inJob_ = false;

// Created on first use and deliberately never destroyed: destroying joinable threads at
// process exit would abort, and idle workers hold no resources worth releasing.
Pool& poolInstance() {
  static Pool* pool = new Pool();
  return *pool;
}

}  // namespace

float* scratch(int slot, int64_t n) {
  struct Buffer {
    float* p = nullptr;
    int64_t cap = 0;
  };
  // Leaked with the thread: pool threads live as long as the process.
  static thread_local Buffer buffers[6];
  Buffer& b = buffers[slot];
  if (n > b.cap) {
    std::free(b.p);
    size_t bytes = (static_cast<size_t>(n) * sizeof(float) + 63) / 64 * 64;
    b.p = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (!b.p) {
      // Built without exceptions, and a kernel has no way to report failure mid-call.
      std::fprintf(stderr, "lathe: out of memory allocating %zu bytes of kernel scratch\n", bytes);
      std::abort();
    }
    b.cap = n;
  }
  return b.p;
}

int numThreads() { return poolInstance().threads(); }
int setNumThreads(int n) { return poolInstance().setThreads(n); }
void parallelFor(int64_t tasks, TaskFn fn, void* ctx) { poolInstance().run(tasks, fn, ctx); }

}  // namespace lathe

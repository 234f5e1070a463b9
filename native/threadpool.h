// A persistent thread pool shared by every kernel. Workers spin briefly after each job
// (back-to-back kernels in a training step then start without a wake-up) and sleep on a
// condition variable otherwise. The calling thread always takes part, so a job never
// waits for a sleeping worker to wake: whoever is awake claims the tasks.
#pragma once
#include <cstdint>

namespace lathe {

using TaskFn = void (*)(void* ctx, int64_t task);

// Threads used by parallelFor (the caller included); starts at LATHE_NUM_THREADS or the
// number of CPUs this process may run on.
int numThreads();
// Changes the thread count (tests compare 1 against many); returns the new count.
int setNumThreads(int n);
// Runs fn(ctx, t) for t in [0, tasks) across the pool and returns when all are done.
// Nested calls, and calls while another JS thread holds the pool, run serially inline.
void parallelFor(int64_t tasks, TaskFn fn, void* ctx);  // tasks < 2^32

// A 64-byte-aligned buffer of at least n floats owned by the calling thread and reused by
// its later calls; `slot` tells apart buffers a thread needs at the same time.
float* scratch(int slot, int64_t n);  // slot < 6

}  // namespace lathe

"""The timing method of ../timing.ts for the Python peers: warm up (>= 2 calls and >= 0.2 s),
choose an iteration count so a sample lasts >= min_time, take `reps` samples of the mean
seconds per call. A first call of >= 1 s is the warm-up and at most 2 single-call samples
follow; one of >= 8 s is the only sample."""
import time

SLOW_CALL_S, GLACIAL_CALL_S = 1.0, 8.0


def measure(fn, reps, min_time, warmup=2, warmup_time=0.2):
    """Seconds per call, one entry per sample."""
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    if first >= GLACIAL_CALL_S:
        return [first]
    if first >= SLOW_CALL_S:
        return [time_calls(fn, 1) for _ in range(min(reps, 2))]
    k = 1
    while k < warmup or time.perf_counter() - start < warmup_time:
        fn()
        k += 1
    iters = max(1, int(min_time / max(time_calls(fn, 1), 1e-9)))
    return [time_calls(fn, iters) for _ in range(reps)]


def time_calls(fn, iters):
    t = time.perf_counter()
    for _ in range(iters):
        fn()
    return (time.perf_counter() - t) / iters

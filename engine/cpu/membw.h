/* membw.h - STREAM-style memory bandwidth, measured with the CPU backend's threads.
 *
 * Method (after McCalpin's STREAM, facts only): three arrays of doubles much
 * larger than the last-level cache, first touched by the threads that use
 * them; triad a[i] = b[i] + s*c[i], counted as 24 bytes per element (two reads,
 * one write; write-allocate traffic is not counted, as in STREAM); the best of
 * `reps` passes is reported. Also a read-only pass (sum of one array, 8 bytes
 * per element), closer to what a decode step does with the weights.
 */
#ifndef LLMCAP_CPU_MEMBW_H
#define LLMCAP_CPU_MEMBW_H

#include <stddef.h>

typedef struct cpu_membw {
    double triad_gbps;   /* GB/s = 1e9 bytes/s */
    double read_gbps;
    size_t array_bytes;
    int n_threads;
} cpu_membw;

/* Returns 0, or -1 when the arrays cannot be allocated or threads not started. */
int cpu_membw_measure(int n_threads, size_t array_bytes, int reps, cpu_membw *out);

#endif

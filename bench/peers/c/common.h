/* Shared helpers for the libzmq reference programs. Each program takes libzmq perf's
   positional arguments and prints libzmq perf's lines, so the benchmark harness reads
   them with the same parser as every other implementation. Timing uses
   CLOCK_MONOTONIC with nanosecond resolution (libzmq's zmq_stopwatch has microseconds);
   the printed figures are computed the same way. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static inline double now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static inline void die (const char *what)
{
    fprintf (stderr, "%s: %s\n", what, zmq_strerror (zmq_errno ()));
    exit (1);
}

static inline long parse_count (const char *s, const char *name)
{
    char *end;
    errno = 0;
    long v = strtol (s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 0) {
        fprintf (stderr, "bad %s: %s\n", name, s);
        exit (2);
    }
    return v;
}

/* recv_sized receives one message into msg (already initialised) and checks its size. */
static inline void recv_sized (void *s, zmq_msg_t *msg, size_t size)
{
    if (zmq_msg_recv (msg, s, 0) < 0)
        die ("zmq_msg_recv");
    if (zmq_msg_size (msg) != size) {
        fprintf (stderr, "message of incorrect size received: %zu, want %zu\n",
                 zmq_msg_size (msg), size);
        exit (1);
    }
}

/* ping_pong runs n REQ round trips of size-byte messages and returns the elapsed µs. */
static inline double ping_pong (void *s, size_t size, long n)
{
    zmq_msg_t msg;
    if (zmq_msg_init_size (&msg, size) != 0)
        die ("zmq_msg_init_size");
    memset (zmq_msg_data (&msg), 0, size);
    double start = now_us ();
    for (long i = 0; i < n; i++) {
        /* zmq_msg_send empties msg; the reply refills it. */
        if (zmq_msg_send (&msg, s, 0) < 0)
            die ("zmq_msg_send");
        recv_sized (s, &msg, size);
    }
    double elapsed = now_us () - start;
    zmq_msg_close (&msg);
    return elapsed;
}

/* echo answers n requests on a REP socket with the request itself. */
static inline void echo (void *s, size_t size, long n)
{
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    for (long i = 0; i < n; i++) {
        recv_sized (s, &msg, size);
        if (zmq_msg_send (&msg, s, 0) < 0)
            die ("zmq_msg_send");
    }
    zmq_msg_close (&msg);
}

/* drain receives n messages on a PULL socket: the first starts the clock, as libzmq's
   local_thr. Returns the µs from the first message to the last. */
static inline double drain (void *s, size_t size, long n)
{
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    recv_sized (s, &msg, size);
    double start = now_us ();
    for (long i = 0; i < n - 1; i++)
        recv_sized (s, &msg, size);
    double elapsed = now_us () - start;
    zmq_msg_close (&msg);
    return elapsed;
}

/* flood sends n messages of size bytes on a PUSH socket, a fresh message each time
   (bodies above 33 bytes are malloc'd by libzmq), payload left untouched. */
static inline void flood (void *s, size_t size, long n)
{
    for (long i = 0; i < n; i++) {
        zmq_msg_t msg;
        if (zmq_msg_init_size (&msg, size) != 0)
            die ("zmq_msg_init_size");
        if (zmq_msg_send (&msg, s, 0) < 0)
            die ("zmq_msg_send");
    }
}

static inline void print_latency (size_t size, long rt, double elapsed_us)
{
    printf ("message size: %d [B]\n", (int) size);
    printf ("roundtrip count: %d\n", (int) rt);
    printf ("average latency: %.3f [us]\n", elapsed_us / (double) (rt * 2));
}

static inline void print_throughput (size_t size, long count, double elapsed_us)
{
    if (elapsed_us <= 0)
        elapsed_us = 1;
    unsigned long throughput = (unsigned long) ((double) count / elapsed_us * 1e6);
    double megabits = (double) throughput * (double) size * 8 / 1e6;
    printf ("message size: %d [B]\n", (int) size);
    printf ("message count: %d\n", (int) count);
    printf ("mean throughput: %d [msg/s]\n", (int) throughput);
    printf ("mean throughput: %.3f [Mb/s]\n", megabits);
}

static inline void close_socket (void *s)
{
    if (zmq_close (s) != 0)
        die ("zmq_close");
}

static inline void term (void *ctx)
{
    if (zmq_ctx_term (ctx) != 0)
        die ("zmq_ctx_term");
}

#endif

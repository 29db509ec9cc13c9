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

/* Percentiles mode (-percentiles before the positional arguments of remote_lat and
   inproc_lat, as zmqbench's flag): ping_pong also times every round trip, and
   print_latency adds the round-trip p50, p90, p99, p99.9 and max, nearest rank, in
   zmqbench's lines ("roundtrip p50: 31.106 [us]"). */
static int percentiles_mode;
static double *rtt_us; /* one entry per timed round trip, filled by ping_pong */
static long rtt_n;

/* percentiles_flag removes "-percentiles" from the leading flags (it may come before or
   after -curve) and turns percentiles mode on. */
static inline void percentiles_flag (int *argc, char ***argv)
{
    for (int i = 1; i < *argc && (*argv)[i][0] == '-'; i++) {
        if (strcmp ((*argv)[i], "-percentiles") != 0)
            continue;
        for (int j = i; j > 0; j--)
            (*argv)[j] = (*argv)[j - 1];
        (*argc)--;
        (*argv)++;
        percentiles_mode = 1;
        return;
    }
}

/* ping_pong runs n REQ round trips of size-byte messages and returns the elapsed µs. In
   percentiles mode it also keeps each round trip's µs (one clock read per round trip,
   inside the timed loop, as zmqbench's). */
static inline double ping_pong (void *s, size_t size, long n)
{
    zmq_msg_t msg;
    if (zmq_msg_init_size (&msg, size) != 0)
        die ("zmq_msg_init_size");
    memset (zmq_msg_data (&msg), 0, size);
    if (percentiles_mode && n > 0) {
        rtt_us = malloc ((size_t) n * sizeof *rtt_us);
        if (!rtt_us) {
            fprintf (stderr, "no memory for %ld round-trip times\n", n);
            exit (1);
        }
        rtt_n = n;
    }
    double start = now_us ();
    double last = start;
    for (long i = 0; i < n; i++) {
        /* zmq_msg_send empties msg; the reply refills it. */
        if (zmq_msg_send (&msg, s, 0) < 0)
            die ("zmq_msg_send");
        recv_sized (s, &msg, size);
        if (rtt_us) {
            double t = now_us ();
            rtt_us[i] = t - last;
            last = t;
        }
    }
    double elapsed = now_us () - start;
    zmq_msg_close (&msg);
    return elapsed;
}

static inline int cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* rank is the nearest-rank p-th percentile of n sorted values (zmqbench's rule). */
static inline double rank (const double *sorted, long n, double p)
{
    long i = (long) ((double) n * p + 0.999999999) - 1;
    if (i < 0)
        i = 0;
    if (i >= n)
        i = n - 1;
    return sorted[i];
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

/* CURVE mode (-curve as the first argument of local_* and remote_*): the binding end is
   the CURVE server with zmq_curve(7)'s example server key pair, the connecting end the
   client with its example client key pair, as zmqbench -curve. These are public test
   vectors, for benchmarks only. */
static const char curve_server_public[] = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
static const char curve_server_secret[] = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";
static const char curve_client_public[] = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
static const char curve_client_secret[] = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";

static int curve_mode;

/* curve_flag removes a leading "-curve" from the arguments and turns CURVE mode on. */
static inline void curve_flag (int *argc, char ***argv)
{
    if (*argc > 1 && strcmp ((*argv)[1], "-curve") == 0) {
        curve_mode = 1;
        (*argv)[1] = (*argv)[0];
        (*argc)--;
        (*argv)++;
    }
}

/* secure makes s the CURVE server or client in CURVE mode; otherwise it does nothing.
   Call it before bind or connect. */
static inline void secure (void *s, int server)
{
    if (!curve_mode)
        return;
    int one = 1;
    if (server) {
        if (zmq_setsockopt (s, ZMQ_CURVE_SERVER, &one, sizeof one) != 0
            || zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, curve_server_secret, 40) != 0)
            die ("zmq_setsockopt (CURVE server)");
        return;
    }
    if (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, curve_server_public, 40) != 0
        || zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, curve_client_public, 40) != 0
        || zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, curve_client_secret, 40) != 0)
        die ("zmq_setsockopt (CURVE client)");
}

static inline void print_latency (size_t size, long rt, double elapsed_us)
{
    printf ("message size: %d [B]\n", (int) size);
    printf ("roundtrip count: %d\n", (int) rt);
    printf ("average latency: %.3f [us]\n", elapsed_us / (double) (rt * 2));
    if (!rtt_us || rtt_n == 0)
        return;
    qsort (rtt_us, (size_t) rtt_n, sizeof *rtt_us, cmp_double);
    printf ("roundtrip p50: %.3f [us]\n", rank (rtt_us, rtt_n, 0.50));
    printf ("roundtrip p90: %.3f [us]\n", rank (rtt_us, rtt_n, 0.90));
    printf ("roundtrip p99: %.3f [us]\n", rank (rtt_us, rtt_n, 0.99));
    printf ("roundtrip p99.9: %.3f [us]\n", rank (rtt_us, rtt_n, 0.999));
    printf ("roundtrip max: %.3f [us]\n", rtt_us[rtt_n - 1]);
    free (rtt_us);
    rtt_us = NULL;
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

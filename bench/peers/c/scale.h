/* Helpers of the scale programs (local_router, remote_dealers, remote_conns, local_idle,
   remote_idle): many sockets in one context, the file-descriptor limit, the resident
   memory of the process, and a readiness loop over many DEALERs. */
#ifndef BENCH_SCALE_H
#define BENCH_SCALE_H

#include "common.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

/* raise_nofile lifts the soft limit on open files to the hard limit: every libzmq
   socket holds a mailbox descriptor besides its connections. */
static inline void raise_nofile (void)
{
    struct rlimit rl;
    if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
            perror ("setrlimit RLIMIT_NOFILE");
    }
}

/* scale_ctx is a context that allows sockets sockets (libzmq's default is 1023). Each
   connected libzmq socket holds two descriptors, its mailbox and its connection: a
   count the file limit cannot hold fails here, clearly, rather than later in
   libzmq's reconnect loop. */
static inline void *scale_ctx (long sockets)
{
    raise_nofile ();
    struct rlimit rl;
    if (sockets > 1 && getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
        && (rlim_t) (2 * sockets + 64) > rl.rlim_cur) {
        fprintf (stderr, "%ld sockets need about %ld file descriptors (a mailbox and a connection each); the limit is %lu\n",
                 sockets, 2 * sockets + 64, (unsigned long) rl.rlim_cur);
        exit (1);
    }
    void *ctx = zmq_ctx_new ();
    if (!ctx)
        die ("zmq_ctx_new");
    if (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, (int) sockets + 16) != 0)
        die ("zmq_ctx_set ZMQ_MAX_SOCKETS");
    return ctx;
}

/* status_kib reads a "Name: N kB" line of /proc/self/status, such as VmRSS or VmHWM;
   -1 if it is missing. */
static inline long status_kib (const char *name)
{
    FILE *f = fopen ("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    size_t n = strlen (name);
    while (fgets (line, sizeof line, f)) {
        if (strncmp (line, name, n) == 0 && line[n] == ':') {
            v = strtol (line + n + 1, NULL, 10);
            break;
        }
    }
    fclose (f);
    return v;
}

/* steady_rss_kib samples VmRSS every 100 ms until three samples in a row lie within
   1% (or 64 KiB) of each other, for at most about 10 s, and returns the last. */
static inline long steady_rss_kib (void)
{
    long prev[3] = {-1, -1, -1};
    for (int i = 0; i < 100; i++) {
        long v = status_kib ("VmRSS");
        prev[0] = prev[1];
        prev[1] = prev[2];
        prev[2] = v;
        if (prev[0] >= 0) {
            long lo = prev[0], hi = prev[0];
            for (int j = 1; j < 3; j++) {
                lo = prev[j] < lo ? prev[j] : lo;
                hi = prev[j] > hi ? prev[j] : hi;
            }
            if (hi - lo <= 64 || (double) (hi - lo) <= 0.01 * (double) hi)
                return v;
        }
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep (&ts, NULL);
    }
    return prev[2];
}

/* wide_backlog sets the listen backlog of s to the system's limit
   (/proc/sys/net/core/somaxconn), as Go's net.Listen does: with libzmq's default of
   100, thousands of peers connecting at once lose SYNs and wait out the kernel's
   retransmission backoff (a second, then three, seven ...), which would measure the
   setting rather than the library. Call it before zmq_bind. */
static inline void wide_backlog (void *s)
{
    FILE *f = fopen ("/proc/sys/net/core/somaxconn", "r");
    int backlog = 0;
    if (f) {
        if (fscanf (f, "%d", &backlog) != 1)
            backlog = 0;
        fclose (f);
    }
    if (backlog > 0 && zmq_setsockopt (s, ZMQ_BACKLOG, &backlog, sizeof backlog) != 0)
        die ("zmq_setsockopt ZMQ_BACKLOG");
}

/* dealers opens n DEALER sockets in ctx and connects each to endpoint. */
static inline void **dealers (void *ctx, long n, const char *endpoint)
{
    void **s = calloc ((size_t) n, sizeof *s);
    if (!s) {
        fprintf (stderr, "out of memory\n");
        exit (1);
    }
    for (long i = 0; i < n; i++) {
        s[i] = zmq_socket (ctx, ZMQ_DEALER);
        if (!s[i])
            die ("zmq_socket");
        int linger = 1000;
        if (zmq_setsockopt (s[i], ZMQ_LINGER, &linger, sizeof linger) != 0)
            die ("zmq_setsockopt ZMQ_LINGER");
        if (zmq_connect (s[i], endpoint) != 0)
            die ("zmq_connect");
    }
    return s;
}

/* recv_each receives one message of size bytes on each of the n sockets, blocking on
   one after the other: all are in flight at once, so this waits for the last. */
static inline void recv_each (void **s, long n, size_t size)
{
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    for (long i = 0; i < n; i++)
        recv_sized (s[i], &msg, size);
    zmq_msg_close (&msg);
}

/* send_each sends one message of size bytes (zeros) on each of the n sockets. */
static inline void send_each (void **s, long n, size_t size)
{
    char *body = calloc (1, size + 1);
    for (long i = 0; i < n; i++)
        if (zmq_send (s[i], body, size, 0) < 0)
            die ("zmq_send");
    free (body);
}

static inline void close_all (void **s, long n)
{
    for (long i = 0; i < n; i++)
        close_socket (s[i]);
    free (s);
}

#endif

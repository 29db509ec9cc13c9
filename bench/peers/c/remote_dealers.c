/* remote_dealers <connect-to> <message-size> <request-count> <clients>: clients DEALER
   sockets in one process against local_router, each keeping a window of up to 4
   requests of message-size bytes outstanding, request-count requests in all (spread
   evenly). First every DEALER makes one round trip with an empty request (connected
   and handshaken), then the clock runs until the last reply. One thread serves every
   socket: epoll over each socket's ZMQ_FD, and on each wake-up the socket's replies are
   drained (ZMQ_DONTWAIT until EAGAIN, which also re-arms its ZMQ_FD) and its window
   refilled. Prints:

       clients: 1000
       replies: 100000
       mean throughput: 81234 [msg/s]   (replies / elapsed) */
#include "scale.h"

#define WINDOW 4

int main (int argc, char *argv[])
{
    if (argc != 5) {
        fprintf (stderr, "usage: remote_dealers <connect-to> <message-size> <request-count> <clients>\n");
        return 2;
    }
    size_t size = (size_t) parse_count (argv[2], "message-size");
    long total = parse_count (argv[3], "request-count");
    long n = parse_count (argv[4], "clients");
    if (size < 1 || total < 1 || n < 1) {
        fprintf (stderr, "message-size, request-count and clients must be positive\n");
        return 2;
    }
    void *ctx = scale_ctx (n);
    void **s = dealers (ctx, n, argv[1]);
    send_each (s, n, 0); /* warm-up: one empty round trip each */
    recv_each (s, n, 0);

    long *left = calloc ((size_t) n, sizeof *left); /* requests still to send */
    char *body = calloc (1, size);
    char *buf = malloc (size + 1);
    int ep = epoll_create1 (0);
    if (!left || !body || !buf || ep < 0) {
        perror ("setup");
        return 1;
    }
    for (long i = 0; i < n; i++) {
        left[i] = total / n + (i < total % n ? 1 : 0);
        int fd;
        size_t len = sizeof fd;
        if (zmq_getsockopt (s[i], ZMQ_FD, &fd, &len) != 0)
            die ("zmq_getsockopt ZMQ_FD");
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t) i};
        if (epoll_ctl (ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            perror ("epoll_ctl");
            return 1;
        }
    }
    long received = 0;
    double start = now_us ();
    for (long i = 0; i < n; i++)
        for (int w = 0; w < WINDOW && left[i] > 0; w++, left[i]--)
            if (zmq_send (s[i], body, size, 0) < 0)
                die ("zmq_send");
    struct epoll_event evs[256];
    int idle = 0;
    while (received < total) {
        int k = epoll_wait (ep, evs, 256, 100);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            perror ("epoll_wait");
            return 1;
        }
        if (k == 0 && ++idle > 300) {
            fprintf (stderr, "no reply for 30 s: %ld of %ld received\n", received, total);
            return 1;
        }
        /* A quiet tenth of a second: look at every socket, in case a wake-up was
           consumed by a send. */
        long m = k > 0 ? k : n;
        for (long j = 0; j < m; j++) {
            long i = k > 0 ? (long) evs[j].data.u64 : j;
            for (;;) {
                int r = zmq_recv (s[i], buf, size + 1, ZMQ_DONTWAIT);
                if (r < 0) {
                    if (zmq_errno () == EAGAIN)
                        break;
                    die ("zmq_recv");
                }
                if ((size_t) r != size) {
                    fprintf (stderr, "reply of %d bytes, want %zu\n", r, size);
                    return 1;
                }
                received++;
                idle = 0;
                if (left[i] > 0) {
                    if (zmq_send (s[i], body, size, 0) < 0)
                        die ("zmq_send");
                    left[i]--;
                }
            }
        }
    }
    double elapsed = now_us () - start;
    if (elapsed <= 0)
        elapsed = 1;
    printf ("clients: %ld\n", n);
    printf ("replies: %ld\n", received);
    printf ("mean throughput: %.0f [msg/s]\n", (double) received / elapsed * 1e6);
    fflush (stdout);
    close (ep);
    free (left);
    free (body);
    free (buf);
    close_all (s, n);
    term (ctx);
    return 0;
}

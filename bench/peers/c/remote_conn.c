/* remote_conn [-curve] <connect-to> <message-size> <connection-count>: new connections
   per second. For each connection a new REQ socket connects, makes one round trip of a
   message-size body (which completes only after the handshake, CURVE's included) and
   is closed; one connection after another, in one context. The clock runs from before
   the first socket to after the last zmq_close (which returns at once: libzmq tears the
   connection down in its I/O thread). */
#include "common.h"

int main (int argc, char *argv[])
{
    curve_flag (&argc, &argv);
    if (argc != 4) {
        fprintf (stderr, "usage: remote_conn [-curve] <connect-to> <message-size> <connection-count>\n");
        return 2;
    }
    size_t size = (size_t) parse_count (argv[2], "message-size");
    long n = parse_count (argv[3], "connection-count");
    if (n < 1) {
        fprintf (stderr, "connection-count must be positive\n");
        return 2;
    }
    void *ctx = zmq_ctx_new ();
    double start = now_us ();
    for (long i = 0; i < n; i++) {
        void *s = zmq_socket (ctx, ZMQ_REQ);
        if (!s)
            die ("zmq_socket");
        secure (s, 0);
        if (zmq_connect (s, argv[1]) != 0)
            die ("zmq_connect");
        ping_pong (s, size, 1);
        close_socket (s);
    }
    double elapsed = now_us () - start;
    if (elapsed <= 0)
        elapsed = 1;
    printf ("message size: %d [B]\n", (int) size);
    printf ("connection count: %d\n", (int) n);
    printf ("mean connection rate: %.1f [conn/s]\n", (double) n / elapsed * 1e6);
    term (ctx);
    return 0;
}

/* local_router <bind-to> <message-size> <request-count>: a ROUTER that echoes every
   request to its sender, for remote_dealers (many DEALERs with a window of requests)
   and remote_conns (many DEALERs making one round trip each). Requests of
   message-size bytes count; empty ones (the clients' warm-up round trips) are echoed
   without counting. It stops after request-count requests and prints its own
   throughput (first counted request to last) and its resident memory:

       message size: 64 [B]
       request count: 100000
       server throughput: 81234 [msg/s]
       server rss: 123456 [KiB]        (VmRSS at the end)
       server peak rss: 130000 [KiB]   (VmHWM) */
#include "scale.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (stderr, "usage: local_router <bind-to> <message-size> <request-count>\n");
        return 2;
    }
    size_t size = (size_t) parse_count (argv[2], "message-size");
    long n = parse_count (argv[3], "request-count");
    if (size < 1 || n < 1) {
        fprintf (stderr, "message-size and request-count must be positive (empty requests are warm-ups)\n");
        return 2;
    }
    void *ctx = scale_ctx (1);
    void *s = zmq_socket (ctx, ZMQ_ROUTER);
    if (!s)
        die ("zmq_socket");
    wide_backlog (s);
    if (zmq_bind (s, argv[1]) != 0)
        die ("zmq_bind");
    zmq_msg_t id, body;
    zmq_msg_init (&id);
    zmq_msg_init (&body);
    double start = 0;
    for (long done = 0; done < n;) {
        if (zmq_msg_recv (&id, s, 0) < 0)
            die ("zmq_msg_recv");
        if (!zmq_msg_more (&id)) {
            fprintf (stderr, "ROUTER message without a body\n");
            return 1;
        }
        if (zmq_msg_recv (&body, s, 0) < 0)
            die ("zmq_msg_recv");
        if (zmq_msg_more (&body)) {
            fprintf (stderr, "request of more than one frame\n");
            return 1;
        }
        size_t got = zmq_msg_size (&body);
        if (got != size && got != 0) {
            fprintf (stderr, "request of %zu bytes, want %zu or 0\n", got, size);
            return 1;
        }
        if (got == size) {
            if (done == 0)
                start = now_us ();
            done++;
        }
        if (zmq_msg_send (&id, s, ZMQ_SNDMORE) < 0 || zmq_msg_send (&body, s, 0) < 0)
            die ("zmq_msg_send");
    }
    double elapsed = now_us () - start;
    if (elapsed <= 0)
        elapsed = 1;
    printf ("message size: %d [B]\n", (int) size);
    printf ("request count: %ld\n", n);
    printf ("server throughput: %.0f [msg/s]\n", (double) n / elapsed * 1e6);
    printf ("server rss: %ld [KiB]\n", status_kib ("VmRSS"));
    printf ("server peak rss: %ld [KiB]\n", status_kib ("VmHWM"));
    fflush (stdout);
    zmq_msg_close (&id);
    zmq_msg_close (&body);
    close_socket (s); /* linger: the last replies still go out */
    term (ctx);
    return 0;
}

/* local_idle <bind-to> <clients>: memory per idle connection. A ROUTER notes its
   resident memory (VmRSS) before it binds (so before any peer), waits until clients
   peers have sent one message each, waits for its memory to settle (three samples
   100 ms apart within 1%), and prints:

       clients: 2000
       rss before: 3456 [KiB]
       rss after: 95000 [KiB]
       memory per connection: 46900 [B]     ((after - before) / clients)

   Then it sends each peer one empty message, the release remote_idle waits for, and
   exits. */
#include "scale.h"

int main (int argc, char *argv[])
{
    if (argc != 3) {
        fprintf (stderr, "usage: local_idle <bind-to> <clients>\n");
        return 2;
    }
    long n = parse_count (argv[2], "clients");
    if (n < 1) {
        fprintf (stderr, "clients must be positive\n");
        return 2;
    }
    void *ctx = scale_ctx (1);
    void *s = zmq_socket (ctx, ZMQ_ROUTER);
    if (!s)
        die ("zmq_socket");
    long before = steady_rss_kib (); /* before binding: no peer yet */
    wide_backlog (s);
    if (zmq_bind (s, argv[1]) != 0)
        die ("zmq_bind");
    zmq_msg_t *ids = calloc ((size_t) n, sizeof *ids);
    if (!ids) {
        fprintf (stderr, "out of memory\n");
        return 1;
    }
    zmq_msg_t body;
    zmq_msg_init (&body);
    for (long i = 0; i < n; i++) {
        zmq_msg_init (&ids[i]);
        if (zmq_msg_recv (&ids[i], s, 0) < 0 || zmq_msg_recv (&body, s, 0) < 0)
            die ("zmq_msg_recv");
    }
    long after = steady_rss_kib ();
    printf ("clients: %ld\n", n);
    printf ("rss before: %ld [KiB]\n", before);
    printf ("rss after: %ld [KiB]\n", after);
    printf ("memory per connection: %.0f [B]\n", (double) (after - before) * 1024 / (double) n);
    fflush (stdout);
    for (long i = 0; i < n; i++) {
        if (zmq_msg_send (&ids[i], s, ZMQ_SNDMORE) < 0 || zmq_send (s, "", 0, 0) < 0)
            die ("zmq_send");
    }
    free (ids);
    zmq_msg_close (&body);
    close_socket (s);
    term (ctx);
    return 0;
}

/* remote_conns <connect-to> <clients>: connection setup rate against local_router
   (given message-size 1 and request-count clients). Opens clients DEALER sockets at
   once, each connecting and sending one 1-byte request, then waits for every reply:
   a reply cannot come before its connection's handshake. The clock runs from before
   the first socket to the last reply. Prints:

       clients: 1000
       mean connection rate: 2143.7 [conn/s] */
#include "scale.h"

int main (int argc, char *argv[])
{
    if (argc != 3) {
        fprintf (stderr, "usage: remote_conns <connect-to> <clients>\n");
        return 2;
    }
    long n = parse_count (argv[2], "clients");
    if (n < 1) {
        fprintf (stderr, "clients must be positive\n");
        return 2;
    }
    void *ctx = scale_ctx (n);
    double start = now_us ();
    void **s = dealers (ctx, n, argv[1]);
    send_each (s, n, 1);
    recv_each (s, n, 1);
    double elapsed = now_us () - start;
    if (elapsed <= 0)
        elapsed = 1;
    printf ("clients: %ld\n", n);
    printf ("mean connection rate: %.1f [conn/s]\n", (double) n / elapsed * 1e6);
    fflush (stdout);
    close_all (s, n);
    term (ctx);
    return 0;
}

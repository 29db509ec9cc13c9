/* remote_idle <connect-to> <clients>: the clients of local_idle. Opens clients DEALER
   sockets, each sends one 1-byte message, then holds its connection until local_idle's
   release (one empty message each) or until killed. Prints nothing on success. */
#include "scale.h"

int main (int argc, char *argv[])
{
    if (argc != 3) {
        fprintf (stderr, "usage: remote_idle <connect-to> <clients>\n");
        return 2;
    }
    long n = parse_count (argv[2], "clients");
    if (n < 1) {
        fprintf (stderr, "clients must be positive\n");
        return 2;
    }
    void *ctx = scale_ctx (n);
    void **s = dealers (ctx, n, argv[1]);
    send_each (s, n, 1);
    recv_each (s, n, 0);
    close_all (s, n);
    term (ctx);
    return 0;
}

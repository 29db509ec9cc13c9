/* remote_thr <connect-to> <message-size> <message-count>: a PUSH that sends as fast as it
   can; closing with the default linger delivers everything before exit. */
#include "common.h"

int main (int argc, char *argv[])
{
    curve_flag (&argc, &argv);
    if (argc != 4) {
        fprintf (stderr, "usage: remote_thr [-curve] <connect-to> <message-size> <message-count>\n");
        return 2;
    }
    size_t size = (size_t) parse_count (argv[2], "message-size");
    long count = parse_count (argv[3], "message-count");
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    if (!s)
        die ("zmq_socket");
    secure (s, 0);
    if (zmq_connect (s, argv[1]) != 0)
        die ("zmq_connect");
    flood (s, size, count);
    close_socket (s);
    term (ctx);
    return 0;
}

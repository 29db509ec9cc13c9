/* local_lat <bind-to> <message-size> <roundtrip-count>: a REP that echoes. */
#include "common.h"

int main (int argc, char *argv[])
{
    curve_flag (&argc, &argv);
    if (argc != 4) {
        fprintf (stderr, "usage: local_lat [-curve] <bind-to> <message-size> <roundtrip-count>\n");
        return 2;
    }
    size_t size = (size_t) parse_count (argv[2], "message-size");
    long rt = parse_count (argv[3], "roundtrip-count");
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_REP);
    if (!s)
        die ("zmq_socket");
    secure (s, 1);
    if (zmq_bind (s, argv[1]) != 0)
        die ("zmq_bind");
    echo (s, size, rt);
    close_socket (s); /* default linger: the last reply is delivered before exit */
    term (ctx);
    return 0;
}

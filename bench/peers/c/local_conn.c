/* local_conn [-curve] <bind-to> <message-size> <connection-count>: a REP that answers
   one request from each of connection-count peers (remote_conn connects a new REQ for
   every request). */
#include "common.h"

int main (int argc, char *argv[])
{
    curve_flag (&argc, &argv);
    if (argc != 4) {
        fprintf (stderr, "usage: local_conn [-curve] <bind-to> <message-size> <connection-count>\n");
        return 2;
    }
    size_t size = (size_t) parse_count (argv[2], "message-size");
    long n = parse_count (argv[3], "connection-count");
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_REP);
    if (!s)
        die ("zmq_socket");
    secure (s, 1);
    if (zmq_bind (s, argv[1]) != 0)
        die ("zmq_bind");
    echo (s, size, n);
    close_socket (s);
    term (ctx);
    return 0;
}

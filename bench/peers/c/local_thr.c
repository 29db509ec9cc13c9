/* local_thr <bind-to> <message-size> <message-count>: a PULL that times the stream from
   its first message to its last and prints messages per second and megabits. */
#include "common.h"

int main (int argc, char *argv[])
{
    curve_flag (&argc, &argv);
    if (argc != 4) {
        fprintf (stderr, "usage: local_thr [-curve] <bind-to> <message-size> <message-count>\n");
        return 2;
    }
    size_t size = (size_t) parse_count (argv[2], "message-size");
    long count = parse_count (argv[3], "message-count");
    if (count < 1) {
        fprintf (stderr, "message-count must be positive\n");
        return 2;
    }
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PULL);
    if (!s)
        die ("zmq_socket");
    secure (s, 1);
    if (zmq_bind (s, argv[1]) != 0)
        die ("zmq_bind");
    double elapsed = drain (s, size, count);
    print_throughput (size, count, elapsed);
    close_socket (s);
    term (ctx);
    return 0;
}

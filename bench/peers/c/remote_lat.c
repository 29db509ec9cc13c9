/* remote_lat [-curve] [-percentiles] <connect-to> <message-size> <roundtrip-count>: a REQ
   that times round trips and prints the mean one-way latency (elapsed / (2 × round
   trips)); with -percentiles also the round-trip p50, p90, p99, p99.9 and max. */
#include "common.h"

int main (int argc, char *argv[])
{
    percentiles_flag (&argc, &argv);
    curve_flag (&argc, &argv);
    if (argc != 4) {
        fprintf (stderr, "usage: remote_lat [-curve] [-percentiles] <connect-to> <message-size> <roundtrip-count>\n");
        return 2;
    }
    size_t size = (size_t) parse_count (argv[2], "message-size");
    long rt = parse_count (argv[3], "roundtrip-count");
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_REQ);
    if (!s)
        die ("zmq_socket");
    secure (s, 0);
    if (zmq_connect (s, argv[1]) != 0)
        die ("zmq_connect");
    double elapsed = ping_pong (s, size, rt);
    print_latency (size, rt, elapsed);
    close_socket (s);
    term (ctx);
    return 0;
}

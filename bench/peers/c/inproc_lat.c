/* inproc_lat [-percentiles] <message-size> <roundtrip-count>: REQ binds
   inproc://lat_test in the main thread, REP connects in a second thread and echoes;
   -percentiles as remote_lat's. */
#include <pthread.h>
#include "common.h"

struct args
{
    void *ctx;
    size_t size;
    long rt;
};

static void *responder (void *p)
{
    struct args *a = p;
    void *s = zmq_socket (a->ctx, ZMQ_REP);
    if (!s)
        die ("zmq_socket");
    if (zmq_connect (s, "inproc://lat_test") != 0)
        die ("zmq_connect");
    echo (s, a->size, a->rt);
    close_socket (s);
    return NULL;
}

int main (int argc, char *argv[])
{
    percentiles_flag (&argc, &argv);
    if (argc != 3) {
        fprintf (stderr, "usage: inproc_lat [-percentiles] <message-size> <roundtrip-count>\n");
        return 2;
    }
    struct args a;
    a.size = (size_t) parse_count (argv[1], "message-size");
    a.rt = parse_count (argv[2], "roundtrip-count");
    a.ctx = zmq_ctx_new ();
    void *s = zmq_socket (a.ctx, ZMQ_REQ);
    if (!s)
        die ("zmq_socket");
    if (zmq_bind (s, "inproc://lat_test") != 0)
        die ("zmq_bind");
    pthread_t t;
    if (pthread_create (&t, NULL, responder, &a) != 0) {
        perror ("pthread_create");
        return 1;
    }
    double elapsed = ping_pong (s, a.size, a.rt);
    pthread_join (t, NULL);
    print_latency (a.size, a.rt, elapsed);
    close_socket (s);
    term (a.ctx);
    return 0;
}

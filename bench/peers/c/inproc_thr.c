/* inproc_thr <message-size> <message-count>: PULL binds inproc://thr_test in the main
   thread and times the stream; PUSH connects in a second thread and sends. */
#include <pthread.h>
#include "common.h"

struct args
{
    void *ctx;
    size_t size;
    long count;
};

static void *sender (void *p)
{
    struct args *a = p;
    void *s = zmq_socket (a->ctx, ZMQ_PUSH);
    if (!s)
        die ("zmq_socket");
    if (zmq_connect (s, "inproc://thr_test") != 0)
        die ("zmq_connect");
    flood (s, a->size, a->count);
    close_socket (s);
    return NULL;
}

int main (int argc, char *argv[])
{
    if (argc != 3) {
        fprintf (stderr, "usage: inproc_thr <message-size> <message-count>\n");
        return 2;
    }
    struct args a;
    a.size = (size_t) parse_count (argv[1], "message-size");
    a.count = parse_count (argv[2], "message-count");
    if (a.count < 1) {
        fprintf (stderr, "message-count must be positive\n");
        return 2;
    }
    a.ctx = zmq_ctx_new ();
    void *s = zmq_socket (a.ctx, ZMQ_PULL);
    if (!s)
        die ("zmq_socket");
    if (zmq_bind (s, "inproc://thr_test") != 0)
        die ("zmq_bind");
    pthread_t t;
    if (pthread_create (&t, NULL, sender, &a) != 0) {
        perror ("pthread_create");
        return 1;
    }
    double elapsed = drain (s, a.size, a.count);
    pthread_join (t, NULL);
    print_throughput (a.size, a.count, elapsed);
    close_socket (s);
    term (a.ctx);
    return 0;
}

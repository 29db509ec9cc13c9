/* fanout_thr <message-size> <message-count> <subscribers>: one PUB binds
   tcp://127.0.0.1:* and publishes to <subscribers> SUB sockets in one process, each SUB
   in its own thread, every socket with libzmq's default options (HWM 1000 each side).
   A PUB drops messages for a subscriber whose queue is full; the drops are expected and
   counted.

   Control messages are two frames, an empty one then "hello" or "end", so they cannot
   be mistaken for a one-frame data message of any size. Before the clock starts the
   publisher sends "hello" every millisecond until every subscriber has received one (a
   subscriber then skips any further "hello"). The clock starts just before the first of
   the <message-count> data messages; then the publisher sends "end" every millisecond
   until every subscriber has received one, and the clock stops when the last does.
   Each wait is bounded to 10 s. Output:

   message size: 64 [B]
   message count: 200000
   subscribers: 8
   mean throughput: N [msg/s]    (message count / elapsed: published per second)
   delivered: N [msg/s]          (data messages received by all subscribers / elapsed)
   dropped: N of M               (M = message count × subscribers, N = M - received) */
#include <pthread.h>
#include "common.h"

#define SYNC_TIMEOUT_US 10e6 /* bound of each wait for the subscribers */
#define RESEND_NS 1000000    /* a control message every millisecond */

struct shared
{
    void *ctx;
    char endpoint[256];
    size_t size;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int ready;        /* subscribers that received a "hello" */
    int ended;        /* subscribers that received an "end" */
    long received;    /* data messages received, summed over the subscribers that ended */
    double last_end;  /* µs at which the last subscriber received "end" */
};

/* control returns 'h' or 'e' for the second frame of a control message, else exits. */
static char control (void *s, zmq_msg_t *msg)
{
    if (zmq_msg_recv (msg, s, 0) < 0)
        die ("zmq_msg_recv");
    size_t n = zmq_msg_size (msg);
    const char *p = zmq_msg_data (msg);
    if (zmq_msg_more (msg)) {
        fprintf (stderr, "control message with more than two frames\n");
        exit (1);
    }
    if (n == 5 && memcmp (p, "hello", 5) == 0)
        return 'h';
    if (n == 3 && memcmp (p, "end", 3) == 0)
        return 'e';
    fprintf (stderr, "unknown control message of %zu bytes\n", n);
    exit (1);
}

/* subscriber counts the data messages up to the end marker and returns its socket still
   open. The main thread closes every socket once the publisher has stopped: closing a
   SUB here, while the PUB was still sending "end" to the others, made zmq_ctx_term hang
   for ever in a few runs out of a hundred (libzmq 4.3.4, every socket closed, linger 0
   or not). */
static void *subscriber (void *p)
{
    struct shared *sh = p;
    void *s = zmq_socket (sh->ctx, ZMQ_SUB);
    if (!s)
        die ("zmq_socket");
    if (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "", 0) != 0)
        die ("zmq_setsockopt ZMQ_SUBSCRIBE");
    if (zmq_connect (s, sh->endpoint) != 0)
        die ("zmq_connect");
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    int greeted = 0;
    long count = 0;
    /* Bounded by the publisher: it exits the process when a wait times out. */
    for (;;) {
        if (zmq_msg_recv (&msg, s, 0) < 0)
            die ("zmq_msg_recv");
        if (!zmq_msg_more (&msg)) {
            if (zmq_msg_size (&msg) != sh->size) {
                fprintf (stderr, "message of incorrect size received: %zu, want %zu\n",
                         zmq_msg_size (&msg), sh->size);
                exit (1);
            }
            count++;
            continue;
        }
        if (zmq_msg_size (&msg) != 0) {
            fprintf (stderr, "control message with a non-empty first frame\n");
            exit (1);
        }
        char c = control (s, &msg);
        if (c == 'h' && !greeted) {
            greeted = 1;
            pthread_mutex_lock (&sh->mu);
            sh->ready++;
            pthread_cond_signal (&sh->cv);
            pthread_mutex_unlock (&sh->mu);
        }
        if (c == 'e') {
            double now = now_us ();
            pthread_mutex_lock (&sh->mu);
            sh->ended++;
            sh->received += count;
            if (now > sh->last_end)
                sh->last_end = now;
            pthread_cond_signal (&sh->cv);
            pthread_mutex_unlock (&sh->mu);
            break;
        }
    }
    zmq_msg_close (&msg);
    return s;
}

/* send_control sends the two-frame control message word. Like any PUB message it is
   dropped for a subscriber whose queue is full, hence the repetition. */
static void send_control (void *pub, const char *word)
{
    if (zmq_send (pub, "", 0, ZMQ_SNDMORE) < 0 || zmq_send (pub, word, strlen (word), 0) < 0)
        die ("zmq_send");
}

/* await sends word every millisecond until *counter reaches want, for at most 10 s. */
static void await (struct shared *sh, void *pub, const char *word, const int *counter, int want)
{
    double deadline = now_us () + SYNC_TIMEOUT_US;
    pthread_mutex_lock (&sh->mu);
    while (*counter < want) {
        if (now_us () > deadline) {
            int got = *counter;
            pthread_mutex_unlock (&sh->mu);
            fprintf (stderr, "timed out after 10 s: %d of %d subscribers received \"%s\"\n",
                     got, want, word);
            exit (1);
        }
        pthread_mutex_unlock (&sh->mu);
        send_control (pub, word);
        struct timespec ts;
        clock_gettime (CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += RESEND_NS;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_mutex_lock (&sh->mu);
        if (*counter < want)
            pthread_cond_timedwait (&sh->cv, &sh->mu, &ts);
    }
    pthread_mutex_unlock (&sh->mu);
}

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (stderr, "usage: fanout_thr <message-size> <message-count> <subscribers>\n");
        return 2;
    }
    static struct shared sh;
    sh.size = (size_t) parse_count (argv[1], "message-size");
    long count = parse_count (argv[2], "message-count");
    long subs = parse_count (argv[3], "subscribers");
    if (count < 1 || subs < 1 || subs > 1024) {
        fprintf (stderr, "message-count must be positive, subscribers 1 to 1024\n");
        return 2;
    }
    pthread_mutex_init (&sh.mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init (&ca);
    pthread_condattr_setclock (&ca, CLOCK_MONOTONIC);
    pthread_cond_init (&sh.cv, &ca);

    sh.ctx = zmq_ctx_new ();
    void *pub = zmq_socket (sh.ctx, ZMQ_PUB);
    if (!pub)
        die ("zmq_socket");
    if (zmq_bind (pub, "tcp://127.0.0.1:*") != 0)
        die ("zmq_bind");
    size_t len = sizeof sh.endpoint;
    if (zmq_getsockopt (pub, ZMQ_LAST_ENDPOINT, sh.endpoint, &len) != 0)
        die ("zmq_getsockopt ZMQ_LAST_ENDPOINT");

    pthread_t *threads = calloc ((size_t) subs, sizeof *threads);
    void **socks = calloc ((size_t) subs, sizeof *socks);
    if (!threads || !socks) {
        perror ("calloc");
        return 1;
    }
    for (long i = 0; i < subs; i++)
        if (pthread_create (&threads[i], NULL, subscriber, &sh) != 0) {
            perror ("pthread_create");
            return 1;
        }
    await (&sh, pub, "hello", &sh.ready, (int) subs);

    double start = now_us ();
    flood (pub, sh.size, count);
    await (&sh, pub, "end", &sh.ended, (int) subs);

    for (long i = 0; i < subs; i++)
        pthread_join (threads[i], &socks[i]); /* a full barrier: the socket may move */
    free (threads);
    double elapsed = sh.last_end - start;
    if (elapsed <= 0)
        elapsed = 1;
    long total = count * subs;
    printf ("message size: %d [B]\n", (int) sh.size);
    printf ("message count: %ld\n", count);
    printf ("subscribers: %ld\n", subs);
    printf ("mean throughput: %lu [msg/s]\n", (unsigned long) ((double) count / elapsed * 1e6));
    printf ("delivered: %lu [msg/s]\n", (unsigned long) ((double) sh.received / elapsed * 1e6));
    printf ("dropped: %ld of %ld\n", total - sh.received, total);

    /* Extra "end" messages may still be queued: nothing is worth waiting for. */
    int linger = 0;
    if (zmq_setsockopt (pub, ZMQ_LINGER, &linger, sizeof linger) != 0)
        die ("zmq_setsockopt ZMQ_LINGER");
    close_socket (pub);
    for (long i = 0; i < subs; i++) {
        if (zmq_setsockopt (socks[i], ZMQ_LINGER, &linger, sizeof linger) != 0)
            die ("zmq_setsockopt ZMQ_LINGER");
        close_socket (socks[i]);
    }
    free (socks);
    term (sh.ctx);
    return 0;
}

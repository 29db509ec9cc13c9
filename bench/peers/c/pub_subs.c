/* pub_subs <message-size> <message-count> <subscribers> <subscriptions-per-subscriber>:
   one publisher with many subscriptions, in one process, as zmqbench pub_subs (see its
   documentation in bench/cmd/zmqbench/subs.go and subslayout.go for the topic plan,
   which this program follows to the byte).

   An XPUB (libzmq's PUB is an XPUB that hides the subscriptions: the sending side is
   the same) with ZMQ_XPUB_VERBOSE binds tcp://127.0.0.1:*, and <subscribers> SUB
   sockets, each in its own thread, subscribe to <subscriptions-per-subscriber>
   distinct topics each ("sym." + W digits + ".") and to "ctl.", and connect; every
   socket has libzmq's default options. Then:

   - setup: from the first thread to the moment the XPUB has reported every
     subscription applied;
   - publish cost: the main thread sends <message-count> messages of <message-size>
     bytes, nine in ten to one subscriber and one in ten to none; the figure is the time
     of that loop over the count. "ctl.end", repeated every 10 ms, tells the
     subscribers the data is over; what they received is compared with what the
     subscriptions call for, and the difference is reported as dropped (a PUB drops for
     a subscriber whose queue is full; libzmq counts nothing itself); publish cpu is the
     CPU time of the whole process (every thread: publishing, libzmq's I/O thread, the
     subscribers) from the first message to the last subscriber's end marker, over the
     count, a figure that a busy machine changes less than the time;
   - churn: every subscriber thread cancels all its data subscriptions and subscribes
     to them again; the clock runs from the signal to the threads until the XPUB has
     reported all 2 x subscriptions operations applied (with distinct topics each cancel
     is the last holder's, which an XPUB reports without ZMQ_XPUB_VERBOSER); churn cpu
     is the process's CPU time over that interval per operation.

   Each wait is bounded to 60 s. Output:

   message size: 64 [B]
   message count: 1000000
   subscribers: 1000
   subscriptions: 100000
   setup: 1234.5 [ms]
   publish cost: 812.3 [ns/msg]
   publish cpu: 1500.2 [ns/msg]
   delivered: 900000 of 900000
   dropped: 0
   unmatched: 100000
   churn operations: 200000
   churn: 345678 [ops/s]
   churn cpu: 4567.8 [ns/op] */
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>
#include "common.h"

#define WAIT_US 60e6      /* bound of each wait */
#define RESEND_NS 10000000 /* the end marker every 10 ms (see await_end) */
#define MAX_SUBS 4096
#define MAX_TOTAL 10000000L
#define MAX_BODIES (1L << 30)
#define UNMATCHED_EVERY 10
#define STACK_SIZE (256 * 1024)

static const char control_prefix[] = "ctl.";
static const char end_marker[] = "ctl.end";

/* The topic plan, as subsLayout in bench/cmd/zmqbench/subslayout.go. */
struct layout
{
    long subs, per, total, stride;
    int width;
};

static long gcd (long a, long b)
{
    while (b != 0) {
        long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static struct layout new_layout (long subs, long per)
{
    struct layout l = {subs, per, subs * per, 0, 0};
    for (long n = 2 * l.total - 1;; n /= 10) {
        l.width++;
        if (n < 10)
            break;
    }
    l.stride = l.total * 5 / 8 + 1;
    while (gcd (l.stride, l.total) != 1)
        l.stride++;
    return l;
}

static int topic_len (const struct layout *l)
{
    return 4 + l->width + 1;
}

/* write_topic writes the topic of symbol k to b (topic_len bytes, no terminator). */
static void write_topic (const struct layout *l, char *b, long k)
{
    memcpy (b, "sym.", 4);
    for (int i = 4 + l->width - 1; i >= 4; i--) {
        b[i] = (char) ('0' + k % 10);
        k /= 10;
    }
    b[4 + l->width] = '.';
}

/* scatter returns i x stride mod total. */
static long scatter (const struct layout *l, long i)
{
    return (long) ((unsigned long long) i * (unsigned long long) l->stride
                   % (unsigned long long) l->total);
}

/* symbol returns the symbol of message m: every tenth message is the u-th unmatched
   one, any other the q-th matched one. */
static long symbol (const struct layout *l, long m)
{
    long u = m / UNMATCHED_EVERY;
    if (m % UNMATCHED_EVERY == UNMATCHED_EVERY - 1)
        return l->total + scatter (l, u);
    return scatter (l, m - u);
}

/* parse returns the symbol at the start of b, or -1. */
static long parse (const struct layout *l, const char *b, size_t n)
{
    if (n < (size_t) topic_len (l) || memcmp (b, "sym.", 4) != 0 || b[4 + l->width] != '.')
        return -1;
    long k = 0;
    for (int i = 4; i < 4 + l->width; i++) {
        if (b[i] < '0' || b[i] > '9')
            return -1;
        k = k * 10 + (b[i] - '0');
    }
    return k;
}

struct shared
{
    void *ctx;
    char endpoint[256];
    size_t size;
    struct layout l;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int ended; /* subscribers that received the end marker */
    int churn; /* set: start the churn */
};

struct subscriber
{
    struct shared *sh;
    long index;
    long received;
    void *sock;
};

static void set_subscription (void *s, int option, const struct layout *l, long k)
{
    char t[64];
    write_topic (l, t, k);
    if (zmq_setsockopt (s, option, t, (size_t) topic_len (l)) != 0)
        die (option == ZMQ_SUBSCRIBE ? "zmq_setsockopt ZMQ_SUBSCRIBE" : "zmq_setsockopt ZMQ_UNSUBSCRIBE");
}

/* subscriber_main opens its SUB, subscribes and connects, counts the data messages up
   to the end marker, checking that each is one of its own symbols, waits for the churn
   signal, cancels and renews every data subscription, and returns with its socket
   open: the main thread closes every socket at the end (see fanout_thr.c). */
static void *subscriber_main (void *p)
{
    struct subscriber *sub = p;
    struct shared *sh = sub->sh;
    const struct layout *l = &sh->l;
    void *s = zmq_socket (sh->ctx, ZMQ_SUB);
    if (!s)
        die ("zmq_socket");
    sub->sock = s;
    for (long j = 0; j < l->per; j++)
        set_subscription (s, ZMQ_SUBSCRIBE, l, j * l->subs + sub->index);
    if (zmq_setsockopt (s, ZMQ_SUBSCRIBE, control_prefix, strlen (control_prefix)) != 0)
        die ("zmq_setsockopt ZMQ_SUBSCRIBE");
    if (zmq_connect (s, sh->endpoint) != 0)
        die ("zmq_connect");
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    /* Bounded by the publisher: it exits the process when a wait times out. */
    for (;;) {
        if (zmq_msg_recv (&msg, s, 0) < 0)
            die ("zmq_msg_recv");
        const char *b = zmq_msg_data (&msg);
        size_t n = zmq_msg_size (&msg);
        if (zmq_msg_more (&msg)) {
            fprintf (stderr, "unexpected multipart message\n");
            exit (1);
        }
        if (n >= 4 && memcmp (b, control_prefix, 4) == 0) {
            if (n != strlen (end_marker) || memcmp (b, end_marker, n) != 0) {
                fprintf (stderr, "unknown control message of %zu bytes\n", n);
                exit (1);
            }
            break;
        }
        long k = parse (l, b, n);
        if (k < 0) {
            fprintf (stderr, "no data topic at the start of a %zu-byte message\n", n);
            exit (1);
        }
        if (n != sh->size) {
            fprintf (stderr, "message of incorrect size received: %zu, want %zu\n", n, sh->size);
            exit (1);
        }
        if (k >= l->total || k % l->subs != sub->index) {
            fprintf (stderr, "subscriber %ld received symbol %ld, which it does not hold\n",
                     sub->index, k);
            exit (1);
        }
        sub->received++;
    }
    zmq_msg_close (&msg);
    pthread_mutex_lock (&sh->mu);
    sh->ended++;
    pthread_cond_broadcast (&sh->cv);
    while (!sh->churn)
        pthread_cond_wait (&sh->cv, &sh->mu); /* bounded: the publisher exits on timeout */
    pthread_mutex_unlock (&sh->mu);
    for (long j = 0; j < l->per; j++)
        set_subscription (s, ZMQ_UNSUBSCRIBE, l, j * l->subs + sub->index);
    for (long j = 0; j < l->per; j++)
        set_subscription (s, ZMQ_SUBSCRIBE, l, j * l->subs + sub->index);
    return NULL;
}

/* applied receives the XPUB's reports until it has seen subs subscribe and unsubs
   unsubscribe messages, for at most 60 s (the XPUB has a 100 ms receive timeout). */
static void applied (void *pub, long subs, long unsubs, const char *what)
{
    double deadline = now_us () + WAIT_US;
    long got_subs = 0, got_unsubs = 0;
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    while (got_subs < subs || got_unsubs < unsubs) {
        if (zmq_msg_recv (&msg, pub, 0) < 0) {
            if (zmq_errno () != EAGAIN)
                die ("zmq_msg_recv");
            if (now_us () > deadline) {
                fprintf (stderr,
                         "waiting for %s: timed out after 60 s: %ld of %ld subscribe and %ld of %ld "
                         "unsubscribe reports\n",
                         what, got_subs, subs, got_unsubs, unsubs);
                exit (1);
            }
            continue;
        }
        const unsigned char *b = zmq_msg_data (&msg);
        if (zmq_msg_size (&msg) > 0 && !zmq_msg_more (&msg) && b[0] == 1)
            got_subs++;
        else if (zmq_msg_size (&msg) > 0 && !zmq_msg_more (&msg) && b[0] == 0)
            got_unsubs++;
        else {
            fprintf (stderr, "unexpected report from the XPUB\n");
            exit (1);
        }
        if (got_subs > subs || got_unsubs > unsubs) {
            fprintf (stderr, "more reports than operations: %ld of %ld subscribe, %ld of %ld unsubscribe\n",
                     got_subs, subs, got_unsubs, unsubs);
            exit (1);
        }
    }
    zmq_msg_close (&msg);
}

/* await_end sends the end marker every 10 ms until every subscriber has received it,
   for at most 60 s. Like any PUB message it is dropped for a subscriber whose queue is
   full, hence the repetition. Not faster: sent every millisecond to 1000 subscribers,
   it kept libzmq's one I/O thread so busy that no subscriber received it within the
   60 s (three runs of three at 1000 x 100 on the 2-vCPU machine). */
static void await_end (struct shared *sh, void *pub)
{
    double deadline = now_us () + WAIT_US;
    pthread_mutex_lock (&sh->mu);
    while (sh->ended < sh->l.subs) {
        if (now_us () > deadline) {
            fprintf (stderr, "timed out after 60 s: %d of %ld subscribers received the end marker\n",
                     sh->ended, sh->l.subs);
            exit (1);
        }
        pthread_mutex_unlock (&sh->mu);
        if (zmq_send (pub, end_marker, strlen (end_marker), 0) < 0)
            die ("zmq_send");
        struct timespec ts;
        clock_gettime (CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += RESEND_NS;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_mutex_lock (&sh->mu);
        /* A subscriber that ends wakes this thread only to count it: the marker is
           sent again once the interval is over, not at every subscriber's end. */
        while (sh->ended < sh->l.subs && pthread_cond_timedwait (&sh->cv, &sh->mu, &ts) == 0)
            ;
    }
    pthread_mutex_unlock (&sh->mu);
}

/* process_cpu_ns returns the CPU time (user and system) the process has used so far,
   in all its threads. */
static double process_cpu_ns (void)
{
    struct rusage ru;
    if (getrusage (RUSAGE_SELF, &ru) != 0) {
        perror ("getrusage");
        exit (1);
    }
    return ((double) ru.ru_utime.tv_sec + (double) ru.ru_stime.tv_sec) * 1e9
           + ((double) ru.ru_utime.tv_usec + (double) ru.ru_stime.tv_usec) * 1e3;
}

/* raise_nofile lifts the soft limit on open files to the hard one: every subscriber
   costs two tcp sockets and a mailbox in this one process. */
static void raise_nofile (void)
{
    struct rlimit rl;
    if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit (RLIMIT_NOFILE, &rl);
    }
}

int main (int argc, char *argv[])
{
    if (argc != 5) {
        fprintf (stderr, "usage: pub_subs <message-size> <message-count> <subscribers> "
                         "<subscriptions-per-subscriber>\n");
        return 2;
    }
    static struct shared sh;
    sh.size = (size_t) parse_count (argv[1], "message-size");
    long count = parse_count (argv[2], "message-count");
    long subs = parse_count (argv[3], "subscribers");
    long per = parse_count (argv[4], "subscriptions-per-subscriber");
    if (count < 1 || subs < 1 || subs > MAX_SUBS || per < 1 || subs * per > MAX_TOTAL) {
        fprintf (stderr, "message-count must be positive, subscribers 1 to %d, subscriptions per "
                         "subscriber at least 1 and at most %ld in all\n",
                 MAX_SUBS, MAX_TOTAL);
        return 2;
    }
    sh.l = new_layout (subs, per);
    const struct layout *l = &sh.l;
    if (sh.size < (size_t) topic_len (l)) {
        fprintf (stderr, "message size must be at least %d, the topic's length\n", topic_len (l));
        return 2;
    }
    if (2 * l->total * (long) sh.size > MAX_BODIES) {
        fprintf (stderr, "%ld bodies of %zu bytes exceed %ld bytes\n", 2 * l->total, sh.size, MAX_BODIES);
        return 2;
    }
    raise_nofile ();

    /* One body per symbol, as zmqbench's (libzmq copies each into its message). */
    char *bodies = calloc ((size_t) (2 * l->total), sh.size);
    long *expected = calloc ((size_t) subs, sizeof *expected);
    struct subscriber *subscribers = calloc ((size_t) subs, sizeof *subscribers);
    pthread_t *threads = calloc ((size_t) subs, sizeof *threads);
    if (!bodies || !expected || !subscribers || !threads) {
        perror ("calloc");
        return 1;
    }
    for (long k = 0; k < 2 * l->total; k++)
        write_topic (l, bodies + k * (long) sh.size, k);
    long unmatched = 0;
    for (long m = 0; m < count; m++) {
        long k = symbol (l, m);
        if (k < l->total)
            expected[k % subs]++;
        else
            unmatched++;
    }

    pthread_mutex_init (&sh.mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init (&ca);
    pthread_condattr_setclock (&ca, CLOCK_MONOTONIC);
    pthread_cond_init (&sh.cv, &ca);

    sh.ctx = zmq_ctx_new ();
    if (!sh.ctx)
        die ("zmq_ctx_new");
    if (zmq_ctx_set (sh.ctx, ZMQ_MAX_SOCKETS, (int) subs + 16) != 0)
        die ("zmq_ctx_set ZMQ_MAX_SOCKETS");
    void *pub = zmq_socket (sh.ctx, ZMQ_XPUB);
    if (!pub)
        die ("zmq_socket");
    int one = 1, timeout_ms = 100;
    if (zmq_setsockopt (pub, ZMQ_XPUB_VERBOSE, &one, sizeof one) != 0
        || zmq_setsockopt (pub, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms) != 0)
        die ("zmq_setsockopt");
    if (zmq_bind (pub, "tcp://127.0.0.1:*") != 0)
        die ("zmq_bind");
    size_t len = sizeof sh.endpoint;
    if (zmq_getsockopt (pub, ZMQ_LAST_ENDPOINT, sh.endpoint, &len) != 0)
        die ("zmq_getsockopt ZMQ_LAST_ENDPOINT");

    pthread_attr_t ta;
    pthread_attr_init (&ta);
    pthread_attr_setstacksize (&ta, STACK_SIZE);
    double setup_start = now_us ();
    for (long i = 0; i < subs; i++) {
        subscribers[i].sh = &sh;
        subscribers[i].index = i;
        if (pthread_create (&threads[i], &ta, subscriber_main, &subscribers[i]) != 0) {
            perror ("pthread_create");
            return 1;
        }
    }
    applied (pub, subs * (per + 1), 0, "the subscriptions");
    double setup = now_us () - setup_start;

    double cpu0 = process_cpu_ns ();
    double start = now_us ();
    for (long m = 0; m < count; m++) {
        long k = symbol (l, m);
        if (zmq_send (pub, bodies + k * (long) sh.size, sh.size, 0) < 0)
            die ("zmq_send");
    }
    double publish = now_us () - start;
    await_end (&sh, pub);
    double cpu1 = process_cpu_ns ();

    start = now_us ();
    pthread_mutex_lock (&sh.mu);
    sh.churn = 1;
    pthread_cond_broadcast (&sh.cv);
    pthread_mutex_unlock (&sh.mu);
    applied (pub, l->total, l->total, "the churn");
    double churn = now_us () - start;
    double cpu2 = process_cpu_ns ();

    long want = 0, got = 0;
    for (long i = 0; i < subs; i++) {
        pthread_join (threads[i], NULL); /* a full barrier: the socket may move */
        if (subscribers[i].received > expected[i]) {
            fprintf (stderr, "subscriber %ld received %ld messages, more than the %ld published to it\n",
                     i, subscribers[i].received, expected[i]);
            return 1;
        }
        want += expected[i];
        got += subscribers[i].received;
    }
    if (publish <= 0)
        publish = 1e-3;
    if (churn <= 0)
        churn = 1e-3;
    printf ("message size: %d [B]\n", (int) sh.size);
    printf ("message count: %ld\n", count);
    printf ("subscribers: %ld\n", subs);
    printf ("subscriptions: %ld\n", l->total);
    printf ("setup: %.1f [ms]\n", setup / 1e3);
    printf ("publish cost: %.1f [ns/msg]\n", publish * 1e3 / (double) count);
    printf ("publish cpu: %.1f [ns/msg]\n", (cpu1 - cpu0) / (double) count);
    printf ("delivered: %ld of %ld\n", got, want);
    printf ("dropped: %ld\n", want - got);
    printf ("unmatched: %ld\n", unmatched);
    printf ("churn operations: %ld\n", 2 * l->total);
    printf ("churn: %.0f [ops/s]\n", (double) (2 * l->total) / churn * 1e6);
    printf ("churn cpu: %.1f [ns/op]\n", (cpu2 - cpu1) / (double) (2 * l->total));
    fflush (stdout);

    /* The program ends without closing its sockets or the context. libzmq tears the
       XPUB's pipes down in its reaper thread, and with many subscriptions that takes
       long: at 1000 subscribers x 100 topics it took over a minute and a half here,
       most of it CPU in the reaper thread (perf), longer than the whole measured run.
       Nothing is measured after this point, and the kernel closes the connections. */
    _exit (0);
}

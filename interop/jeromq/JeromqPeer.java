// JeromqPeer plays one side of a conversation with the Go sockets, through JeroMQ,
// for the interop tests in jeromq_test.go (which compile it with javac and run it).
//
// Usage: java -cp jeromq.jar:DIR JeromqPeer ROLE MODE ENDPOINT COUNT
//   ROLE      push, pull, req, rep, dealer, router, pub or sub: the JeroMQ socket
//   MODE      bind (ENDPOINT is a host: bind a random port there and print "PORT n")
//             or connect (ENDPOINT is a tcp:// endpoint to connect to)
//   COUNT     how many messages or round trips to exchange
//
// It prints "OK" and exits 0 when its side of the exchange checked out, or prints
// "FAIL reason" and exits 1. Every receive times out, so it never hangs.

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.zeromq.ZMQ;

public class JeromqPeer {
    static final int TIMEOUT_MS = 15000;

    // The identities the DEALER/ROUTER cases expect on each side.
    static final byte[] JAVA_DEALER_ID = bytes("jeromq-dealer");
    static final byte[] GO_DEALER_ID = bytes("go-dealer");

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    // big is the second frame of every PUSH message: longer than 255 bytes, so it
    // travels in a long frame.
    static byte[] big(int i) {
        byte[] b = new byte[1000 + i];
        Arrays.fill(b, (byte) ('a' + i % 26));
        return b;
    }

    static class Failure extends Exception {
        Failure(String msg) {
            super(msg);
        }
    }

    static byte[] recv(ZMQ.Socket s, String what) throws Failure {
        byte[] b = s.recv(0);
        if (b == null) {
            throw new Failure("timed out waiting for " + what);
        }
        return b;
    }

    static void expect(boolean ok, String msg) throws Failure {
        if (!ok) {
            throw new Failure(msg);
        }
    }

    static void expectFrame(byte[] got, String want, String what) throws Failure {
        expect(Arrays.equals(got, bytes(want)), what + ": got \"" + str(got) + "\", want \"" + want + "\"");
    }

    public static void main(String[] args) {
        if (args.length != 4) {
            System.out.println("FAIL usage: JeromqPeer ROLE bind|connect ENDPOINT COUNT");
            System.exit(2);
        }
        String role = args[0];
        boolean bind = args[1].equals("bind");
        String endpoint = args[2];
        int count = Integer.parseInt(args[3]);

        int type;
        switch (role) {
            case "push": type = ZMQ.PUSH; break;
            case "pull": type = ZMQ.PULL; break;
            case "req": type = ZMQ.REQ; break;
            case "rep": type = ZMQ.REP; break;
            case "dealer": type = ZMQ.DEALER; break;
            case "router": type = ZMQ.ROUTER; break;
            case "pub": type = ZMQ.PUB; break;
            case "sub": type = ZMQ.SUB; break;
            default:
                System.out.println("FAIL unknown role " + role);
                System.exit(2);
                return;
        }

        ZMQ.Context ctx = ZMQ.context(1);
        ZMQ.Socket s = ctx.socket(type);
        int code = 0;
        try {
            s.setReceiveTimeOut(TIMEOUT_MS);
            s.setSendTimeOut(TIMEOUT_MS);
            s.setLinger(TIMEOUT_MS);
            if (type == ZMQ.DEALER) {
                s.setIdentity(JAVA_DEALER_ID);
            }
            if (type == ZMQ.SUB) {
                s.subscribe(bytes("A"));
            }
            if (bind) {
                int port = s.bindToRandomPort("tcp://" + endpoint);
                System.out.println("PORT " + port);
            } else {
                s.connect(endpoint);
            }
            System.out.flush();
            run(role, s, count);
            System.out.println("OK");
        } catch (Failure f) {
            System.out.println("FAIL " + f.getMessage());
            code = 1;
        } catch (RuntimeException e) {
            System.out.println("FAIL " + e);
            code = 1;
        }
        System.out.flush();
        s.close();
        ctx.term();
        System.exit(code);
    }

    static void run(String role, ZMQ.Socket s, int count) throws Failure {
        switch (role) {
            case "push":
                // Two frames each, the second a long frame.
                for (int i = 0; i < count; i++) {
                    expect(s.sendMore("push-" + i), "send");
                    expect(s.send(big(i), 0), "send");
                }
                break;
            case "pull":
                for (int i = 0; i < count; i++) {
                    expectFrame(recv(s, "message " + i), "push-" + i, "first frame");
                    expect(s.hasReceiveMore(), "message " + i + " has one frame, want two");
                    byte[] b = recv(s, "second frame");
                    expect(Arrays.equals(b, big(i)), "second frame of message " + i + " differs (" + b.length + " bytes)");
                    expect(!s.hasReceiveMore(), "message " + i + " has more than two frames");
                }
                break;
            case "req":
                for (int i = 0; i < count; i++) {
                    expect(s.send("req-" + i), "send");
                    expectFrame(recv(s, "reply " + i), "rep-" + i, "reply");
                    expect(!s.hasReceiveMore(), "reply has more frames");
                }
                break;
            case "rep":
                for (int i = 0; i < count; i++) {
                    expectFrame(recv(s, "request " + i), "req-" + i, "request");
                    expect(!s.hasReceiveMore(), "request has more frames");
                    expect(s.send("rep-" + i), "send");
                }
                break;
            case "dealer":
                // Our ROUTER must see JAVA_DEALER_ID as the routing id and reply through it.
                for (int i = 0; i < count; i++) {
                    expect(s.sendMore(""), "send");
                    expect(s.send("dealer-" + i), "send");
                    expectFrame(recv(s, "reply " + i), "", "delimiter");
                    expectFrame(recv(s, "reply body " + i), "echo-" + i, "reply");
                    expect(!s.hasReceiveMore(), "reply has more frames");
                }
                break;
            case "router":
                // Our DEALER sets GO_DEALER_ID, which must arrive as its routing id.
                for (int i = 0; i < count; i++) {
                    byte[] id = recv(s, "request " + i);
                    expect(Arrays.equals(id, GO_DEALER_ID), "routing id \"" + str(id) + "\", want \"" + str(GO_DEALER_ID) + "\"");
                    expectFrame(recv(s, "delimiter"), "", "delimiter");
                    expectFrame(recv(s, "request body"), "dealer-" + i, "request");
                    expect(!s.hasReceiveMore(), "request has more frames");
                    expect(s.sendMore(id), "send");
                    expect(s.sendMore(""), "send");
                    expect(s.send("echo-" + i), "send");
                }
                break;
            case "pub":
                // Publish A and B messages until the Go side closes our stdin (it has
                // what it needs) or COUNT seconds pass. Our subscriber wants only A.
                Thread stdin = new Thread(() -> {
                    try {
                        while (System.in.read() >= 0) {
                        }
                    } catch (java.io.IOException e) {
                    }
                });
                stdin.setDaemon(true);
                stdin.start();
                long end = System.currentTimeMillis() + count * 1000L;
                for (int i = 0; stdin.isAlive(); i++) {
                    expect(System.currentTimeMillis() < end, "the subscriber never said it was done");
                    expect(s.send("B-" + i), "send");
                    expect(s.send("A-" + i), "send");
                    try {
                        Thread.sleep(5); // pacing, not synchronisation
                    } catch (InterruptedException e) {
                        throw new Failure("interrupted");
                    }
                }
                break;
            case "sub":
                for (int i = 0; i < count; i++) {
                    byte[] b = recv(s, "publication " + i);
                    expect(str(b).startsWith("A-"), "publication \"" + str(b) + "\" does not match the subscription to A");
                }
                break;
        }
    }
}

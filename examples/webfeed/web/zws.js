// zws.js: a small ZeroMQ client for browsers, over WebSocket (ZWS 2.0, RFC 45).
//
// It speaks the bare "ZWS2.0" subprotocol, the only one a page can ask for: no
// security mechanism and no READY; each side's first message is its routing id.
// Every ZeroMQ frame is one binary WebSocket message whose first byte holds the
// flags, MORE (1) and COMMAND (2). Socket types: SUB, REQ, DEALER and PUSH, each
// with one connection.
//
//   import { Socket } from "./zws.js";
//   const sub = new Socket("SUB");
//   sub.subscribe("weather");
//   await sub.connect("ws://127.0.0.1:5556/feed");
//   const frames = await sub.recv();           // an array of Uint8Array
//
// Frames given to send may be strings (sent as UTF-8) or Uint8Arrays. recv resolves
// with the next whole message; a closed connection rejects pending and later calls.

const MORE = 1;
const COMMAND = 2;
const encoder = new TextEncoder();

const TYPES = new Set(["SUB", "REQ", "DEALER", "PUSH"]);

function bytes(frame) {
  return typeof frame === "string" ? encoder.encode(frame) : frame;
}

export class Socket {
  // type is "SUB", "REQ", "DEALER" or "PUSH"; routingId, optional, is sent to the
  // peer in the handshake (a ROUTER addresses us by it).
  constructor(type, routingId = "") {
    if (!TYPES.has(type)) throw new Error(`zws: unsupported socket type ${type}`);
    this.type = type;
    this.routingId = bytes(routingId);
    this.ws = null;
    this.gotPeerId = false;
    this.frames = [];     // the message being received
    this.inbox = [];      // whole messages no recv has taken yet
    this.waiting = [];    // recv calls waiting for a message
    this.subscriptions = [];
    this.error = null;
  }

  // connect opens the WebSocket and sends our routing id. It resolves once the
  // connection is open.
  connect(url) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, ["ZWS2.0"]);
      ws.binaryType = "arraybuffer";
      this.ws = ws;
      ws.onopen = () => {
        this.sendFrame(this.routingId, false);
        for (const t of this.subscriptions) this.sendSubscription(1, t);
        resolve();
      };
      ws.onerror = () => reject(new Error(`zws: cannot connect to ${url}`));
      ws.onclose = (ev) => this.fail(new Error(`zws: connection closed (${ev.code})`));
      ws.onmessage = (ev) => this.onFrame(new Uint8Array(ev.data));
    });
  }

  // subscribe asks a SUB's publisher for messages whose first frame starts with
  // topic; "" means everything. It may be called before connect.
  subscribe(topic) {
    this.requireType("SUB", "subscribe");
    this.subscriptions.push(topic);
    if (this.isOpen()) this.sendSubscription(1, topic);
  }

  // unsubscribe cancels one subscribe of topic.
  unsubscribe(topic) {
    this.requireType("SUB", "unsubscribe");
    const i = this.subscriptions.indexOf(topic);
    if (i >= 0) this.subscriptions.splice(i, 1);
    if (this.isOpen()) this.sendSubscription(0, topic);
  }

  // send sends one message, an array of frames. A REQ adds the empty delimiter
  // frame that REP and ROUTER expect.
  send(frames) {
    if (this.type === "SUB") throw new Error("zws: a SUB socket cannot send");
    if (!this.isOpen()) throw this.error || new Error("zws: not connected");
    const all = this.type === "REQ" ? ["", ...frames] : frames;
    all.forEach((f, i) => this.sendFrame(bytes(f), i < all.length - 1));
  }

  // recv resolves with the next message, an array of Uint8Array frames; a REQ's
  // reply comes without its delimiter.
  recv() {
    if (this.type === "PUSH") return Promise.reject(new Error("zws: a PUSH socket cannot receive"));
    if (this.inbox.length > 0) return Promise.resolve(this.inbox.shift());
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  // close closes the connection with a normal close frame.
  close() {
    if (this.ws) this.ws.close(1000);
    this.fail(new Error("zws: socket closed"));
  }

  isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  requireType(type, op) {
    if (this.type !== type) throw new Error(`zws: ${op} needs a ${type} socket`);
  }

  sendFrame(body, more) {
    const frame = new Uint8Array(body.length + 1);
    frame[0] = more ? MORE : 0;
    frame.set(body, 1);
    this.ws.send(frame);
  }

  // A subscription travels as libzmq sends it over ws: a message whose body is 1
  // (subscribe) or 0 (cancel) followed by the topic.
  sendSubscription(op, topic) {
    const t = bytes(topic);
    const body = new Uint8Array(t.length + 1);
    body[0] = op;
    body.set(t, 1);
    this.sendFrame(body, false);
  }

  onFrame(frame) {
    if (frame.length === 0) return this.ws.close(1002);
    const flags = frame[0];
    const body = frame.subarray(1);
    if (flags & COMMAND) return; // nothing for this client among commands
    if (!this.gotPeerId) {       // the handshake: the peer's routing id
      this.gotPeerId = true;
      return;
    }
    this.frames.push(body);
    if (flags & MORE) return;
    let msg = this.frames;
    this.frames = [];
    if (this.type === "REQ") {
      const d = msg.findIndex((f) => f.length === 0);
      if (d < 0) return; // not a reply: dropped, as a REQ drops it
      msg = msg.slice(d + 1);
    }
    const w = this.waiting.shift();
    if (w) w.resolve(msg);
    else this.inbox.push(msg);
  }

  fail(err) {
    if (!this.error) this.error = err;
    for (const w of this.waiting.splice(0)) w.reject(this.error);
  }
}

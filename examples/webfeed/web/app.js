// The webfeed page: subscribes to one topic of the PUB and shows its updates, and
// sends the form's questions to the REP. With ?report=N it also pushes three
// messages to the PULL and sends two to the ROUTER from a DEALER, and reports to the
// server, once N updates, three replies and two echoes have arrived, what it
// received (the browser test uses this).
import { Socket } from "./zws.js";

const params = new URLSearchParams(location.search);
const decoder = new TextDecoder();
const text = (f) => decoder.decode(f);

async function main() {
  const ep = await (await fetch("endpoints")).json();
  const topic = params.get("topic") || ep.topic;
  document.getElementById("topic").textContent = topic;

  const sub = new Socket("SUB");
  sub.subscribe(topic);
  await sub.connect(ep.feed);
  const req = new Socket("REQ");
  await req.connect(ep.rpc);
  document.getElementById("status").textContent = "connected";

  const ask = async (q) => {
    req.send([q]);
    return text((await req.recv())[0]);
  };
  document.getElementById("ask").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    document.getElementById("answer").textContent = await ask(document.getElementById("question").value);
  });

  const want = Number(params.get("report") || 0);
  const updates = [];
  const list = document.getElementById("updates");
  const receiving = (async () => {
    for (;;) {
      const msg = (await sub.recv()).map(text);
      updates.push(msg);
      const li = document.createElement("li");
      li.textContent = msg.join(" | ");
      list.prepend(li);
      if (want > 0 && updates.length >= want) return;
    }
  })();
  if (want === 0) return;

  const replies = [];
  for (const q of ["one", "two", "three"]) replies.push(await ask(q));

  const push = new Socket("PUSH");
  await push.connect(ep.sink);
  for (const i of [1, 2, 3]) push.send(["pushed", String(i)]);
  const dealer = new Socket("DEALER");
  await dealer.connect(ep.echo);
  const echoes = [];
  for (const d of ["d1", "d2"]) {
    dealer.send([d]);
    echoes.push(text((await dealer.recv())[0]));
  }

  await receiving;
  await fetch("report", { method: "POST", body: JSON.stringify({ updates, replies, echoes }) });
}

main().catch((err) => {
  document.getElementById("status").textContent = "error: " + err.message;
  if (params.get("report")) fetch("report", { method: "POST", body: JSON.stringify({ error: String(err) }) });
});

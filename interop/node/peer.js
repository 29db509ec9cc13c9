// A libzmq 4.3.5 peer for the draft socket types, through zeromq.js (built with the
// draft API). The Go tests in ../draft_node_test.go run it:
//
//   node peer.js ROLE bind|connect ENDPOINT COUNT [GROUP...]
//
// It prints "READY <endpoint>" once bound or connected, then, by role:
//   server   answers COUNT messages with "re:" + body to the sender's routing id
//   client   sends COUNT messages "msg N", prints each reply
//   radio    sends "tick N" to each GROUP in turn until stdin closes
//   dish     joins each GROUP, prints COUNT messages as GROUP<TAB>BODY
//   scatter  sends COUNT messages "msg N"
//   gather   prints COUNT messages
// and prints "DONE". Senders then stay up until stdin closes, so that nothing queued
// is lost to the close.
"use strict"
const zmq = require("zeromq/draft")

const [role, mode, endpoint, countArg, ...groups] = process.argv.slice(2)
const count = Number(countArg)

const types = {
  server: zmq.Server,
  client: zmq.Client,
  radio: zmq.Radio,
  dish: zmq.Dish,
  scatter: zmq.Scatter,
  gather: zmq.Gather,
}

function stdinClosed() {
  return new Promise(resolve => {
    process.stdin.on("end", resolve)
    process.stdin.on("close", resolve)
    process.stdin.resume()
  })
}

async function main() {
  const Type = types[role]
  if (!Type || !(mode === "bind" || mode === "connect") || !(count >= 0)) {
    throw new Error("usage: node peer.js ROLE bind|connect ENDPOINT COUNT [GROUP...]")
  }
  const sock = new Type({linger: 1000})
  if (role === "dish") {
    sock.join(...groups)
  }
  if (mode === "bind") {
    await sock.bind(endpoint)
  } else {
    sock.connect(endpoint)
  }
  console.log("READY " + (sock.lastEndpoint || endpoint))
  const closed = stdinClosed()
  switch (role) {
    case "server":
      for (let i = 0; i < count; i++) {
        const [msg, {routingId}] = await sock.receive()
        await sock.send("re:" + msg.toString(), {routingId})
      }
      break
    case "client":
      for (let i = 0; i < count; i++) {
        await sock.send("msg " + i)
        const [reply] = await sock.receive()
        console.log(reply.toString())
      }
      break
    case "radio": {
      let done = false
      closed.then(() => { done = true })
      for (let i = 0; !done; i++) {
        for (const g of groups) {
          await sock.send("tick " + i, {group: g})
        }
        await new Promise(r => setTimeout(r, 5))
      }
      break
    }
    case "dish":
    case "gather":
      for (let i = 0; i < count; i++) {
        const [msg, props] = await sock.receive()
        if (role === "dish") {
          console.log(props.group.toString() + "\t" + msg.toString())
        } else {
          console.log(msg.toString())
        }
      }
      break
    case "scatter":
      for (let i = 0; i < count; i++) {
        await sock.send("msg " + i)
      }
      break
  }
  console.log("DONE")
  await closed
  sock.close()
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})

// A libzmq 4.3.5 peer (zeromq.js 6.8.0, built with the draft API) for the udp://
// interop tests in ../node_dgram_test.go and ../node_radiodish_test.go. One role per run, chosen by the arguments;
// every line it prints is for the Go test to read:
//
//   dish ENDPOINT COUNT GROUP...   bind a DISH, join the groups, print "READY", then
//                                  print "GROUP<TAB>BODY" for COUNT messages and exit
//   radio ENDPOINT                 connect a RADIO; send each stdin line
//                                  "GROUP<TAB>BODY"; print "SENT" after each
//   dgram-echo ENDPOINT COUNT      bind a DATAGRAM, print "READY"; answer COUNT
//                                  datagrams with "echo:" + body, printing
//                                  "FROM<TAB>ADDRESS<TAB>BODY" for each
//   dgram ENDPOINT                 bind a DATAGRAM, print "READY"; send each stdin line
//                                  "ADDRESS<TAB>BODY" and print each datagram received
//                                  as "ADDRESS<TAB>BODY"
"use strict"
process.removeAllListeners("warning") // the draft API's experimental warning
const zmq = require("zeromq/draft")
const readline = require("readline")

const [role, endpoint, ...rest] = process.argv.slice(2)

// libzmq's DGRAM address frames end in a NUL; print the address without it.
const addrText = buf => buf.toString().replace(/\0$/, "")

function lines(onLine) {
  const rl = readline.createInterface({ input: process.stdin })
  rl.on("line", onLine)
  return new Promise(resolve => rl.on("close", resolve))
}

async function main() {
  switch (role) {
    case "dish": {
      const [count, ...groups] = rest
      const dish = new zmq.Dish()
      await dish.bind(endpoint)
      dish.join(...groups)
      console.log("READY")
      for (let i = 0; i < Number(count); i++) {
        const [msg, { group }] = await dish.receive()
        console.log(`${group.toString()}\t${msg.toString()}`)
      }
      dish.close()
      break
    }
    case "radio": {
      const radio = new zmq.Radio()
      radio.connect(endpoint)
      console.log("READY")
      let chain = Promise.resolve()
      await lines(line => {
        const [group, body] = line.split("\t")
        chain = chain.then(() => radio.send(body, { group })).then(() => console.log("SENT"))
      })
      await chain
      radio.close()
      break
    }
    case "dgram-echo": {
      const [count] = rest
      const sock = new zmq.Datagram()
      await sock.bind(endpoint)
      console.log("READY")
      for (let i = 0; i < Number(count); i++) {
        const [addr, body] = await sock.receive()
        console.log(`FROM\t${addrText(addr)}\t${body.toString()}`)
        await sock.send([addr, "echo:" + body.toString()])
      }
      sock.close()
      break
    }
    case "dgram": {
      const sock = new zmq.Datagram()
      await sock.bind(endpoint)
      console.log("READY")
      const receiving = (async () => {
        for await (const [addr, body] of sock) {
          console.log(`${addrText(addr)}\t${body.toString()}`)
        }
      })().catch(() => {})
      let chain = Promise.resolve()
      await lines(line => {
        const [addr, body] = line.split("\t")
        chain = chain.then(() => sock.send([addr, body]))
      })
      await chain
      sock.close()
      await receiving
      break
    }
    default:
      console.error(`unknown role ${role}`)
      process.exit(2)
  }
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})

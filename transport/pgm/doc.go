// Package pgm implements ZeroMQ's multicast transports: epgm:// (PGM,
// RFC 3208, carried as the payload of UDP datagrams) and pgm:// (PGM as raw
// IP protocol 113), speaking the byte format libzmq uses through OpenPGM.
//
// It is a standalone engine: the socket package wires a Sender under
// PUB/XPUB and a Receiver under SUB/XSUB. No greeting and no subscriptions
// cross the wire; SUB filters locally.
//
// # API for the socket package
//
//	ep, err := pgm.ParseEndpoint("epgm", "eth0;239.192.1.1:5555")
//
//	s, err := pgm.NewSender(ep, pgm.Options{Rate: 10_000_000})
//	err = s.Send(wire.Msg{Frames: ...}) // whole message; paced; goroutine-safe
//	err = s.SendBatch(msgs)             // several, packed into shared APDUs
//	err = s.Close()                     // OPT_FIN SPMs, stops and waits for its 3 goroutines
//
//	r, err := pgm.NewReceiver(ep, pgm.Options{})
//	m, err := r.Recv(ctx)               // whole messages, any source, in order per source
//	st := r.Stats()                     // counters, Lost and Resets among them
//	err = r.Close()                     // waits for its goroutine
//
// Options (zero values mean the defaults): Rate in bit/s (default 10 Mbit/s;
// libzmq's ZMQ_RATE is kbit/s, multiply by 1000), RecoveryInterval (10 s),
// Hops (1), MaxTPDU (1500), Loopback (off, as libzmq; on for same-host
// peers), MaxMsgSize (<= 0: none), RecvQueue (1000 messages; overflow is
// dropped and counted, like a SUB at its HWM), OnLoss (callback on
// unrecoverable loss). Errors after Close match net.ErrClosed.
//
// The endpoint's interface is required (a name or one of its IPv4
// addresses): libzmq lets OpenPGM pick a default for "epgm://;group:port",
// but multicast through an interface nobody chose may leave on the wrong
// network. Only one IPv4 group per endpoint is supported.
//
// # Wire format
//
// Messages become a stream of ZMTP/1.0 frames (length = body+1 in one byte
// up to 253-byte bodies, else 0xFF + u64; flags 0x01 = MORE) cut into APDUs
// of at most APDURoom bytes (1428 for epgm, 1436 for pgm at MaxTPDU 1500),
// each starting with the u16 offset of the first message that starts in it
// (0xFFFF if none). Each APDU is one ODATA packet. See Framer and Decoder.
// SendBatch packs consecutive messages into shared APDUs as libzmq does
// with what is queued, and sends the last partial APDU before returning;
// Send is SendBatch of one message (one packet or more per message).
//
// A Sender is one TSI (random GSI, random source port different from the
// endpoint port). epgm uses the endpoint port for everything: ODATA, RDATA,
// SPMs and NCFs go to group:port, NAKs come back to the sender's interface
// address (its SPM NLA) at port, which the sender binds. ODATA carries
// OpenPGM's trail: the oldest sqn held before the packet enters the window
// (sqn − window once full). SPMs are sent at start-up, 100/100/100/100 ms,
// 1.3/7/16/25/30 s after each burst, then every 30 s; while data flows
// (which keeps postponing those) at least one a second, so a receiver that
// missed the others learns the NLA it must NAK to (an OpenPGM receiver asks
// with an SPMR only once, and without the NLA it declares every gap lost at
// once); and in
// answer to SPMRs (at most one per 25 ms: one arriving sooner is answered
// at the end of the 25 ms). NAKs for sequence
// numbers in the transmit window (RecoveryInterval × Rate / 8 / MaxTPDU
// packets) are answered by an NCF at once and RDATA queued, oldest request
// first, at most once per sequence number per 20 ms (a sqn already queued
// is not queued again); others are ignored. All output is paced by a token
// bucket at Rate (IP and UDP headers counted): ODATA and RDATA wait their
// turn (Send blocks; queued repairs of sqns that left the window meanwhile
// are dropped), SPMs and NCFs may borrow up to 100 ms of budget and are
// dropped beyond it. Repairs are never dropped for lack of budget: an
// OpenPGM receiver whose NAK goes unanswered asks again only after 200 ms,
// and after a burst of loss the window's trail would overtake what it asked
// for. Close sends three SPMs with OPT_FIN.
//
// A Receiver binds group:port (address reuse on; really the group address,
// and IP_MULTICAST_ALL off, so other groups on the same port never reach it)
// and joins the group on the interface. It keeps state per TSI (at most 64
// sources, the least recently heard evicted; forgotten after 300 s of
// silence), verifies checksums and lengths, reorders and de-duplicates with
// serial arithmetic in a window one packet larger than the sender's (capped
// at 65536 packets; [trail, sqn] of a full window spans size+1). Data ahead
// of the window slides it, as OpenPGM does: the oldest missing sqns are
// declared lost and the source resumes (a gap longer than the window, e.g.
// a blackout, costs one loss report and bounded work however long it is).
// It NAKs gaps after a random 0–50 ms back-off (one per gap), repeats every
// 200 ms until an NCF, then waits
// 200 ms for RDATA, and gives up after 50 retries of either: the loss is
// counted (Stats.Lost, Stats.Resets), reported to OnLoss, the partial
// message dropped and the source resynchronised at its next message start.
// Data below a source's advertised trail is declared lost. NAKs are only
// sent once an SPM has given the source's NLA; a source heard without an
// SPM gets an SPMR after 25 ms (then at most one a second). A receiver
// joining late starts at the first message that starts after it joined.
//
// # Limits
//
//   - Linux only (IP_ADD_MEMBERSHIP via ip_mreqn).
//   - pgm:// needs CAP_NET_RAW; without it NewSender and NewReceiver fail
//     with "pgm: raw sockets need CAP_NET_RAW: ...". No IP Router Alert is
//     set, so PGM-aware routers see plain packets.
//   - Two Senders on one host, one interface address and one port (to two
//     groups, say) share the unicast NAK address: each Sender binds it with
//     address reuse and the kernel hands a given receiver's NAKs and SPMRs
//     to one of them, which drops those meant for the other (counted in
//     SenderStats.Invalid). Data still flows to each group's receivers, but
//     the other Sender's receivers get no repairs: their gaps are declared
//     lost after the NAK retries (about 10 s), and a receiver that missed
//     its SPMs cannot NAK at all. Give each Sender its own address
//     ("127.0.0.2;..." style) or port when both must repair.
//   - No FEC, POLL/POLR, NNAK, OPT_FRAGMENT reassembly (libzmq never sends
//     APDUs larger than one TPDU), OPT_JOIN or congestion control.
//   - libzmq peers size their windows from their own RATE (kbit/s): keep
//     Rate and RecoveryInterval consistent on both sides.
package pgm

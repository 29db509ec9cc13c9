// Package perf is the driver shared by zmqbench and its peer programs: the subcommands of
// libzmq's perf tools (local_lat, remote_lat, local_thr, remote_thr, inproc_lat,
// inproc_thr), their positional arguments, their timing rules and their exact output
// lines, written once over a small socket interface that each implementation adapts.
//
// Output follows libzmq 4.3 perf/*.cpp line for line, so one parser reads every
// implementation, and a program built on this package pairs with libzmq's own tools
// over the wire in either role:
//
//	message size: 64 [B]
//	roundtrip count: 10000
//	average latency: 31.207 [us]          (elapsed / (2 × roundtrips): mean one-way)
//
//	message size: 64 [B]
//	message count: 1000000
//	mean throughput: 4139882 [msg/s]      (count / elapsed, clock started after message 1)
//	mean throughput: 2119.620 [Mb/s]
//
// Flags, given before the positional arguments (before or after the subcommand name):
// -percentiles adds round-trip percentiles to remote_lat and inproc_lat, -json prints one
// JSON object instead of the text lines, -warmup N runs N untimed messages or round
// trips first (both ends must be given the same N, see Warmup), -endpoint picks the
// endpoint of the one-process tests, -cpuprofile FILE writes a pprof CPU profile of
// the run, and -curve runs the test over CURVE with zmq_curve(7)'s example keys (see
// Program.NewCurve).
//
// Beyond libzmq's six tests, local_conn and remote_conn measure new connections per
// second: a fresh REQ per connection that connects, makes one round trip and closes.
package perf

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"time"
)

// Kind is the role of a socket in a test: libzmq's perf tools use REQ/REP for latency
// and PUSH/PULL for throughput.
type Kind int

const (
	Req Kind = iota
	Rep
	Push
	Pull
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case Req:
		return "REQ"
	case Rep:
		return "REP"
	case Push:
		return "PUSH"
	case Pull:
		return "PULL"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Socket is what a test needs from one socket of the implementation under test.
type Socket interface {
	// Bind binds to endpoint and returns the resolved endpoint (wildcard ports filled in).
	Bind(endpoint string) (string, error)
	Connect(endpoint string) error
	// Send sends b as a one-frame message. The socket may keep b until the message is
	// delivered; the caller does not modify it.
	Send(b []byte) error
	// Recv returns the next one-frame message. The slice may be reused by a later Recv,
	// and the caller may pass it to Send before the next Recv (the echo of local_lat).
	Recv() ([]byte, error)
	Close() error
}

// Impl creates the sockets of one implementation. One Impl lives for one test (a libzmq
// context, for implementations that have one); Close ends it after every socket closed.
type Impl interface {
	Socket(k Kind) (Socket, error)
	Close() error
}

// Program describes one benchmark program: its name, its implementation, and the extra
// subcommands it supports beyond the standard ones.
type Program struct {
	Name string      // implementation name, printed in -json output
	New  func() Impl // a fresh implementation (context) per test
	// NewCurve, if set, is New for the -curve flag: a fresh implementation whose REP and
	// PULL sockets (the binding ends of local_* and of the one-process tests) are CURVE
	// servers with CurveServerPublic and CurveServerSecret, and whose REQ and PUSH
	// sockets are CURVE clients with CurveClientPublic and CurveClientSecret that expect
	// CurveServerPublic. Without it, -curve is a usage error.
	NewCurve func() Impl
	Extra    map[string]Extra
}

// The example key pairs of zmq_curve(7), in Z85: public test vectors, so that every
// implementation's -curve mode (and libzmq's C programs with -curve) pair with each
// other. Never use them for anything but benchmarks.
const (
	CurveServerPublic = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
	CurveServerSecret = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
	CurveClientPublic = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
	CurveClientSecret = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"
)

// CurveServerKind reports whether a socket of kind k is the CURVE server in -curve
// mode: REP and PULL are, REQ and PUSH are clients.
func CurveServerKind(k Kind) bool { return k == Rep || k == Pull }

// Extra is an additional subcommand, such as proxy_thr. Usage names its positional
// arguments, all numbers, starting with <message-size> <message-count> (the count must
// be positive). Set one of Run and Report:
//
//   - Run takes exactly those two and returns the elapsed time from which the standard
//     throughput lines (or -json object) are computed and printed.
//   - Report gets every positional argument, in Usage order, and writes its own result
//     to w, honouring cfg.JSON: for tests whose figures do not fit libzmq's throughput
//     lines, such as fanout_thr.
type Extra struct {
	Usage  string
	Run    func(cfg Config, size, count int) (time.Duration, error)
	Report func(cfg Config, args []int, w io.Writer) error
}

// Config holds the flags common to every subcommand.
type Config struct {
	JSON        bool
	Percentiles bool
	Warmup      int
	Endpoint    string // for inproc_lat, inproc_thr and extras; "" = the test's default
	Quiet       bool
	CPUProfile  string // write a pprof CPU profile of the whole run to this file
	Curve       bool   // CURVE with zmq_curve(7)'s example keys (see Program.NewCurve)
}

// Result is what a test measured. Exactly one of Roundtrips and Count is set.
type Result struct {
	Impl       string             `json:"impl"`
	Test       string             `json:"test"`
	Endpoint   string             `json:"endpoint,omitempty"`
	Size       int                `json:"message_size"`
	Roundtrips int                `json:"roundtrip_count,omitempty"`
	Count      int                `json:"message_count,omitempty"`
	Conns      int                `json:"connection_count,omitempty"`
	ConnPerSec float64            `json:"connections_s,omitempty"`
	Warmup     int                `json:"warmup,omitempty"`
	ElapsedNS  int64              `json:"elapsed_ns"`
	LatencyUS  float64            `json:"average_latency_us,omitempty"` // mean one-way
	MsgPerSec  int64              `json:"throughput_msg_s,omitempty"`
	Mbps       float64            `json:"throughput_mb_s,omitempty"`
	RTTUS      map[string]float64 `json:"rtt_us,omitempty"` // p50, p90, p99, p99.9, max
}

// percentileNames are the keys of Result.RTTUS, in print order.
var percentileNames = []string{"p50", "p90", "p99", "p99.9", "max"}

// Main runs the program's subcommand from os.Args and exits.
func Main(p Program) {
	if err := Run(p, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", p.Name, err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
	os.Exit(0)
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

var positional = map[string]string{
	"local_lat":   "<bind-to> <message-size> <roundtrip-count>",
	"remote_lat":  "<connect-to> <message-size> <roundtrip-count>",
	"local_thr":   "<bind-to> <message-size> <message-count>",
	"remote_thr":  "<connect-to> <message-size> <message-count>",
	"inproc_lat":  "<message-size> <roundtrip-count>",
	"inproc_thr":  "<message-size> <message-count>",
	"local_conn":  "<bind-to> <message-size> <connection-count>",
	"remote_conn": "<connect-to> <message-size> <connection-count>",
}

// Run parses args (flags, subcommand, flags, positional arguments), runs the test and
// writes its lines to w.
func Run(p Program, args []string, w io.Writer) error {
	var cfg Config
	fs := flag.NewFlagSet(p.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&cfg.JSON, "json", false, "print one JSON object instead of libzmq's lines")
	fs.BoolVar(&cfg.Percentiles, "percentiles", false, "print round-trip p50/p90/p99/p99.9/max (remote_lat, inproc_lat)")
	fs.IntVar(&cfg.Warmup, "warmup", 0, "untimed messages or round trips before the measurement; give both ends the same N")
	fs.StringVar(&cfg.Endpoint, "endpoint", "", "endpoint of inproc_lat, inproc_thr and the extra subcommands (proxy_thr, fanout_thr; default: the test's own)")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof reads it)")
	fs.BoolVar(&cfg.Curve, "curve", false, "CURVE with zmq_curve(7)'s example keys: REP and PULL (local_*) are servers, REQ and PUSH (remote_*) clients")
	usage := func() string {
		s := fmt.Sprintf("usage: %s [flags] <subcommand> [flags] <args>\n", p.Name)
		for _, name := range []string{"local_lat", "remote_lat", "local_thr", "remote_thr", "inproc_lat", "inproc_thr", "local_conn", "remote_conn"} {
			s += fmt.Sprintf("  %s %s\n", name, positional[name])
		}
		for name, e := range p.Extra {
			s += fmt.Sprintf("  %s %s\n", name, e.Usage)
		}
		s += "flags:\n"
		fs.VisitAll(func(f *flag.Flag) { s += fmt.Sprintf("  -%s: %s\n", f.Name, f.Usage) })
		return s
	}
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error() + "\n" + usage()}
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usageError{usage()}
	}
	cmd := rest[0]
	if err := fs.Parse(rest[1:]); err != nil {
		return usageError{err.Error() + "\n" + usage()}
	}
	pos := fs.Args()
	if cfg.Warmup < 0 {
		return usageError{"-warmup must not be negative"}
	}
	if cfg.Curve {
		if p.NewCurve == nil {
			return usageError{p.Name + " has no CURVE mode (-curve)"}
		}
		p.New = p.NewCurve
	}

	ints := func(from int) ([]int, error) {
		var out []int
		for _, a := range pos[from:] {
			n, err := strconv.Atoi(a)
			if err != nil || n < 0 {
				return nil, usageError{fmt.Sprintf("%s: bad number %q\n%s", cmd, a, usage())}
			}
			out = append(out, n)
		}
		return out, nil
	}
	want := 0
	if spec, ok := positional[cmd]; ok {
		want = len(splitFields(spec))
	} else if e, ok := p.Extra[cmd]; ok {
		want = len(splitFields(e.Usage))
	} else {
		return usageError{fmt.Sprintf("unknown subcommand %q\n%s", cmd, usage())}
	}
	if len(pos) != want {
		return usageError{fmt.Sprintf("%s takes %d arguments, got %d\n%s", cmd, want, len(pos), usage())}
	}
	withEndpoint := cmd == "local_lat" || cmd == "remote_lat" || cmd == "local_thr" || cmd == "remote_thr" ||
		cmd == "local_conn" || cmd == "remote_conn"
	from := 0
	if withEndpoint {
		from = 1
	}
	nums, err := ints(from)
	if err != nil {
		return err
	}
	size, n := nums[0], nums[1]
	if n == 0 {
		return usageError{cmd + ": the count must be positive"}
	}

	if cfg.CPUProfile != "" {
		stop, err := startCPUProfile(cfg.CPUProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if e := p.Extra[cmd]; e.Report != nil {
		return e.Report(cfg, nums, w)
	}
	res := Result{Impl: p.Name, Test: cmd, Size: size, Warmup: cfg.Warmup}
	switch cmd {
	case "local_lat":
		res.Endpoint = pos[0]
		return localLat(p, cfg, pos[0], size, n)
	case "remote_thr":
		res.Endpoint = pos[0]
		return remoteThr(p, cfg, pos[0], size, n)
	case "local_conn":
		return localConn(p, cfg, pos[0], size, n)
	case "remote_conn":
		res.Endpoint = pos[0]
		res.Conns = n
		elapsed, err := remoteConn(p, cfg, pos[0], size, n)
		if err != nil {
			return err
		}
		res.setConnRate(elapsed)
	case "remote_lat":
		res.Endpoint = pos[0]
		res.Roundtrips = n
		rtts, elapsed, err := remoteLat(p, cfg, pos[0], size, n)
		if err != nil {
			return err
		}
		res.setLatency(elapsed, rtts)
	case "inproc_lat":
		res.Endpoint = orDefault(cfg.Endpoint, "inproc://lat_test")
		res.Roundtrips = n
		rtts, elapsed, err := inprocLat(p, cfg, res.Endpoint, size, n)
		if err != nil {
			return err
		}
		res.setLatency(elapsed, rtts)
	case "local_thr":
		res.Endpoint = pos[0]
		res.Count = n
		elapsed, err := localThr(p, cfg, pos[0], size, n)
		if err != nil {
			return err
		}
		res.setThroughput(elapsed)
	case "inproc_thr":
		res.Endpoint = orDefault(cfg.Endpoint, "inproc://thr_test")
		res.Count = n
		elapsed, err := inprocThr(p, cfg, res.Endpoint, size, n)
		if err != nil {
			return err
		}
		res.setThroughput(elapsed)
	default:
		res.Endpoint = cfg.Endpoint
		res.Count = n
		elapsed, err := p.Extra[cmd].Run(cfg, size, n)
		if err != nil {
			return err
		}
		res.setThroughput(elapsed)
	}
	return res.Print(w, cfg.JSON)
}

// startCPUProfile starts a CPU profile written to path; the returned function stops it
// and closes the file.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func splitFields(s string) []string {
	var out []string
	field := ""
	for _, r := range s {
		if r == ' ' {
			if field != "" {
				out = append(out, field)
			}
			field = ""
			continue
		}
		field += string(r)
	}
	if field != "" {
		out = append(out, field)
	}
	return out
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// setLatency fills the latency figures the way libzmq's remote_lat computes them:
// elapsed / (roundtrips × 2), in microseconds.
func (r *Result) setLatency(elapsed time.Duration, rtts []time.Duration) {
	r.ElapsedNS = int64(elapsed)
	r.LatencyUS = float64(elapsed) / 1e3 / float64(r.Roundtrips*2)
	if len(rtts) > 0 {
		sort.Slice(rtts, func(i, j int) bool { return rtts[i] < rtts[j] })
		r.RTTUS = map[string]float64{
			"p50":   us(rank(rtts, 0.50)),
			"p90":   us(rank(rtts, 0.90)),
			"p99":   us(rank(rtts, 0.99)),
			"p99.9": us(rank(rtts, 0.999)),
			"max":   us(rtts[len(rtts)-1]),
		}
	}
}

// setThroughput fills the throughput figures the way libzmq's local_thr computes them:
// count / elapsed (elapsed runs from the first message to the last, so this slightly
// overcounts, as libzmq does), truncated to whole messages per second, and megabits
// from that truncated rate.
func (r *Result) setThroughput(elapsed time.Duration) {
	if elapsed <= 0 {
		elapsed = time.Microsecond // libzmq: if (elapsed == 0) elapsed = 1;
	}
	r.ElapsedNS = int64(elapsed)
	r.MsgPerSec = int64(float64(r.Count) / elapsed.Seconds())
	r.Mbps = float64(r.MsgPerSec) * float64(r.Size) * 8 / 1e6
}

// setConnRate fills the figures of remote_conn: connections per second.
func (r *Result) setConnRate(elapsed time.Duration) {
	if elapsed <= 0 {
		elapsed = time.Microsecond
	}
	r.ElapsedNS = int64(elapsed)
	r.ConnPerSec = float64(r.Conns) / elapsed.Seconds()
}

// rank is the nearest-rank percentile of sorted durations.
func rank(sorted []time.Duration, p float64) time.Duration {
	i := int(float64(len(sorted))*p+0.999999999) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}

func us(d time.Duration) float64 { return float64(d) / 1e3 }

// Print writes the result as libzmq's lines, or as one JSON object.
func (r *Result) Print(w io.Writer, asJSON bool) error {
	if asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	var err error
	pf := func(format string, a ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, a...)
		}
	}
	pf("message size: %d [B]\n", r.Size)
	if r.Conns > 0 {
		pf("connection count: %d\n", r.Conns)
		pf("mean connection rate: %.1f [conn/s]\n", r.ConnPerSec)
		return err
	}
	if r.Roundtrips > 0 {
		pf("roundtrip count: %d\n", r.Roundtrips)
		pf("average latency: %.3f [us]\n", r.LatencyUS)
		for _, name := range percentileNames {
			if v, ok := r.RTTUS[name]; ok {
				pf("roundtrip %s: %.3f [us]\n", name, v)
			}
		}
		return err
	}
	pf("message count: %d\n", r.Count)
	pf("mean throughput: %d [msg/s]\n", r.MsgPerSec)
	pf("mean throughput: %.3f [Mb/s]\n", r.Mbps)
	return err
}

// Command soak runs the soak and chaos scenario of package soak and writes its
// report (make soak). Run as "soak peer ..." it is one of our producer or
// consumer processes instead.
//
//	soak -duration 3m -device ./zmqdevice -libzmq ./soakpeer -report SOAK.md
//
// It needs root (network namespaces, nftables) and exits 1 when an invariant
// was broken, 2 on a usage error, 3 when the run could not be carried out.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/brokerless/zmq/internal/soak"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "peer" {
		os.Exit(peerMain(os.Args[2:]))
	}
	os.Exit(orchestrate(os.Args[1:]))
}

func orchestrate(args []string) int {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	var cfg soak.Config
	fs.DurationVar(&cfg.Duration, "duration", 3*time.Minute, "length of the run, at least 45s")
	fs.IntVar(&cfg.Rate, "rate", 2000, "messages per second per producer")
	fs.IntVar(&cfg.HWM, "hwm", 1000, "high-water mark of every socket")
	fs.DurationVar(&cfg.FaultEvery, "fault-every", 5*time.Second, "start a fault this often")
	fs.DurationVar(&cfg.Down, "down", time.Second, "how long a killed process stays down")
	fs.DurationVar(&cfg.CutFor, "cut", 2*time.Second, "how long a link stays cut")
	fs.StringVar(&cfg.Device, "device", "", "zmqdevice binary")
	fs.StringVar(&cfg.Libzmq, "libzmq", "", "libzmq soak peer binary (bench/peers/cmd/soakpeer)")
	report := fs.String("report", "", "write the Markdown report here")
	command := fs.String("command", "soak", "the command line named in the report")
	logPath := fs.String("log", "", "write progress and process stderr here instead of standard error")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cfg.Device == "" || cfg.Libzmq == "" || cfg.Duration < 45*time.Second {
		fmt.Fprintln(os.Stderr, "soak: -device and -libzmq are required and -duration must be at least 45s")
		return 2
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 3
	}
	cfg.Ours = self
	cfg.Log = os.Stderr
	if *logPath != "" {
		f, err := os.Create(*logPath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "soak:", err)
			return 3
		}
		defer f.Close()
		cfg.Log = f
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "soak: needs root for network namespaces and nftables")
		return 3
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := soak.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak: run failed:", err)
		return 3
	}
	var buf bytes.Buffer
	rep.Markdown(&buf, *command, machine())
	if *report != "" {
		if err := os.WriteFile(*report, buf.Bytes(), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "soak:", err)
			return 3
		}
	}
	var sent uint64
	for _, s := range rep.Streams {
		sent += s.Sent
	}
	fmt.Printf("soak: %v, %d messages, %d received, %d faults, %d lost (%d unexplained)\n",
		rep.Elapsed.Round(time.Second), sent, rep.Result.Received, len(rep.Faults), rep.Result.Lost, rep.Result.Unexplained)
	if !rep.OK() {
		for _, v := range append(rep.Result.Violations, rep.Problems...) {
			fmt.Println("soak: VIOLATION:", v)
		}
		return 1
	}
	fmt.Println("soak: every invariant held")
	return 0
}

// machine describes the host for the report.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	kernel := "?"
	if out, err := exec.Command("uname", "-r").Output(); err == nil {
		kernel = strings.TrimSpace(string(out))
	}
	return fmt.Sprintf("%d CPUs (%s), Linux %s, %s", runtime.NumCPU(), cpu, kernel, runtime.Version())
}

package socket_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/brokerless/zmq/socket"
)

// One goroutine serves two sockets: tasks, and a control socket that says when to
// stop. After "stop" it finishes the tasks already queued without waiting for more.
func ExamplePoller() {
	ctx := context.Background()
	tasks, _ := socket.New(socket.Pull, socket.Options{})
	defer tasks.Close()
	tasks.Bind("inproc://example-poller-tasks")
	control, _ := socket.New(socket.Pull, socket.Options{})
	defer control.Close()
	control.Bind("inproc://example-poller-control")

	// The other ends, here in the same program.
	ventilator, _ := socket.New(socket.Push, socket.Options{})
	defer ventilator.Close()
	ventilator.Connect("inproc://example-poller-tasks")
	boss, _ := socket.New(socket.Push, socket.Options{})
	defer boss.Close()
	boss.Connect("inproc://example-poller-control")
	ventilator.Send(ctx, socket.NewMsgString("build"))
	boss.Send(ctx, socket.NewMsgString("stop"))
	ventilator.Send(ctx, socket.NewMsgString("test"))

	poller := socket.NewPoller()
	poller.Add(tasks, socket.PollIn)
	poller.Add(control, socket.PollIn)
	waitCtx := ctx
	for {
		ready, err := poller.Wait(waitCtx)
		if err != nil {
			break // stopping, and nothing more is ready
		}
		for _, r := range ready {
			m, err := r.Socket.Recv(ctx) // ready: Recv returns at once
			if err != nil {
				log.Fatal(err)
			}
			if r.Socket == control {
				fmt.Println("control:", string(m.Frames[0]))
				poller.Remove(control)
				expired, cancel := context.WithCancel(ctx)
				cancel()
				waitCtx = expired // from now on, only what is ready already
				continue
			}
			fmt.Println("task:", string(m.Frames[0]))
		}
	}
	// Output:
	// task: build
	// control: stop
	// task: test
}

// A Watcher puts a Poller's sockets into a select statement beside other channels.
func ExamplePoller_Watch() {
	ctx := context.Background()
	pull, _ := socket.New(socket.Pull, socket.Options{})
	defer pull.Close()
	pull.Bind("inproc://example-watch")
	push, _ := socket.New(socket.Push, socket.Options{})
	defer push.Close()
	push.Connect("inproc://example-watch")

	poller := socket.NewPoller()
	poller.Add(pull, socket.PollIn)
	w := poller.Watch()
	defer w.Stop()

	jobs := make(chan string, 1)
	jobs <- "a job from a Go channel"
	push.Send(ctx, socket.NewMsgString("a message from a socket"))
	timeout := time.After(10 * time.Second)
	for handled := 0; handled < 2; {
		select {
		case j := <-jobs:
			fmt.Println(j)
			handled++
		case <-w.C:
			// A hint: Ready says what is ready, possibly nothing.
			for _, r := range w.Ready() {
				m, _ := r.Socket.Recv(ctx)
				fmt.Println(string(m.Frames[0]))
				handled++
			}
		case <-timeout:
			log.Fatal("nothing arrived")
		}
	}
	// Unordered output:
	// a job from a Go channel
	// a message from a socket
}

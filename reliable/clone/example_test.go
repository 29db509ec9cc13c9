package clone_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/brokerless/zmq/reliable/clone"
)

// A server and two clients: what one client sets, the other's replica shows.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv, err := clone.NewServer(clone.ServerOptions{
		Snapshot:  "tcp://127.0.0.1:*",
		Publisher: "tcp://127.0.0.1:*",
		Collector: "tcp://127.0.0.1:*",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.Set(ctx, "/config/mode", []byte("fast"), 0)

	snap, pub, coll := srv.Endpoints()
	opts := clone.ClientOptions{Snapshot: snap, Publisher: pub, Collector: coll, Subtree: "/config/"}
	reader, err := clone.NewClient(ctx, opts)
	if err != nil {
		log.Fatal(err)
	}
	defer reader.Close()
	writer, err := clone.NewClient(ctx, opts)
	if err != nil {
		log.Fatal(err)
	}
	defer writer.Close()

	mode, _ := reader.Get("/config/mode")
	fmt.Printf("snapshot: mode=%s\n", mode)

	writer.Set(ctx, "/config/mode", []byte("safe"), 0)
	for {
		if v, _ := reader.Get("/config/mode"); string(v) == "safe" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("update: mode=safe at sequence %d\n", reader.Sequence())
	// Output:
	// snapshot: mode=fast
	// update: mode=safe at sequence 2
}

package idempotent_test

import (
	"context"
	"fmt"

	"github.com/brokerless/zmq/reliable/idempotent"
)

// A deposit retried after a lost reply is applied once.
func Example() {
	balance := 0
	deposit := func(_ context.Context, req [][]byte) ([][]byte, error) {
		balance += len(req[0]) // deposit one unit per byte, for the example
		return [][]byte{[]byte(fmt.Sprint(balance))}, nil
	}
	r := idempotent.New(deposit, idempotent.Options{Window: 1000})

	id := idempotent.NewID()
	req := idempotent.NewRequest(id, []byte("xxx"))
	r.Handle(context.Background(), req)             // the reply is lost...
	reply, _ := r.Handle(context.Background(), req) // ...so the client sends again
	fmt.Println("reply:", string(reply[0]), "balance:", balance)
	fmt.Printf("%+v\n", r.Stats())
	// Output:
	// reply: 3 balance: 3
	// {Applied:1 Failed:0 Duplicates:1}
}

package secflag_test

import (
	"flag"
	"fmt"

	"github.com/brokerless/zmq/internal/secflag"
)

// A command with two sockets registers their flags under two prefixes, and
// the authenticator's once.
func Example() {
	fs := flag.NewFlagSet("relay", flag.ContinueOnError)
	front := secflag.Register(fs, "frontend-")
	back := secflag.Register(fs, "backend-")
	auth := secflag.RegisterAuth(fs)
	err := fs.Parse([]string{
		"--frontend-plain-server", "--auth-passwords", "/etc/relay/passwords",
		"--backend-curve-serverkey", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fc, err := front.Config()
	if err != nil {
		fmt.Println(err)
		return
	}
	bc, err := back.Config()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("frontend:", fc.Name(), fc.Role == secflag.RoleServer)
	fmt.Println("backend:", bc.Name(), bc.Role == secflag.RoleClient)
	fmt.Println("authenticator:", auth.Enabled(), auth.Check(fc, bc))

	// A mistake names the flags at fault.
	fs = flag.NewFlagSet("relay", flag.ContinueOnError)
	front = secflag.Register(fs, "frontend-")
	fs.Parse([]string{"--frontend-curve-server"})
	_, err = front.Config()
	fmt.Println(err)
	// Output:
	// frontend: PLAIN true
	// backend: CURVE true
	// authenticator: true <nil>
	// --frontend-curve-server needs the server's secret key: --frontend-curve-secretkey or --frontend-curve-cert
}

// Command zmqcert makes and reads CURVE certificates, in the ZPL files that CZMQ
// (zcert) and pyzmq (zmq.auth) use: NAME.key holds the public key and may be handed
// out, NAME.key_secret holds both keys and is readable by its owner only.
//
// Usage:
//
//	zmqcert new PATH/NAME   write PATH/NAME.key and PATH/NAME.key_secret with a new
//	                        key pair, and print the public key in Z85
//	zmqcert show FILE       print the keys of a certificate file in Z85: its public
//	                        key, and its secret key if FILE is a secret certificate
//
// new refuses to overwrite an existing certificate. show prints one key per line,
// "public-key Z85" then, for a secret certificate, "secret-key Z85". Bad arguments
// exit with status 2, other failures with status 1.
//
// Examples:
//
//	zmqcert new certs/server          # prints the server's public key
//	zmqcat rep --bind tcp://127.0.0.1:5555 --curve-server --curve-cert certs/server.key_secret
//	zmqcert show certs/server.key     # public-key rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7
package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/brokerless/zmq/cert"
	"github.com/brokerless/zmq/internal/version"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the certificate could not be written or read
	exitUsage = 2 // bad arguments
)

const usage = `usage: zmqcert new PATH/NAME   write NAME.key and NAME.key_secret, print the public key
       zmqcert show FILE       print a certificate's keys in Z85
       zmqcert --version       print the version
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is zmqcert's main: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if version.Requested(args) {
		fmt.Fprintln(stdout, version.String("zmqcert"))
		return exitOK
	}
	if len(args) == 1 {
		switch args[0] {
		case "-h", "-help", "--help", "help":
			fmt.Fprint(stdout, usage)
			return exitOK
		}
	}
	if len(args) == 0 {
		return usageError(stderr, "missing command: new or show")
	}
	cmd, rest := args[0], args[1:]
	if cmd != "new" && cmd != "show" {
		return usageError(stderr, fmt.Sprintf("unknown command %q: want new or show", cmd))
	}
	if len(rest) != 1 || rest[0] == "" {
		what := "PATH/NAME"
		if cmd == "show" {
			what = "FILE"
		}
		return usageError(stderr, fmt.Sprintf("%s takes one argument, %s", cmd, what))
	}
	var err error
	if cmd == "new" {
		err = newCert(rest[0], stdout)
	} else {
		err = show(rest[0], stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "zmqcert: %v\n", err)
		return exitError
	}
	return exitOK
}

func usageError(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "zmqcert: %s\n%s", msg, usage)
	return exitUsage
}

// newCert writes a new certificate as base.key and base.key_secret and prints
// its public key.
func newCert(base string, stdout io.Writer) error {
	for _, path := range []string{base + cert.PublicSuffix, base + cert.SecretSuffix} {
		_, err := os.Lstat(path)
		if err == nil {
			return fmt.Errorf("%s exists: remove it first, or choose another name", path)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	c, err := cert.New()
	if err != nil {
		return err
	}
	if err := c.Save(base); err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, c.Public)
	return err
}

// show prints the keys of the certificate file at path.
func show(path string, stdout io.Writer) error {
	c, err := cert.Load(path)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(stdout, "public-key %s\n", c.Public); err != nil {
		return err
	}
	if c.HasSecret {
		_, err = fmt.Fprintf(stdout, "secret-key %s\n", c.Secret.Z85())
	}
	return err
}

package secflag

import (
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"

	"github.com/brokerless/zmq/auth"
	"github.com/brokerless/zmq/transport/inproc"
)

// AuthFlags holds the authenticator's flags, as registered by RegisterAuth:
//
//	--auth-passwords FILE   PLAIN clients: "name=password" lines
//	--auth-curve-keys DIR   CURVE clients: the public certificates in DIR
//	--auth-curve-any        CURVE clients: any key (the server key still has to be known)
//	--auth-allow IP         only these client addresses (repeatable)
//	--auth-deny IP          not these client addresses (repeatable), even if allowed
//
// An IP is an address (127.0.0.1, ::1) or a prefix (10.0.0.0/8). Any of these
// flags asks for an authenticator (package auth), configured for every ZAP
// domain ("*"). Once one runs, every PLAIN and CURVE server consults it, and
// so do NULL servers with a ZAP domain.
type AuthFlags struct {
	Passwords string   // --auth-passwords FILE
	CurveKeys string   // --auth-curve-keys DIR
	CurveAny  bool     // --auth-curve-any
	Allow     []string // --auth-allow IP...
	Deny      []string // --auth-deny IP...
}

// RegisterAuth defines the authenticator's flags on fs, without a prefix,
// and returns the value that collects them.
func RegisterAuth(fs *flag.FlagSet) *AuthFlags {
	a := &AuthFlags{}
	fs.StringVar(&a.Passwords, "auth-passwords", "", "authenticate PLAIN clients from `FILE` of name=password lines")
	fs.StringVar(&a.CurveKeys, "auth-curve-keys", "", "authenticate CURVE clients whose public certificate is in `DIR`")
	fs.BoolVar(&a.CurveAny, "auth-curve-any", false, "accept CURVE clients of any key")
	fs.Var((*addrList)(&a.Allow), "auth-allow", "accept clients from address or prefix `IP` only (repeatable)")
	fs.Var((*addrList)(&a.Deny), "auth-deny", "refuse clients from address or prefix `IP` (repeatable; wins over --auth-allow)")
	return a
}

// Enabled reports whether any authenticator flag was given.
func (a *AuthFlags) Enabled() bool {
	return a.Passwords != "" || a.CurveKeys != "" || a.CurveAny || len(a.Allow) > 0 || len(a.Deny) > 0
}

// Check reports authenticator flags that contradict each other or that no
// socket would consult, given the security setups of the command's sockets.
// An authenticator decides only for servers (and for NULL sockets with a ZAP
// domain); passwords need a PLAIN server and keys a CURVE server. A PLAIN
// server needs passwords, and a CURVE server with an authenticator needs keys
// (or any key): without them the authenticator refuses every client.
func (a *AuthFlags) Check(sockets ...Config) error {
	var plainServer, curveServer, consulted bool
	for _, c := range sockets {
		switch {
		case c.Role == RoleServer && c.Name() == "PLAIN":
			if a.Passwords == "" {
				return fmt.Errorf("--%splain-server refuses every client without --auth-passwords FILE", c.prefix)
			}
			plainServer, consulted = true, true
		case c.Role == RoleServer && c.Name() == "CURVE":
			curveServer, consulted = true, true
		case c.Role == RoleNone && c.ZAPDomain != "":
			consulted = true
		}
	}
	if !a.Enabled() {
		return nil
	}
	switch {
	case a.CurveAny && a.CurveKeys != "":
		return fmt.Errorf("--auth-curve-any and --auth-curve-keys together: --auth-curve-any already accepts every key")
	case a.Passwords != "" && !plainServer:
		return fmt.Errorf("--auth-passwords checks PLAIN clients: it needs a PLAIN server (%s)", flagNames(sockets, "plain-server"))
	case (a.CurveKeys != "" || a.CurveAny) && !curveServer:
		return fmt.Errorf("--auth-curve-* checks CURVE clients: it needs a CURVE server (%s)", flagNames(sockets, "curve-server"))
	case !consulted:
		return fmt.Errorf("--auth-* flags check the clients of a server: they need %s, %s or %s",
			flagNames(sockets, "curve-server"), flagNames(sockets, "plain-server"), flagNames(sockets, "zap-domain"))
	case curveServer && a.CurveKeys == "" && !a.CurveAny:
		return fmt.Errorf("the authenticator refuses every CURVE client without --auth-curve-keys DIR or --auth-curve-any")
	}
	return nil
}

// Start starts the authenticator the flags ask for, for the sockets of
// registry reg (nil: inproc.Default), logging its decisions on log, and
// returns it; the caller closes it. It returns nil, nil when no
// authenticator flag was given. A password file or certificate directory that
// cannot be read is an error naming its flag.
func (a *AuthFlags) Start(reg *inproc.Registry, log *slog.Logger) (*auth.Authenticator, error) {
	if !a.Enabled() {
		return nil, nil
	}
	au, err := auth.Start(auth.Options{Registry: reg, Logger: log})
	if err != nil {
		return nil, err
	}
	if a.Passwords != "" {
		if err := au.LoadPasswords(auth.AnyDomain, a.Passwords); err != nil {
			au.Close()
			return nil, fmt.Errorf("--auth-passwords: %w", err)
		}
	}
	if a.CurveKeys != "" {
		if err := au.LoadCurveCerts(auth.AnyDomain, a.CurveKeys); err != nil {
			au.Close()
			return nil, fmt.Errorf("--auth-curve-keys: %w", err)
		}
	}
	if a.CurveAny {
		au.AllowAnyCurve(auth.AnyDomain)
	}
	if len(a.Allow) > 0 {
		au.Allow(a.Allow...)
	}
	if len(a.Deny) > 0 {
		au.Deny(a.Deny...)
	}
	return au, nil
}

// flagNames spells flag name under the prefix of each socket: "--curve-server",
// or "--frontend-curve-server or --backend-curve-server".
func flagNames(sockets []Config, name string) string {
	names := make([]string, len(sockets))
	for i, c := range sockets {
		names[i] = "--" + c.prefix + name
	}
	return strings.Join(names, " or ")
}

// addrList collects the values of a repeatable IP address flag.
type addrList []string

func (l *addrList) String() string { return strings.Join(*l, ",") }

func (l *addrList) Set(v string) error {
	if _, err := netip.ParseAddr(v); err != nil {
		if _, err := netip.ParsePrefix(v); err != nil {
			return fmt.Errorf("not an IP address or prefix")
		}
	}
	*l = append(*l, v)
	return nil
}

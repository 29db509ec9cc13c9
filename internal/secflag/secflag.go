// Package secflag gives the command-line tools (zmqcat, zmqdevice) one set of
// security flags: it registers them on a flag.FlagSet, under an optional prefix
// so that one command can configure several sockets, and turns what was given
// into a wire.Mechanism and a ZAP domain.
//
// A socket's flags are:
//
//	--curve-server                 serve CURVE, with the server's own secret key from
//	--curve-secretkey Z85          ... a Z85 secret key (the public key is derived), or
//	--curve-cert FILE              ... a secret certificate (NAME.key_secret)
//	--curve-serverkey Z85          connect with CURVE to the server of this public key, or
//	--curve-servercert FILE        ... of the public key in this certificate (NAME.key);
//	                               the client's own keys come from --curve-cert, from
//	                               --curve-secretkey (plus --curve-publickey, checked),
//	                               or are generated fresh
//	--plain-server                 serve PLAIN (an authenticator decides on passwords)
//	--plain-user NAME              connect with PLAIN as NAME,
//	--plain-password PASSWORD      ... with this password
//	--zap-domain DOMAIN            the ZAP domain of the socket
//
// Errors name the flags at fault and never quote a secret key or a password.
package secflag

import (
	"crypto/subtle"
	"errors"
	"flag"
	"fmt"

	"github.com/brokerless/zmq/cert"
	"github.com/brokerless/zmq/wire"
)

// maxPlainField is the longest PLAIN user name or password ZMTP can carry.
const maxPlainField = 255

// maxDomain is the longest ZAP domain: ZAP frames it in one byte-counted field.
const maxDomain = 255

// Flags holds the security flags of one socket, as registered by Register.
// Its zero value is not usable.
type Flags struct {
	prefix string

	curveServer     boolFlag
	curveSecretKey  stringFlag
	curvePublicKey  stringFlag
	curveCert       stringFlag
	curveServerKey  stringFlag
	curveServerCert stringFlag
	plainServer     boolFlag
	plainUser       stringFlag
	plainPassword   stringFlag
	zapDomain       stringFlag
}

// Register defines the security flags on fs, each name preceded by prefix
// ("" or, for example, "frontend-"), and returns the value that collects
// them. Call Config after fs.Parse.
func Register(fs *flag.FlagSet, prefix string) *Flags {
	f := &Flags{prefix: prefix}
	fs.Var(&f.curveServer, prefix+"curve-server", "serve CURVE (needs --"+prefix+"curve-secretkey or --"+prefix+"curve-cert)")
	fs.Var(&f.curveSecretKey, prefix+"curve-secretkey", "this socket's CURVE secret key, in `Z85` (visible to other local users: prefer --"+prefix+"curve-cert)")
	fs.Var(&f.curvePublicKey, prefix+"curve-publickey", "this socket's CURVE public key, in `Z85` (checked against --"+prefix+"curve-secretkey)")
	fs.Var(&f.curveCert, prefix+"curve-cert", "this socket's secret CURVE certificate `FILE` (NAME.key_secret)")
	fs.Var(&f.curveServerKey, prefix+"curve-serverkey", "connect with CURVE to the server of this public key, in `Z85`")
	fs.Var(&f.curveServerCert, prefix+"curve-servercert", "connect with CURVE to the server of this public certificate `FILE` (NAME.key)")
	fs.Var(&f.plainServer, prefix+"plain-server", "serve PLAIN (needs --auth-passwords)")
	fs.Var(&f.plainUser, prefix+"plain-user", "connect with PLAIN as user `NAME`")
	fs.Var(&f.plainPassword, prefix+"plain-password", "the PLAIN `PASSWORD` (visible to other local users)")
	fs.Var(&f.zapDomain, prefix+"zap-domain", "the ZAP `DOMAIN` of the socket")
	return f
}

// Role says which end of a security handshake a socket plays.
type Role int

// Roles.
const (
	RoleNone   Role = iota // NULL: no security
	RoleServer             // --curve-server or --plain-server
	RoleClient             // CURVE or PLAIN client
)

// Config is the security setup of one socket.
type Config struct {
	// Mechanism is the socket's Options.Mechanism; nil means NULL.
	Mechanism wire.Mechanism
	// Role is the socket's end of the handshake.
	Role Role
	// ZAPDomain is the --zap-domain value, "" if none.
	ZAPDomain string
	// PublicKey is the socket's own CURVE public key (server or client), in
	// Z85; "" without CURVE.
	PublicKey string

	prefix string // of the flags, for messages
}

// Name returns the mechanism's name: "NULL", "PLAIN" or "CURVE".
func (c Config) Name() string {
	if c.Mechanism == nil {
		return "NULL"
	}
	return c.Mechanism.Name()
}

// Config checks the flags given and builds the socket's security setup. An
// error names the flags at fault: contradictory, incomplete or malformed
// flags, or a certificate file that cannot be read or parsed.
func (f *Flags) Config() (Config, error) {
	c := Config{prefix: f.prefix}
	if f.zapDomain.set {
		if len(f.zapDomain.v) > maxDomain {
			return c, f.usage("%s is longer than %d bytes", f.name("zap-domain"), maxDomain)
		}
		c.ZAPDomain = f.zapDomain.v
	}
	curveClient := f.curveServerKey.set || f.curveServerCert.set
	curveKeys := f.curveSecretKey.set || f.curvePublicKey.set || f.curveCert.set
	plainClient := f.plainUser.set || f.plainPassword.set
	curve := f.curveServer.on || curveClient || curveKeys
	plain := f.plainServer.on || plainClient
	switch {
	case curve && plain:
		return c, f.usage("%s and %s flags together: a socket uses one mechanism", f.name("curve-*"), f.name("plain-*"))
	case f.curveServer.on && curveClient:
		return c, f.usage("%s serves CURVE and %s connects to a CURVE server: give one", f.name("curve-server"), f.name(f.serverKeyFlag()))
	case f.plainServer.on && plainClient:
		return c, f.usage("%s serves PLAIN and %s connects to a PLAIN server: give one", f.name("plain-server"), f.name(f.plainClientFlag()))
	case curve:
		return f.curveConfig(c)
	case plain:
		return f.plainConfig(c)
	}
	return c, nil
}

// plainConfig builds a PLAIN server or client.
func (f *Flags) plainConfig(c Config) (Config, error) {
	if f.plainServer.on {
		c.Role, c.Mechanism = RoleServer, &wire.PlainServer{}
		return c, nil
	}
	switch {
	case !f.plainUser.set:
		return c, f.usage("%s needs %s", f.name("plain-password"), f.name("plain-user"))
	case !f.plainPassword.set:
		return c, f.usage("%s needs %s", f.name("plain-user"), f.name("plain-password"))
	case len(f.plainUser.v) > maxPlainField:
		return c, f.usage("%s is longer than %d bytes", f.name("plain-user"), maxPlainField)
	case len(f.plainPassword.v) > maxPlainField:
		return c, f.usage("%s is longer than %d bytes", f.name("plain-password"), maxPlainField)
	}
	c.Role = RoleClient
	c.Mechanism = &wire.PlainClient{Username: []byte(f.plainUser.v), Password: []byte(f.plainPassword.v)}
	return c, nil
}

// curveConfig builds a CURVE server or client.
func (f *Flags) curveConfig(c Config) (Config, error) {
	switch {
	case !f.curveServer.on && !f.curveServerKey.set && !f.curveServerCert.set:
		return c, f.usage("%s needs %s (to serve) or %s or %s (to connect)", f.name(f.ownKeyFlag()),
			f.name("curve-server"), f.name("curve-serverkey"), f.name("curve-servercert"))
	case f.curveServerKey.set && f.curveServerCert.set:
		return c, f.usage("%s and %s together: give the server's key once", f.name("curve-serverkey"), f.name("curve-servercert"))
	case f.curveCert.set && (f.curveSecretKey.set || f.curvePublicKey.set):
		other := "curve-secretkey"
		if !f.curveSecretKey.set {
			other = "curve-publickey"
		}
		return c, f.usage("%s and %s together: give this socket's keys once", f.name("curve-cert"), f.name(other))
	case f.curvePublicKey.set && !f.curveSecretKey.set:
		return c, f.usage("%s needs %s", f.name("curve-publickey"), f.name("curve-secretkey"))
	case f.curveServer.on && !f.curveCert.set && !f.curveSecretKey.set:
		return c, f.usage("%s needs the server's secret key: %s or %s", f.name("curve-server"), f.name("curve-secretkey"), f.name("curve-cert"))
	}

	pub, sec, have, err := f.ownKeys()
	if err != nil {
		return c, err
	}
	if f.curveServer.on {
		c.Role, c.PublicKey = RoleServer, pub.String()
		c.Mechanism = &wire.CurveServer{PublicKey: pub, SecretKey: sec}
		return c, nil
	}

	var server cert.PublicKey
	if f.curveServerKey.set {
		if server, err = cert.ParsePublicKey(f.curveServerKey.v); err != nil {
			return c, f.usage("%s: %v", f.name("curve-serverkey"), err)
		}
	} else {
		sc, err := cert.Load(f.curveServerCert.v)
		if err != nil {
			return c, fmt.Errorf("%s: %w", f.name("curve-servercert"), err)
		}
		server = sc.Public
	}
	if !have {
		if pub, sec, err = cert.GenerateKeyPair(); err != nil {
			return c, err
		}
	}
	c.Role, c.PublicKey = RoleClient, pub.String()
	c.Mechanism = &wire.CurveClient{PublicKey: pub, SecretKey: sec, ServerKey: server}
	return c, nil
}

// ownKeys reads the socket's own key pair from --curve-cert or
// --curve-secretkey (and --curve-publickey); have is false when neither was
// given.
func (f *Flags) ownKeys() (pub cert.PublicKey, sec cert.SecretKey, have bool, err error) {
	switch {
	case f.curveCert.set:
		c, err := cert.Load(f.curveCert.v)
		if err != nil {
			return pub, sec, false, fmt.Errorf("%s: %w", f.name("curve-cert"), err)
		}
		if !c.HasSecret {
			return pub, sec, false, f.usage("%s: %s holds no secret key (give the NAME%s file, not NAME%s)",
				f.name("curve-cert"), f.curveCert.v, cert.SecretSuffix, cert.PublicSuffix)
		}
		return c.Public, c.Secret, true, nil
	case f.curveSecretKey.set:
		if sec, err = cert.ParseSecretKey(f.curveSecretKey.v); err != nil {
			return pub, sec, false, f.usage("%s: %v", f.name("curve-secretkey"), err)
		}
		pub = sec.Public()
		if f.curvePublicKey.set {
			given, err := cert.ParsePublicKey(f.curvePublicKey.v)
			if err != nil {
				return pub, sec, false, f.usage("%s: %v", f.name("curve-publickey"), err)
			}
			if subtle.ConstantTimeCompare(given[:], pub[:]) != 1 {
				return pub, sec, false, f.usage("%s is not the public key of %s", f.name("curve-publickey"), f.name("curve-secretkey"))
			}
		}
		return pub, sec, true, nil
	}
	return pub, sec, false, nil
}

// usage returns an error about the flags.
func (f *Flags) usage(format string, args ...any) error { return fmt.Errorf(format, args...) }

// name returns the command-line spelling of flag name (or of a family of
// flags, such as "curve-*") under f's prefix.
func (f *Flags) name(name string) string { return "--" + f.prefix + name }

// ownKeyFlag names the first own-key flag given.
func (f *Flags) ownKeyFlag() string {
	switch {
	case f.curveCert.set:
		return "curve-cert"
	case f.curveSecretKey.set:
		return "curve-secretkey"
	}
	return "curve-publickey"
}

func (f *Flags) serverKeyFlag() string {
	if f.curveServerKey.set {
		return "curve-serverkey"
	}
	return "curve-servercert"
}

func (f *Flags) plainClientFlag() string {
	if f.plainUser.set {
		return "plain-user"
	}
	return "plain-password"
}

// stringFlag is a string flag that remembers whether it was given, so that an
// empty value (an empty password) still counts.
type stringFlag struct {
	v   string
	set bool
}

// String returns "" so that help output never shows a value.
func (s *stringFlag) String() string { return "" }

func (s *stringFlag) Set(v string) error {
	s.v, s.set = v, true
	return nil
}

// boolFlag is a boolean switch.
type boolFlag struct{ on bool }

func (b *boolFlag) String() string   { return "" }
func (b *boolFlag) IsBoolFlag() bool { return true }

func (b *boolFlag) Set(v string) error {
	switch v {
	case "true", "1", "t", "T", "TRUE", "True":
		b.on = true
	case "false", "0", "f", "F", "FALSE", "False":
		b.on = false
	default:
		return errors.New("want true or false")
	}
	return nil
}

package cert

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Suffixes of certificate file names, as CZMQ and pyzmq use them.
const (
	PublicSuffix = ".key"        // NAME.key: the public certificate
	SecretSuffix = ".key_secret" // NAME.key_secret: the secret certificate
)

// Property is one metadata entry of a certificate.
type Property struct {
	Name  string // ZPL name characters only: letters, digits and $-_@.&+/
	Value string
}

// Cert is a CURVE certificate: a public key, the secret key if known, and
// metadata.
type Cert struct {
	Public    PublicKey
	Secret    SecretKey // meaningful only if HasSecret
	HasSecret bool
	Metadata  []Property
}

// New returns a certificate with a fresh key pair.
func New() (*Cert, error) {
	pub, sec, err := GenerateKeyPair()
	if err != nil {
		return nil, err
	}
	return &Cert{Public: pub, Secret: sec, HasSecret: true}, nil
}

// Get returns the value of the metadata entry called name.
func (c *Cert) Get(name string) (string, bool) {
	for _, p := range c.Metadata {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

// Set sets the metadata entry called name, replacing an existing one.
func (c *Cert) Set(name, value string) {
	for i, p := range c.Metadata {
		if p.Name == name {
			c.Metadata[i].Value = value
			return
		}
	}
	c.Metadata = append(c.Metadata, Property{Name: name, Value: value})
}

// Banners written at the top of certificate files, as CZMQ writes them.
const (
	publicBanner = "#   ZeroMQ CURVE Public Certificate\n" +
		"#   Exchange securely, or use a secure mechanism to verify the contents\n" +
		"#   of this file after exchange. Store public certificates in your home\n" +
		"#   directory, in the .curve subdirectory.\n"
	secretBanner = "#   ZeroMQ CURVE **Secret** Certificate\n" +
		"#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n"
)

// Marshal returns the certificate file text: the public certificate, or with
// secret the secret one (an error if c has no secret key). The layout is
// CZMQ's: a comment banner, a blank line, a "metadata" section whose entries
// are indented four spaces with quoted values, and a "curve" section.
func (c *Cert) Marshal(secret bool) ([]byte, error) {
	if secret && !c.HasSecret {
		return nil, fmt.Errorf("cert: no secret key to save")
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "#   ****  Generated on %s by brokerless/zmq  ****\n", time.Now().Format("2006-01-02 15:04:05"))
	if secret {
		b.WriteString(secretBanner)
	} else {
		b.WriteString(publicBanner)
	}
	b.WriteString("\nmetadata\n")
	for _, p := range c.Metadata {
		if p.Name == "" || strings.IndexFunc(p.Name, func(r rune) bool { return r > 0x7F || !isNameByte(byte(r)) }) >= 0 {
			return nil, fmt.Errorf("%w: metadata name %q", ErrFormat, p.Name)
		}
		q, err := quoteZPL(p.Value)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "    %s = %s\n", p.Name, q)
	}
	fmt.Fprintf(&b, "curve\n    public-key = \"%s\"\n", c.Public)
	if secret {
		fmt.Fprintf(&b, "    secret-key = \"%s\"\n", c.Secret.Z85())
	}
	return b.Bytes(), nil
}

// Parse parses certificate file text, in CZMQ's or pyzmq's layout. The curve
// section must hold a public-key; a secret-key, if present, must be the
// public key's secret. Errors wrap ErrFormat or ErrKey and never quote a key.
func Parse(text []byte) (*Cert, error) {
	root, err := parseZPL(text)
	if err != nil {
		return nil, err
	}
	curve := root.child("curve")
	if curve == nil {
		return nil, fmt.Errorf("%w: no curve section", ErrFormat)
	}
	pk := curve.child("public-key")
	if pk == nil {
		return nil, fmt.Errorf("%w: no public-key in the curve section", ErrFormat)
	}
	c := &Cert{}
	if c.Public, err = ParsePublicKey(pk.value); err != nil {
		return nil, err
	}
	if sk := curve.child("secret-key"); sk != nil {
		if c.Secret, err = ParseSecretKey(sk.value); err != nil {
			return nil, err
		}
		if c.Secret.Public() != c.Public {
			return nil, fmt.Errorf("%w: the secret-key does not belong to the public-key", ErrKey)
		}
		c.HasSecret = true
	}
	if md := root.child("metadata"); md != nil {
		for _, p := range md.children {
			c.Metadata = append(c.Metadata, Property{Name: p.name, Value: p.value})
		}
	}
	return c, nil
}

// Load reads and parses one certificate file.
func Load(path string) (*Cert, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	text, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(text) > maxFileSize {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrFormat, path, maxFileSize)
	}
	c, err := Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Save writes the certificate as base+".key" (public, mode 0644) and, if it
// has a secret key, base+".key_secret" (mode 0600), the pair of files that
// pyzmq's create_certificates writes.
func (c *Cert) Save(base string) error {
	if err := c.SavePublic(base + PublicSuffix); err != nil {
		return err
	}
	if !c.HasSecret {
		return nil
	}
	return c.SaveSecret(base + SecretSuffix)
}

// SavePublic writes the public certificate to path, mode 0644.
func (c *Cert) SavePublic(path string) error { return c.save(path, false, 0o644) }

// SaveSecret writes the secret certificate to path, readable and writable by
// its owner only (mode 0600, also when the file existed).
func (c *Cert) SaveSecret(path string) error { return c.save(path, true, 0o600) }

func (c *Cert) save(path string, secret bool, mode os.FileMode) error {
	text, err := c.Marshal(secret)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// LoadDir loads every public certificate (file name ending ".key") in dir,
// as pyzmq's load_certificates does, sorted by file name. Secret
// certificates are not read. A file that does not parse is an error naming
// it.
func LoadDir(dir string) ([]*Cert, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), PublicSuffix) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	certs := make([]*Cert, 0, len(names))
	for _, name := range names {
		c, err := Load(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	return certs, nil
}

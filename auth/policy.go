package auth

import (
	"crypto/subtle"
	"maps"
	"net/netip"
	"strings"
)

// policy is one immutable snapshot of the authenticator's configuration. The
// setters build a new snapshot and swap it in; a decision reads one snapshot
// from start to end, so a configuration change never shows half-applied.
type policy struct {
	allow   addrSet
	deny    addrSet
	domains map[string]*domainPolicy
	hook    Hook
}

// domainPolicy is the configuration of one domain (or of "*").
type domainPolicy struct {
	plain map[string]string // PLAIN users and passwords; nil: not configured
	curve *curvePolicy      // nil: not configured
}

// curvePolicy is a domain's CURVE rule: any key, or the keys listed.
type curvePolicy struct {
	any  bool
	keys [][32]byte
}

// clone returns a copy of p that the setters may change. The maps and slices
// inside a domainPolicy are replaced whole, never modified, so they are shared.
func (p *policy) clone() *policy {
	q := &policy{
		allow:   p.allow.clone(),
		deny:    p.deny.clone(),
		domains: make(map[string]*domainPolicy, len(p.domains)),
		hook:    p.hook,
	}
	for name, d := range p.domains {
		dd := *d
		q.domains[name] = &dd
	}
	return q
}

// domain returns the writable policy of domain name, creating it.
func (p *policy) domain(name string) *domainPolicy {
	d := p.domains[name]
	if d == nil {
		d = new(domainPolicy)
		p.domains[name] = d
	}
	return d
}

// plainUsers returns the PLAIN users that apply to domain: the domain's own,
// or else those of "*". Nil means PLAIN is not configured for it.
func (p *policy) plainUsers(domain string) map[string]string {
	if d := p.domains[domain]; d != nil && d.plain != nil {
		return d.plain
	}
	if d := p.domains[AnyDomain]; d != nil {
		return d.plain
	}
	return nil
}

// curveRule returns the CURVE rule that applies to domain: the domain's own,
// or else that of "*". Nil means CURVE is not configured for it.
func (p *policy) curveRule(domain string) *curvePolicy {
	if d := p.domains[domain]; d != nil && d.curve != nil {
		return d.curve
	}
	if d := p.domains[AnyDomain]; d != nil {
		return d.curve
	}
	return nil
}

// decide applies the built-in policy to r.
func (p *policy) decide(r *Request) Decision {
	if p.deny.contains(r.Address) {
		return Decision{Status: StatusRefused, Text: "address denied"}
	}
	if !p.allow.empty() && !p.allow.contains(r.Address) {
		return Decision{Status: StatusRefused, Text: "address not allowed"}
	}
	switch r.Mechanism {
	case MechanismNull:
		return Decision{Status: StatusOK, Text: "OK", UserID: AnonymousUserID}
	case MechanismPlain:
		return decidePlain(p.plainUsers(r.Domain), r)
	case MechanismCurve:
		return decideCurve(p.curveRule(r.Domain), r)
	default:
		return Decision{Status: StatusRefused, Text: "mechanism not supported"}
	}
}

// dummyPassword is compared against when the user is unknown, so that an
// unknown user costs the same comparison as a wrong password.
const dummyPassword = "\x00unknown-user\x00"

func decidePlain(users map[string]string, r *Request) Decision {
	if users == nil {
		return Decision{Status: StatusRefused, Text: "no PLAIN users for this domain"}
	}
	want, known := users[r.Username]
	if !known {
		want = dummyPassword
	}
	match := subtle.ConstantTimeCompare([]byte(want), []byte(r.password)) == 1
	switch {
	case !known:
		return Decision{Status: StatusRefused, Text: "unknown user"}
	case !match:
		return Decision{Status: StatusRefused, Text: "wrong password"}
	}
	return Decision{Status: StatusOK, Text: "OK", UserID: r.Username}
}

func decideCurve(rule *curvePolicy, r *Request) Decision {
	if rule == nil {
		return Decision{Status: StatusRefused, Text: "no CURVE keys for this domain"}
	}
	if rule.any {
		return Decision{Status: StatusOK, Text: "OK", UserID: r.ClientKeyZ85()}
	}
	// Compare with every key, in constant time each, so the time taken does not
	// tell which listed key came closest.
	found := 0
	for i := range rule.keys {
		found |= subtle.ConstantTimeCompare(rule.keys[i][:], r.ClientKey[:])
	}
	if found == 0 {
		return Decision{Status: StatusRefused, Text: "unknown key"}
	}
	return Decision{Status: StatusOK, Text: "OK", UserID: r.ClientKeyZ85()}
}

// addrSet is an allow or deny list: IP prefixes (a single address is a /32 or
// /128 prefix), and entries that are not IP text, matched as exact text.
type addrSet struct {
	prefixes []netip.Prefix
	text     map[string]struct{}
}

func (s addrSet) empty() bool { return len(s.prefixes) == 0 && len(s.text) == 0 }

func (s addrSet) clone() addrSet {
	return addrSet{prefixes: s.prefixes[:len(s.prefixes):len(s.prefixes)], text: maps.Clone(s.text)}
}

// add adds entries to s and reports those that are not IP addresses or
// prefixes. Empty entries are ignored.
func (s *addrSet) add(entries []string) (notIP []string) {
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if pfx, ok := parsePrefix(e); ok {
			s.prefixes = append(s.prefixes, pfx)
			continue
		}
		if s.text == nil {
			s.text = make(map[string]struct{})
		}
		s.text[e] = struct{}{}
		notIP = append(notIP, e)
	}
	return notIP
}

// parsePrefix parses an address ("192.168.1.2", "::1") or a prefix
// ("10.0.0.0/8"), unmapping IPv4-mapped IPv6 forms so that "::ffff:10.1.2.3"
// and "10.1.2.3" are the same address.
func parsePrefix(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		if a := pfx.Addr(); a.Is4In6() && pfx.Bits() >= 96 {
			pfx = netip.PrefixFrom(a.Unmap(), pfx.Bits()-96)
		}
		return pfx.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.WithZone("").Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

// contains reports whether address matches an entry of s.
func (s addrSet) contains(address string) bool {
	if _, ok := s.text[address]; ok {
		return true
	}
	a, err := netip.ParseAddr(address)
	if err != nil {
		return false
	}
	a = a.WithZone("").Unmap()
	for _, p := range s.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

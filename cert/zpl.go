package cert

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// ErrFormat is wrapped by every error about the text of a certificate file.
var ErrFormat = errors.New("cert: malformed certificate")

// maxFileSize bounds the certificate files Load reads.
const maxFileSize = 1 << 20

// node is one ZPL (ZeroMQ RFC 4) entry: a name, an optional value, and the
// entries indented beneath it.
type node struct {
	name     string
	value    string
	children []*node
}

// child returns n's first child called name, or nil.
func (n *node) child(name string) *node {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// isNameByte reports whether c may appear in a ZPL name.
func isNameByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("$-_@.&+/", c) >= 0
}

// parseZPL parses ZPL text into a root node. Each level of nesting is four
// spaces; lines that are blank or start with '#' (after indentation) are
// comments. A value is quoted with " or ', or runs unquoted to the end of
// the line or a '#'. Errors name the line, never its value.
func parseZPL(text []byte) (*node, error) {
	root := &node{}
	stack := []*node{root}
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 0, 4096), maxFileSize)
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		indent := len(line) - len(strings.TrimLeft(line, " "))
		rest := line[indent:]
		if rest == "" || rest[0] == '#' {
			continue
		}
		if rest[0] == '\t' {
			return nil, fmt.Errorf("%w: line %d: tab in indentation", ErrFormat, ln)
		}
		if indent%4 != 0 {
			return nil, fmt.Errorf("%w: line %d: indentation of %d spaces is not a multiple of 4", ErrFormat, ln, indent)
		}
		depth := indent / 4
		if depth > len(stack)-1 {
			return nil, fmt.Errorf("%w: line %d: indented too deep", ErrFormat, ln)
		}
		n, err := parseZPLLine(rest)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %s", ErrFormat, ln, err)
		}
		parent := stack[depth]
		parent.children = append(parent.children, n)
		stack = append(stack[:depth+1], n)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return root, nil
}

// parseZPLLine parses "name", "name = value" or "name = "value"", with an
// optional trailing comment.
func parseZPLLine(s string) (*node, error) {
	i := 0
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	if i == 0 {
		return nil, errors.New("bad character in name")
	}
	n := &node{name: s[:i]}
	s = strings.TrimLeft(s[i:], " ")
	if s == "" || s[0] == '#' {
		return n, nil
	}
	if s[0] != '=' {
		return nil, errors.New("expected '=' after the name")
	}
	s = strings.TrimLeft(s[1:], " ")
	switch {
	case s != "" && (s[0] == '"' || s[0] == '\''):
		end := strings.IndexByte(s[1:], s[0])
		if end < 0 {
			return nil, errors.New("unterminated quoted value")
		}
		n.value = s[1 : 1+end]
		s = strings.TrimLeft(s[2+end:], " ")
		if s != "" && s[0] != '#' {
			return nil, errors.New("text after the quoted value")
		}
	default:
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = s[:i]
		}
		n.value = strings.TrimRight(s, " ")
	}
	return n, nil
}

// quoteZPL returns v quoted for a ZPL value: with " unless it holds one, else
// with '. A value holding both cannot be written.
func quoteZPL(v string) (string, error) {
	switch {
	case strings.ContainsAny(v, "\r\n"):
		return "", fmt.Errorf("%w: metadata value holds a line break", ErrFormat)
	case !strings.Contains(v, `"`):
		return `"` + v + `"`, nil
	case !strings.Contains(v, "'"):
		return "'" + v + "'", nil
	}
	return "", fmt.Errorf("%w: metadata value holds both quote characters", ErrFormat)
}

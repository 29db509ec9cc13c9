package auth

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ErrPasswordFile is wrapped by every error about the content of a password
// file. Such errors give the line number and never quote a password.
var ErrPasswordFile = errors.New("auth: bad password file")

// maxPasswordFile bounds the size of a password file that ReadPasswordFile and
// ParsePasswords read.
const maxPasswordFile = 16 << 20

// ParsePasswords parses PLAIN users in the format of CZMQ's password files:
//
//	# comment
//	admin=secret
//	reader = pass word
//
// one "name=password" per line, split at the first '='. The name is trimmed of
// spaces and tabs; the password is everything after the '=' (only a line's
// "\r\n" ending is removed, so spaces in it count). Blank lines and lines whose
// first non-blank character is '#' are ignored. A line without '=', an empty
// name, a name or password longer than PLAIN's 255 bytes, and a name given twice
// are errors naming the line.
func ParsePasswords(r io.Reader) (map[string]string, error) {
	return parsePasswords(r, "")
}

// ReadPasswordFile reads and parses the password file at path (see
// ParsePasswords). Its errors name the file.
func ReadPasswordFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	defer f.Close()
	return parsePasswords(f, path+" ")
}

// parsePasswords parses a password file; where, if not empty, names the file in
// errors and ends with a space.
func parsePasswords(r io.Reader, where string) (map[string]string, error) {
	text, err := io.ReadAll(io.LimitReader(r, maxPasswordFile+1))
	if err != nil {
		return nil, fmt.Errorf("auth: read %spasswords: %w", where, err)
	}
	if len(text) > maxPasswordFile {
		return nil, fmt.Errorf("%w: %slarger than %d bytes", ErrPasswordFile, where, maxPasswordFile)
	}
	bad := func(n int, format string, args ...any) error {
		return fmt.Errorf("%w: %sline %d: %s", ErrPasswordFile, where, n, fmt.Sprintf(format, args...))
	}
	users := make(map[string]string)
	firstLine := make(map[string]int)
	text = bytes.TrimPrefix(text, []byte("\ufeff")) // a byte order mark some editors write
	for n, line := range strings.Split(string(text), "\n") {
		n++ // lines count from 1
		line = strings.TrimSuffix(line, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		name, password, ok := strings.Cut(line, "=")
		if !ok {
			return nil, bad(n, "no '=' between user name and password")
		}
		name = strings.Trim(name, " \t")
		switch {
		case name == "":
			return nil, bad(n, "empty user name")
		case len(name) > maxField:
			return nil, bad(n, "user name longer than 255 bytes")
		case len(password) > maxField:
			return nil, bad(n, "password of user %q longer than 255 bytes", name)
		}
		if first, dup := firstLine[name]; dup {
			return nil, bad(n, "user %q already defined on line %d", name, first)
		}
		firstLine[name] = n
		users[name] = password
	}
	return users, nil
}

package auth_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brokerless/zmq/auth"
	"github.com/stretchr/testify/require"
)

func TestParsePasswords(t *testing.T) {
	text := "# users of the test\n" +
		"\n" +
		"admin=secret\n" +
		"   # an indented comment\n" +
		"  reader = pass word \n" +
		"crlf=line\r\n" +
		"eq=a=b\n" +
		"nopass=\n" +
		"\t\n" +
		"last=no newline"
	users, err := auth.ParsePasswords(strings.NewReader(text))
	require.NoError(t, err)
	require.Equal(t, map[string]string{
		"admin":  "secret",
		"reader": " pass word ",
		"crlf":   "line",
		"eq":     "a=b",
		"nopass": "",
		"last":   "no newline",
	}, users)

	users, err = auth.ParsePasswords(strings.NewReader("\ufeffadmin=secret\r\n"))
	require.NoError(t, err)
	require.Equal(t, map[string]string{"admin": "secret"}, users, "a leading byte order mark is not part of the name")

	users, err = auth.ParsePasswords(strings.NewReader(""))
	require.NoError(t, err)
	require.Empty(t, users)
}

func TestParsePasswordsErrors(t *testing.T) {
	long := strings.Repeat("x", 256)
	cases := []struct {
		name, text, want string
	}{
		{"no equals", "admin=ok\n\nhunter2-no-equals\n", "line 3: no '=' between user name and password"},
		{"empty name", "# c\n=hunter2\n", "line 2: empty user name"},
		{"blank name", "  \t=hunter2\n", "line 1: empty user name"},
		{"long name", long + "=hunter2\n", "line 1: user name longer than 255 bytes"},
		{"long password", "admin=" + long + "\n", `line 1: password of user "admin" longer than 255 bytes`},
		{"duplicate", "admin=hunter2\nbob=x\n admin =hunter3\n", `line 3: user "admin" already defined on line 1`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := auth.ParsePasswords(strings.NewReader(c.text))
			require.ErrorIs(t, err, auth.ErrPasswordFile)
			require.Contains(t, err.Error(), c.want)
			require.NotContains(t, err.Error(), "hunter", "an error never quotes a password")
			require.NotContains(t, err.Error(), long)
		})
	}
}

func TestParsePasswordsTooLarge(t *testing.T) {
	_, err := auth.ParsePasswords(strings.NewReader(strings.Repeat("#\n", 9<<20)))
	require.ErrorIs(t, err, auth.ErrPasswordFile)
	require.Contains(t, err.Error(), "larger than")
}

func TestLoadPasswords(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "passwords")
	require.NoError(t, os.WriteFile(path, []byte("# PLAIN users\nadmin=secret\nreader=read\n"), 0o600))
	require.NoError(t, h.a.LoadPasswords(auth.AnyDomain, path))
	requireReply(t, h.ask(t, plainReq("", "127.0.0.1", "admin", "secret")...), "1", "200", "admin")
	requireReply(t, h.ask(t, plainReq("", "127.0.0.1", "reader", "read")...), "1", "200", "reader")
	requireReply(t, h.ask(t, plainReq("", "127.0.0.1", "reader", "secret")...), "1", "400", "")

	// A bad file is an error naming it and its line, and changes nothing.
	bad := filepath.Join(dir, "bad")
	require.NoError(t, os.WriteFile(bad, []byte("admin=other\nhunter2\n"), 0o600))
	err := h.a.LoadPasswords(auth.AnyDomain, bad)
	require.ErrorIs(t, err, auth.ErrPasswordFile)
	require.Contains(t, err.Error(), bad+" line 2:")
	require.NotContains(t, err.Error(), "hunter2")
	requireReply(t, h.ask(t, plainReq("", "127.0.0.1", "admin", "secret")...), "1", "200", "admin")

	err = h.a.LoadPasswords(auth.AnyDomain, filepath.Join(dir, "missing"))
	require.ErrorIs(t, err, fs.ErrNotExist)
	require.False(t, errors.Is(err, auth.ErrPasswordFile))

	// Loading again replaces the domain's users.
	require.NoError(t, os.WriteFile(path, []byte("admin=new\n"), 0o600))
	require.NoError(t, h.a.LoadPasswords(auth.AnyDomain, path))
	requireReply(t, h.ask(t, plainReq("", "127.0.0.1", "admin", "new")...), "1", "200", "admin")
	requireReply(t, h.ask(t, plainReq("", "127.0.0.1", "reader", "read")...), "1", "400", "")
}

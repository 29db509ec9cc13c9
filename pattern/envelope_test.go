package pattern

import (
	"fmt"
	"testing"
)

func frames(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func TestSplitEnvelope(t *testing.T) {
	tests := []struct {
		in        [][]byte
		env, body string
		ok        bool
	}{
		{frames("", "hello"), `[""]`, `["hello"]`, true},
		{frames("id1", "", "hello"), `["id1" ""]`, `["hello"]`, true},
		{frames("id2", "id1", "", "a", "b"), `["id2" "id1" ""]`, `["a" "b"]`, true},
		{frames("id", "", "a", "", "b"), `["id" ""]`, `["a" "" "b"]`, true}, // first delimiter only
		{frames("id", ""), `["id" ""]`, `[]`, true},
		{frames(""), `[""]`, `[]`, true},
		{frames("hello"), `[]`, `[]`, false},
		{frames("id", "hello"), `[]`, `[]`, false},
		{nil, `[]`, `[]`, false},
	}
	for _, tt := range tests {
		env, body, ok := SplitEnvelope(tt.in)
		if ge, gb := fmt.Sprintf("%q", env), fmt.Sprintf("%q", body); ge != tt.env || gb != tt.body || ok != tt.ok {
			t.Errorf("SplitEnvelope(%q) = %s, %s, %v; want %s, %s, %v", tt.in, ge, gb, ok, tt.env, tt.body, tt.ok)
		}
		if !ok && (env != nil || body != nil) {
			t.Errorf("SplitEnvelope(%q) failed but returned non-nil slices", tt.in)
		}
	}
}

func TestSplitEnvelopeAppendSafe(t *testing.T) {
	in := frames("id", "", "body")
	env, body, _ := SplitEnvelope(in)
	_ = append(env, []byte("extra"))
	if string(body[0]) != "body" {
		t.Fatalf("appending to env overwrote body: %q", body)
	}
}

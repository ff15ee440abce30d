package history

import (
	"bytes"
	"testing"
)

// containsFoldSlow is the definition: some window of s folds to sub.
func containsFoldSlow(s, sub []byte) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if bytes.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func TestContainsFoldFindsEveryCase(t *testing.T) {
	s := []byte("users:\n  - id: departed.person1151\n    email: Departed.Person1151@Example.com\n  - id: bob-2\n")
	for _, c := range []struct {
		sub  string
		want bool
	}{
		{"departed.person1151", true},
		{"DEPARTED.PERSON1151@example.COM", true},
		{"person1151@", true},
		{"person1152", false},
		{"1151", true},
		{"Bob-2", true},
		{"bob-3", false},
		{"email", true},
		{"emails", false},
		{".person1151@example.com\n  - id: bob-2\n!", false},
	} {
		if got := containsFold(s, []byte(c.sub)); got != c.want || got != containsFoldSlow(s, []byte(c.sub)) {
			t.Errorf("containsFold(%q) = %v; want %v", c.sub, got, c.want)
		}
	}
}

func FuzzContainsFold(f *testing.F) {
	f.Add([]byte("a.B1@x.org a.b1@X.ORG"), []byte("A.b1@"))
	f.Add([]byte("id: x-1\n"), []byte("X-1"))
	f.Fuzz(func(t *testing.T, s, sub []byte) {
		if len(sub) == 0 {
			return
		}
		// The definition for ASCII, or anything the old byte scan found.
		if got, want := containsFold(s, sub), containsFoldSlow(s, sub); got != want && (got || isASCII(sub)) {
			t.Errorf("containsFold(%q, %q) = %v; want %v", s, sub, got, want)
		}
	})
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

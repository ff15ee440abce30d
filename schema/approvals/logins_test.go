package approvals

import (
	"strings"
	"testing"

	"github.com/access-as-code/access/schema"
)

func loginsOf(pairs ...string) *Logins {
	cfg := &schema.Config{}
	for i := 0; i < len(pairs); i += 2 {
		cfg.Users = append(cfg.Users, &schema.User{ID: pairs[i], GitHub: pairs[i+1]})
	}
	return NewLogins(cfg)
}

func TestLoginsIgnoreCase(t *testing.T) {
	l := loginsOf("alice", "Alice-GH", "bob", "bob-gh", "carol", "")
	for _, login := range []string{"alice-gh", "ALICE-GH", "Alice-GH", " alice-gh "} {
		if id, err := l.Person(login); err != nil || id != "alice" {
			t.Errorf("Person(%q) = %q, %v; want alice", login, id, err)
		}
	}
	if id, err := l.Person(""); err == nil {
		t.Errorf("the empty login mapped to %q (carol has no github)", id)
	}
}

func TestALoginNotInUsersYAMLCountsForNobody(t *testing.T) {
	l := loginsOf("alice", "alice-gh")
	if id, err := l.Person("mallory"); err == nil || id != "" || !strings.Contains(err.Error(), "mallory") {
		t.Fatalf("Person(mallory) = %q, %v; want an error naming the login", id, err)
	}
	author, approved, ignored := l.People("mallory", []string{"mallory", "ALICE-gh"})
	if author != "" || strings.Join(approved, ",") != "alice" || len(ignored) != 2 {
		t.Fatalf("People = %q %v %v; want no author, alice approving, two ignored", author, approved, ignored)
	}
}

func TestALoginClaimedByTwoPeopleCountsForNeither(t *testing.T) {
	// Validation refuses this, but the base revision is read as it is.
	l := loginsOf("alice", "shared", "bob", "SHARED", "carol", "carol-gh")
	id, err := l.Person("shared")
	if err == nil || id != "" || !strings.Contains(err.Error(), "alice, bob") {
		t.Fatalf("Person(shared) = %q, %v; want an error naming both claimants", id, err)
	}
	author, approved, ignored := l.People("carol-gh", []string{"Shared", "carol-gh", "carol-gh"})
	if author != "carol" || strings.Join(approved, ",") != "carol" || len(ignored) != 1 {
		t.Fatalf("People = %q %v %v; want author carol, carol once, the shared login ignored", author, approved, ignored)
	}
	if author, _, _ := l.People("shared", nil); author != "" {
		t.Fatalf("an ambiguous author mapped to %q", author)
	}
}

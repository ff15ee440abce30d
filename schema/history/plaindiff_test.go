package history

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/schema/gitrev"
	"github.com/access-as-code/access/schema/gitrev/gitrevtest"
)

func TestPlainDiffFindsWholePlainItemLines(t *testing.T) {
	head := "owners: [alice]\nmembers:\n"
	for _, tc := range []struct {
		name, a, b   string
		onlyA, onlyB []string
		ok, members  bool
	}{
		{"added in the middle", head + "  - bob\n  - carol\n", head + "  - bob\n  - dave\n  - carol\n", nil, []string{"dave"}, true, true},
		{"removed at the end", head + "  - bob\n  - carol\n", head + "  - bob\n", []string{"carol"}, nil, true, true},
		{"no final newline", head + "  - bob\n  - carol", head + "  - bob", []string{"carol"}, nil, true, true},
		{"one id replaced", head + "  - bob\n", head + "  - bobby\n", []string{"bob"}, []string{"bobby"}, true, true},
		{"a prefix of the next line", head + "  - bo\n  - bob\n", head + "  - bob\n", []string{"bo"}, nil, true, true},
		{"temporary entry", head + "  - bob\n", head + "  - bob\n  - user: carol\n    until: 2026-05-01\n", nil, nil, false, false},
		{"until edited", head + "  - user: bob\n    until: 2026-05-01\n", head + "  - user: bob\n    until: 2026-06-01\n", nil, nil, false, false},
		{"role entry", head + "  - bob\n", head + "  - bob\n  - role: eng\n", nil, nil, false, false},
		{"quoted", head + "  - bob\n", head + "  - bob\n  - \"carol\"\n", nil, nil, false, false},
		{"comment", head + "  - bob\n", head + "  - bob # lead\n", nil, nil, false, false},
		{"flow list", "members: [bob]\n", "members: [bob, carol]\n", nil, nil, false, false},
		{"owners", "owners:\n  - alice\nmembers:\n  - bob\n", "owners:\n  - alice\n  - carol\nmembers:\n  - bob\n", nil, []string{"carol"}, true, false},
	} {
		onlyA, onlyB, at, ok := plainDiff([]byte(tc.a), []byte(tc.b))
		if ok != tc.ok || !slices.Equal(onlyA, tc.onlyA) || !slices.Equal(onlyB, tc.onlyB) {
			t.Errorf("%s: plainDiff = %q, %q, %v; want %q, %q, %v", tc.name, onlyA, onlyB, ok, tc.onlyA, tc.onlyB, tc.ok)
			continue
		}
		if ok && inMembers([]byte(tc.a), at) != tc.members {
			t.Errorf("%s: inMembers = %v, want %v", tc.name, !tc.members, tc.members)
		}
	}
}

// The walk carries grants over plain-line changes instead of parsing each
// version: on a random history of plain lines, temporary entries, role
// entries, owners and role files, it must give exactly the events of
// parsing every version.
func TestPlainFastPathGivesTheEventsOfParsing(t *testing.T) {
	people := []string{"alice", "bob", "carol", "dave", "erin", "frank"}
	b := gitrevtest.New(t)
	var us strings.Builder
	us.WriteString("users:\n")
	for _, p := range people {
		fmt.Fprintf(&us, "  - id: %s\n    email: %s@example.com\n", p, p)
	}
	b.Write("access-config/access.yaml", "admins: [alice]\n").Write("access-config/users.yaml", us.String())
	r := rand.New(rand.NewPCG(1, 2))
	members := map[string][]string{"all": {"alice", "bob"}, "ops": {"carol"}}
	owners := []string{"alice"}
	role := []string{"dave"}
	write := func(g string) {
		var s strings.Builder
		s.WriteString("owners:\n")
		for _, o := range owners {
			fmt.Fprintf(&s, "  - %s\n", o)
		}
		s.WriteString("members:\n")
		for _, m := range members[g] {
			fmt.Fprintf(&s, "  - %s\n", m)
		}
		b.Write("access-config/groups/"+g+".yaml", s.String())
	}
	writeRole := func() {
		b.Write("access-config/roles/eng.yaml", "owners: [alice]\nmembers: ["+strings.Join(role, ", ")+"]\n")
	}
	write("all")
	write("ops")
	writeRole()
	b.Commit("initial", "alice", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	toggle := func(list []string, x string) []string {
		if i := slices.Index(list, x); i >= 0 {
			return slices.Delete(slices.Clone(list), i, i+1)
		}
		at := r.IntN(len(list) + 1)
		return slices.Insert(slices.Clone(list), at, x)
	}
	for i := range 60 {
		g := []string{"all", "ops"}[r.IntN(2)]
		p := people[r.IntN(len(people))]
		// a person is listed once per file, as validation wants
		temp := slices.IndexFunc(members[g], func(m string) bool { return strings.HasPrefix(m, "user: "+p+"\n") })
		switch x := r.IntN(10); {
		case x < 5 && temp < 0:
			members[g] = toggle(members[g], p)
		case x < 6 && !slices.Contains(members[g], p):
			if temp >= 0 {
				members[g] = slices.Delete(members[g], temp, temp+1)
			} else {
				members[g] = toggle(members[g], "user: "+p+"\n    until: 2026-0"+fmt.Sprint(1+r.IntN(9))+"-01\n    reason: R")
			}
		case x < 7:
			members[g] = toggle(members[g], "role: eng")
		case x < 8:
			owners = toggle(owners, p)
			if len(owners) == 0 {
				owners = []string{"alice"}
			}
		default:
			role = toggle(role, p)
			writeRole()
		}
		write(g)
		b.Commit(fmt.Sprintf("change %d (#%d)", i, i), "alice", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Hour))
	}
	repo := gitrev.FromRepository(b.Repo, "access-config")
	walk := func(fast bool, subj Subject) []Event {
		plainFastPath = fast
		defer func() { plainFastPath = true }()
		evs, err := Walk(context.Background(), repo, subj, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}
	subjects := []Subject{{Kind: "group", Name: "all"}, {Kind: "group", Name: "ops"}}
	for _, p := range people {
		subjects = append(subjects, Subject{Kind: "user", Name: p})
	}
	for _, subj := range subjects {
		slow, fast := walk(false, subj), walk(true, subj)
		if len(slow) == 0 {
			t.Errorf("%v: no events: the history does not exercise it", subj)
		}
		if !reflect.DeepEqual(slow, fast) {
			t.Errorf("%v: the fast path gives\n%+v\nparsing every version gives\n%+v", subj, fast, slow)
		}
	}
}

package prune

import (
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

const group = `# Backend engineers' access.
description: Backend engineers   # shown in listings
owners: [bob]
members:
  - alice            # permanent
  # carol helped during INC-1234
  - user: carol
    until: 2026-02-01
    reason: |
      INC-1234
      cross-team help
  - user: dave
    until: "2026-12-31"
  - role: contractors
    until: 2026-03-01T00:00:00Z

  # trailing note about members
okta:
  group: Eng-Backend
`

func TestFileDropsExpiredEntriesAndKeepsEverythingElse(t *testing.T) {
	out, removed, err := File("groups/backend.yaml", []byte(group), now)
	if err != nil {
		t.Fatal(err)
	}
	want := `# Backend engineers' access.
description: Backend engineers   # shown in listings
owners: [bob]
members:
  - alice            # permanent
  - user: dave
    until: "2026-12-31"

  # trailing note about members
okta:
  group: Eng-Backend
`
	if string(out) != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
	if len(removed) != 2 || removed[0].User != "carol" || removed[0].Line != 7 || removed[1].Role != "contractors" {
		t.Errorf("removed = %+v", removed)
	}
}

func TestFileWithNothingExpiredIsUnchanged(t *testing.T) {
	out, removed, err := File("g.yaml", []byte(group), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(removed) != 0 || string(out) != group {
		t.Errorf("removed %v err %v; file changed: %v", removed, err, string(out) != group)
	}
}

func TestFileRemovingEveryEntryLeavesAnEmptyList(t *testing.T) {
	in := "owners: [bob]\nmembers:   # temporary only\n  - user: carol\n    until: 2026-01-01\n"
	out, _, err := File("g.yaml", []byte(in), now)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "owners: [bob]\nmembers: []   # temporary only\n" {
		t.Errorf("got %q", out)
	}
}

func TestFileRefusesFlowSequences(t *testing.T) {
	_, _, err := File("g.yaml", []byte("members: [{user: carol, until: 2026-01-01}]\n"), now)
	if err == nil || !strings.Contains(err.Error(), "by hand") {
		t.Errorf("err = %v", err)
	}
}

func TestFileKeepsCRLFLineEndings(t *testing.T) {
	in := "members:\r\n  - alice\r\n  - user: carol\r\n    until: 2026-01-01\r\n  - bob\r\n"
	out, _, err := File("g.yaml", []byte(in), now)
	if err != nil || string(out) != "members:\r\n  - alice\r\n  - bob\r\n" {
		t.Errorf("got %q, %v", out, err)
	}
}

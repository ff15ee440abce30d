package request

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/access-as-code/access/schema/approvals"
)

var now = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

var example = os.DirFS("../../access-config")

func TestApplyAddsAMemberAndNamesTheApprovers(t *testing.T) {
	res, err := Apply(example, Request{Group: "production", User: "bob", Until: date("2026-12-20"), Reason: "INC-1", Requester: "bob"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if res.File != "groups/production.yaml" || res.Op != OpAdded {
		t.Errorf("file %s op %s", res.File, res.Op)
	}
	if len(res.Report.People) != 1 || res.Report.People[0].User != "bob" {
		t.Errorf("effective change: %+v", res.Report.People)
	}
	if len(res.Approvals.Requirements) != 1 {
		t.Fatalf("requirements: %+v", res.Approvals.Requirements)
	}
	req := res.Approvals.Requirements[0]
	if req.Status != approvals.StatusPending || len(req.Approvers) == 0 || strings.Contains(strings.Join(req.Approvers, ","), "bob") {
		t.Errorf("requirement: %+v", req)
	}
	if res.Head.Groups["production"] == nil || len(res.Head.Groups["production"].Members) != 3 {
		t.Errorf("edited config lacks the entry")
	}
}

func TestApplyRefusesWhatThePolicyForbids(t *testing.T) {
	cases := map[string]Request{
		"beyond max_duration": {Group: "production", User: "bob", Until: date("2999-01-01"), Reason: "x"},
		"no reason":           {Group: "production", User: "bob", Until: date("2026-12-20")},
		"no until":            {Group: "production", User: "bob", Reason: "x"},
	}
	for name, r := range cases {
		if _, err := Apply(example, r, now); err == nil || !strings.Contains(err.Error(), "groups/production.yaml") {
			t.Errorf("%s: err = %v, want a validation error naming the file", name, err)
		}
	}
}

func TestApplyRejectsUnknownAndHostileNames(t *testing.T) {
	cases := map[string]struct {
		req  Request
		want string
	}{
		"traversal":    {Request{Group: "../../access", User: "bob"}, "not a valid name"},
		"slash":        {Request{Group: "groups/backend", User: "bob"}, "not a valid name"},
		"typo group":   {Request{Group: "productoin", User: "bob"}, `did you mean "production"`},
		"typo user":    {Request{Group: "backend", User: "bbo"}, `did you mean "bob"`},
		"unknown role": {Request{Group: "backend", Role: "nobody-at-all"}, `no role "nobody-at-all"`},
		"both":         {Request{Group: "backend", User: "bob", Role: "sre"}, "not both"},
		"neither":      {Request{Group: "backend"}, "no user"},
	}
	for name, c := range cases {
		_, err := Apply(example, c.req, now)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}

func TestApplyExtendsOnlyToALaterEnd(t *testing.T) {
	if _, err := Apply(example, Request{Group: "production", User: "alice", Until: date("2026-12-10"), Reason: "x"}, now); err == nil {
		t.Error("an earlier end was accepted as an extension")
	}
	res, err := Apply(example, Request{Group: "production", User: "alice", Until: date("2027-01-10"), Reason: "INC-2231 still"}, now)
	if err != nil || res.Op != OpExtended {
		t.Fatalf("extend: %v", err)
	}
	if !strings.Contains(string(res.After), "  - user: alice\n    until: 2027-01-10\n    reason: INC-2231 still\n") {
		t.Errorf("after:\n%s", res.After)
	}
}

func TestParseUntilAcceptsDatesTimesAndDurations(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2026-12-31":           time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
		"2026-12-31T18:00:00Z": time.Date(2026, 12, 31, 18, 0, 0, 0, time.UTC),
		"30d":                  now.AddDate(0, 0, 30),
		"72h":                  now.Add(72 * time.Hour),
	} {
		got, err := ParseUntil(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "tomorrow", "2026-13-01", "31/12/2026", "-3d", "0d", "2026-12-31 "} {
		if _, err := ParseUntil(bad+"x", now); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestBranchAndRequesterLine(t *testing.T) {
	if got := Branch(Request{Group: "backend", User: "bob"}, now); got != "access-request/bob-backend-20261123" {
		t.Errorf("branch %s", got)
	}
	body := RequesterLine("bokafor") + "\n## x\n"
	if Requester(body) != "bokafor" {
		t.Errorf("requester of %q", body)
	}
	for _, b := range []string{"## x\n" + RequesterLine("mallory"), "<!-- access-as-code:requester ../x -->", ""} {
		if got := Requester(b); got != "" {
			t.Errorf("Requester(%q) = %q", b, got)
		}
	}
}

func TestAuthorIsTheRequesterOnlyWhenABotOpenedIt(t *testing.T) {
	body := RequesterLine("alice-moreau") + "\n## Access request\n"
	if got := Author("access-bot[bot]", true, body); got != "alice-moreau" {
		t.Errorf("bot-opened request: author %q", got)
	}
	if got := Author("mallory", false, body); got != "mallory" {
		t.Errorf("a person's pull request names its own author: %q", got)
	}
	if got := Author("access-bot[bot]", true, "no marker"); got != "access-bot[bot]" {
		t.Errorf("bot without a record: %q", got)
	}
}

func TestApplyAddsARoleAndEveryMemberGains(t *testing.T) {
	res, err := Apply(example, Request{Group: "backend", Role: "sre", Until: date("2026-12-20"), Reason: "OPS-9 cover"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.After), "  - role: sre\n    until: 2026-12-20\n    reason: OPS-9 cover\n") {
		t.Errorf("after:\n%s", res.After)
	}
	gained := map[string]bool{}
	for _, p := range res.Report.People {
		gained[p.User] = true
	}
	if !gained["dave"] || !gained["ken"] {
		t.Errorf("people gaining: %v, want the sre members", gained)
	}
	if got := Branch(Request{Group: "backend", Role: "sre"}, now); got != "access-request/sre-backend-20261123" {
		t.Errorf("branch %s", got)
	}
}

package synth

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// HistoryOptions shapes a generated git history of an org: the org built
// from Org is the first commit; each later one, Step after the previous,
// edits users.yaml (most commits) and a few group or role files, as the
// pull requests of a membership repository do.
type HistoryOptions struct {
	Org     Options // Org.Now is set to Start
	Commits int
	Start   time.Time
	Step    time.Duration
}

// RealOrgHistory is the shape of a large open-source organisation's
// membership repository: 2,800 first-parent commits over 8 years; about
// 1,500 people at the end in a users.yaml of about 7,500 lines that changes
// in most commits; 800 group files, one of them listing everyone; one person (HistoryNames.Veteran) in
// more than 100 groups and several roles over time.
var RealOrgHistory = HistoryOptions{
	Org:     Options{Users: 1_150, Groups: 800, Roles: 40, Apps: 16, Memberships: 14_000, Seed: 2},
	Commits: 2_800,
	Start:   time.Date(2018, 12, 3, 9, 0, 0, 0, time.UTC),
	Step:    25 * time.Hour, // 2,800 × 25 h ≈ 8 years
}

// Commit is one generated commit. Files maps paths relative to the config
// directory to their new content.
type Commit struct {
	When            time.Time
	Author, Message string
	Files           map[string][]byte
}

// HistoryNames are the people and group a benchmark asks about.
type HistoryNames struct {
	Veteran  string // joined 100+ groups and several roles over time; still here at the end
	Departed string // was in about 25 groups, then left: gone from every file at the end
	Group    string // the largest group at the end but Everyone
	Everyone string // the group of all people, edited by every onboarding
	People   int    // people in users.yaml at the end
}

// GenerateHistory builds the org and calls emit for each commit, oldest
// first; emit may keep nothing (a users.yaml version is about 200 KB, so a
// whole history does not fit comfortably in memory).
func GenerateHistory(h HistoryOptions, emit func(Commit) error) (HistoryNames, error) {
	if h.Commits < 10 || h.Step <= 0 {
		return HistoryNames{}, fmt.Errorf("synth: history of %d commits, step %s: want at least 10 commits and a positive step", h.Commits, h.Step)
	}
	h.Org.Now = h.Start // the first commit: its until dates are relative to it
	org, err := Build(h.Org)
	if err != nil {
		return HistoryNames{}, err
	}
	org.left = map[int]bool{}
	// As in most membership repositories, everyone is in one group (the
	// org's members), which onboarding and offboarding edit: the largest
	// file is also the one that changes most.
	everyone := Group{Name: "org-members", Description: "Everyone in the organisation", Owners: []Owner{{User: 0, Role: -1}}}
	for u := range org.Users {
		everyone.Members = append(everyone.Members, Entry{User: u, Role: -1})
	}
	org.Groups = append(org.Groups, everyone)
	all := len(org.Groups) - 1
	g := &historyGen{org: org, r: rand.New(rand.NewPCG(uint64(h.Org.Seed), 0x4157)), touched: map[string]bool{}}
	if err := emit(Commit{When: h.Start, Author: "admin", Message: "Initial access config", Files: org.Files()}); err != nil {
		return HistoryNames{}, err
	}
	vet := g.newUser("veteran", "person")
	dep := g.newUser("departed", "person")
	g.join(all, vet, h.Start, false)
	g.join(all, dep, h.Start, false)
	depGroups := 0
	big := 0 // the largest group but everyone's
	for i, gr := range org.Groups[:all] {
		if len(gr.Members) > len(org.Groups[big].Members) {
			big = i
		}
	}
	for i := 1; i < h.Commits; i++ {
		when := h.Start.Add(time.Duration(i) * h.Step)
		msg := fmt.Sprintf("Access change (#%d)", i)
		r := g.r
		switch x := r.Float64(); {
		case i <= 2:
			// the veteran and the departed person join users.yaml
		case x < 0.15:
			u := g.newUser(firsts[r.IntN(len(firsts))], lasts[r.IntN(len(lasts))])
			msg = fmt.Sprintf("Onboard %s (#%d)", org.Users[u].ID, i)
			g.join(all, u, when, false)
			for range 1 + r.IntN(3) {
				g.join(r.IntN(len(org.Groups)), u, when, r.IntN(4) == 0)
			}
		case x < 0.18:
			if u := r.IntN(len(org.Users)); u > 1 && u != vet && u != dep && !org.left[u] && !g.owns(u) {
				msg = fmt.Sprintf("Offboard %s (#%d)", org.Users[u].ID, i)
				g.leave(u)
			}
		case x < 0.85:
			if u := r.IntN(len(org.Users)); !org.left[u] {
				org.Users[u].GitHub = fmt.Sprintf("gh-%s-%d", strings.ReplaceAll(org.Users[u].ID, ".", "-"), i) // a login has no dots
				g.touched["users.yaml"] = true
			}
		}
		if r.Float64() < 0.6 {
			gi := r.IntN(len(org.Groups))
			if ms := org.Groups[gi].Members; r.IntN(2) == 0 && len(ms) > 1 {
				j := r.IntN(len(ms))
				org.Groups[gi].Members = slices.Delete(ms, j, j+1)
				g.touched[groupPath(org, gi)] = true
			} else if u := r.IntN(len(org.Users)); !org.left[u] && u != vet && u != dep {
				g.join(gi, u, when, r.IntN(2) == 0)
			}
		}
		// The veteran joins a group about every 17 commits and leaves one
		// about every 50: some 160 groups over the history, ~110 at the end.
		if x := r.Float64(); x < 0.06 {
			g.join(r.IntN(len(org.Groups)), vet, when, r.IntN(5) == 0)
		} else if x < 0.08 {
			if gi := g.groupsOf(vet); len(gi) > 0 {
				g.drop(gi[r.IntN(len(gi))], vet)
			}
		}
		if k := h.Commits / 8; i%k == 0 && len(org.Roles) > 0 {
			ri := (i / k * 7) % len(org.Roles)
			if i/k%3 == 2 {
				g.dropRole(ri-7+len(org.Roles), vet)
			} else {
				g.joinRole(ri, vet)
			}
		}
		if i > 2 && i < h.Commits/4 && depGroups < 25 && r.Float64() < 0.05 {
			g.join(r.IntN(len(org.Groups)), dep, when, false)
			depGroups++
		}
		if i == h.Commits*3/4 {
			msg = fmt.Sprintf("Offboard %s (#%d)", org.Users[dep].ID, i)
			g.leave(dep)
		}
		if len(g.touched) == 0 {
			org.Users[0].Name += "."
			g.touched["users.yaml"] = true
		}
		if err := emit(Commit{When: when, Author: org.Users[r.IntN(len(org.Users))].ID, Message: msg, Files: g.files()}); err != nil {
			return HistoryNames{}, err
		}
	}
	people := 0
	for i := range org.Users {
		if !org.left[i] {
			people++
		}
	}
	return HistoryNames{Veteran: org.Users[vet].ID, Departed: org.Users[dep].ID, Group: org.Groups[big].Name, Everyone: org.Groups[all].Name, People: people}, nil
}

type historyGen struct {
	org     *Org
	r       *rand.Rand
	touched map[string]bool // paths changed by the commit being made
}

func groupPath(org *Org, gi int) string { return "groups/" + org.Groups[gi].Name + ".yaml" }
func rolePath(org *Org, ri int) string  { return "roles/" + org.Roles[ri].Name + ".yaml" }

func (g *historyGen) newUser(first, last string) int {
	i := len(g.org.Users)
	id := fmt.Sprintf("%s.%s%d", first, last, i)
	g.org.Users = append(g.org.Users, User{ID: id, Name: title(first) + " " + title(last), Email: id + "@example.com", GitLab: id})
	g.touched["users.yaml"] = true
	return i
}

// join lists u in group gi (temporarily for 30 to 180 days, with a reason).
func (g *historyGen) join(gi, u int, when time.Time, temporary bool) {
	gr := &g.org.Groups[gi]
	if slices.ContainsFunc(gr.Members, func(e Entry) bool { return e.User == u }) {
		return
	}
	e := Entry{User: u, Role: -1}
	if temporary || gr.Policy {
		e.Until = when.Add(time.Duration(30+g.r.IntN(60)) * day).Truncate(day)
		e.Reason = fmt.Sprintf("REQ-%d", 1000+g.r.IntN(9000))
	}
	gr.Members = append(gr.Members, e)
	g.touched[groupPath(g.org, gi)] = true
}

func (g *historyGen) drop(gi, u int) {
	gr := &g.org.Groups[gi]
	n := len(gr.Members)
	gr.Members = slices.DeleteFunc(gr.Members, func(e Entry) bool { return e.User == u })
	if len(gr.Members) != n {
		g.touched[groupPath(g.org, gi)] = true
	}
}

func (g *historyGen) joinRole(ri, u int) {
	ro := &g.org.Roles[ri]
	if !slices.ContainsFunc(ro.Members, func(e Entry) bool { return e.User == u }) {
		ro.Members = append(ro.Members, Entry{User: u, Role: -1})
		g.touched[rolePath(g.org, ri)] = true
	}
}

func (g *historyGen) dropRole(ri, u int) {
	ro := &g.org.Roles[ri%len(g.org.Roles)]
	n := len(ro.Members)
	ro.Members = slices.DeleteFunc(ro.Members, func(e Entry) bool { return e.User == u })
	if len(ro.Members) != n {
		g.touched[rolePath(g.org, ri%len(g.org.Roles))] = true
	}
}

// owns reports whether u owns anything: an owner does not leave, as
// validation wants every owner in users.yaml.
func (g *historyGen) owns(u int) bool {
	is := func(o Owner) bool { return o.Role < 0 && o.User == u }
	for _, a := range g.org.Apps {
		if slices.ContainsFunc(a.Owners, is) {
			return true
		}
	}
	for _, ro := range g.org.Roles {
		if slices.ContainsFunc(ro.Owners, is) {
			return true
		}
	}
	for _, gr := range g.org.Groups {
		if slices.ContainsFunc(gr.Owners, is) {
			return true
		}
	}
	return false
}

func (g *historyGen) groupsOf(u int) []int {
	var out []int
	for gi, gr := range g.org.Groups {
		if slices.ContainsFunc(gr.Members, func(e Entry) bool { return e.User == u }) {
			out = append(out, gi)
		}
	}
	return out
}

// leave removes u from users.yaml and from every group and role.
func (g *historyGen) leave(u int) {
	g.org.left[u] = true
	g.touched["users.yaml"] = true
	for gi := range g.org.Groups {
		g.drop(gi, u)
	}
	for ri := range g.org.Roles {
		g.dropRole(ri, u)
	}
}

// files renders the paths the commit touched and starts the next commit.
func (g *historyGen) files() map[string][]byte {
	out := map[string][]byte{}
	for p := range g.touched {
		out[p] = g.org.file(p)
	}
	clear(g.touched)
	return out
}

// Files renders every file of the org by path relative to the config.
func (org *Org) Files() map[string][]byte {
	out := map[string][]byte{"access.yaml": render(org.writeSettings), "users.yaml": render(org.writeUsers)}
	for i := range org.Apps {
		a := &org.Apps[i]
		out["apps/"+a.Name+".yaml"] = render(func(w io.Writer) {
			fmt.Fprintf(w, "description: %s\n", a.Description)
			org.writeOwners(w, a.Owners)
		})
	}
	for i := range org.Roles {
		out[rolePath(org, i)] = org.file(rolePath(org, i))
	}
	for i := range org.Groups {
		out[groupPath(org, i)] = org.file(groupPath(org, i))
	}
	return out
}

// file renders users.yaml, a group or a role file.
func (org *Org) file(p string) []byte {
	if p == "users.yaml" {
		return render(org.writeUsers)
	}
	for i := range org.Groups {
		if groupPath(org, i) == p {
			return render(func(w io.Writer) { org.writeGroup(w, &org.Groups[i]) })
		}
	}
	for i := range org.Roles {
		if rolePath(org, i) == p {
			ro := &org.Roles[i]
			return render(func(w io.Writer) {
				fmt.Fprintf(w, "description: %s\n", ro.Description)
				org.writeOwners(w, ro.Owners)
				org.writeMembers(w, ro.Members)
			})
		}
	}
	return nil
}

func render(body func(io.Writer)) []byte {
	var b bytes.Buffer
	body(&b)
	return b.Bytes()
}

// Package synth generates synthetic access-config directories for
// benchmarks and load tests: many users, groups, roles and memberships with
// the skew of a real organisation (a few groups with thousands of members,
// most with a handful; a few popular roles), temporary entries with reasons,
// owners, apps, and Okta and GitLab targets at mixed levels. Output is
// deterministic for a seed and is valid for schema.Check at Options.Now.
package synth

import (
	"errors"
	"fmt"
	"math"

	"math/rand/v2"
	"time"
)

// Options sizes an org. Memberships counts every member entry: users in
// group files, role entries in group files, and users in role files.
type Options struct {
	Users, Groups, Roles, Apps, Memberships int
	Seed                                    int64
	Now                                     time.Time // policies and until dates are relative to it
}

// Presets. Large is the issue-3 target; Medium and Small are 1/4 and 1/16
// of it, for linearity measurements.
var (
	Small  = Options{Users: 625, Groups: 125, Roles: 19, Apps: 4, Memberships: 12_500, Seed: 1}
	Medium = Options{Users: 2_500, Groups: 500, Roles: 75, Apps: 16, Memberships: 50_000, Seed: 1}
	Large  = Options{Users: 10_000, Groups: 2_000, Roles: 300, Apps: 64, Memberships: 200_000, Seed: 1}
)

// Scale multiplies every count by k (the seed and time are kept).
func (o Options) Scale(k int) Options {
	o.Users, o.Groups, o.Roles, o.Apps, o.Memberships = o.Users*k, o.Groups*k, o.Roles*k, o.Apps*k, o.Memberships*k
	return o
}

func (o Options) check() error {
	var errs []error
	if o.Users < 2 {
		errs = append(errs, fmt.Errorf("synth: Users = %d, need at least 2 (owners and admins)", o.Users))
	}
	if o.Groups < 1 {
		errs = append(errs, fmt.Errorf("synth: Groups = %d, need at least 1", o.Groups))
	}
	if o.Roles < 0 || o.Apps < 0 || o.Memberships < 0 {
		errs = append(errs, errors.New("synth: negative Roles, Apps or Memberships"))
	}
	if o.Memberships < o.Groups {
		errs = append(errs, fmt.Errorf("synth: Memberships = %d is fewer than Groups = %d: every group needs a member", o.Memberships, o.Groups))
	}
	if o.Memberships > o.Groups*o.Users {
		errs = append(errs, fmt.Errorf("synth: Memberships = %d exceed Groups×Users: a person is listed once per group", o.Memberships))
	}
	if o.Now.IsZero() {
		errs = append(errs, errors.New("synth: Now is zero: set it (until dates and policies are relative to it)"))
	}
	return errors.Join(errs...)
}

// Org is a generated organisation in memory, before it is written.
type Org struct {
	Opts   Options
	Admins []int
	Users  []User
	Groups []Group
	Roles  []Role
	Apps   []App
	// left marks people who have left (GenerateHistory): not in users.yaml.
	left map[int]bool
}

// User is one person.
type User struct {
	ID, Name, Email, GitLab, GitHub string
}

// Entry is one member entry: a user (index into Org.Users) or a role
// (index into Org.Roles), possibly temporary.
type Entry struct {
	User, Role int // -1 when unset
	Until      time.Time
	Reason     string
}

// Owner is a user or role owner (the other is -1).
type Owner struct{ User, Role int }

// Target is a GitLab group and level.
type Target struct{ Path, Access string }

// Group is one group file.
type Group struct {
	Name, Description, App, Okta string
	Owners                       []Owner
	GitLab                       []Target
	Policy                       bool // max_duration 90d and require_reason
	Members                      []Entry
}

// Role is one role file.
type Role struct {
	Name, Description string
	Owners            []Owner
	Members           []Entry
}

// App is one app file.
type App struct {
	Name, Description string
	Owners            []Owner
}

// Generate writes an org of the given size into dir (created if missing;
// existing files of the same names are overwritten).
func Generate(dir string, o Options) error {
	org, err := Build(o)
	if err != nil {
		return err
	}
	return org.Write(dir)
}

var (
	areas   = []string{"payments", "billing", "search", "infra", "data", "mobile", "web", "security", "support", "sales", "ml", "platform", "identity", "growth", "finance", "legal"}
	kinds   = []string{"dev", "ops", "readers", "admins", "oncall", "analysts", "editors", "release", "audit", "viewers"}
	firsts  = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yara", "zoe", "omar", "li", "priya", "kenji", "fatima", "lars", "mei", "diego", "amara"}
	lasts   = []string{"smith", "jones", "garcia", "kim", "nguyen", "patel", "muller", "rossi", "silva", "ivanova", "okafor", "tanaka", "dubois", "novak", "larsen", "cohen", "haddad", "mensah", "costa", "berg"}
	levels  = []string{"guest", "reporter", "developer", "maintainer", "owner"}
	levelCP = []float64{0.10, 0.35, 0.75, 0.95, 1.0} // cumulative: developer is the common grant
)

// Build generates the org in memory.
func Build(o Options) (*Org, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(uint64(o.Seed), 0x5eed))
	org := &Org{Opts: o}
	org.users(r)
	org.Admins = []int{0, 1}
	org.apps(r)
	org.roles(r)
	org.groups(r)
	org.memberships(r)
	return org, nil
}

func (org *Org) users(r *rand.Rand) {
	n := org.Opts.Users
	org.Users = make([]User, n)
	for i := range n {
		f, l := firsts[r.IntN(len(firsts))], lasts[r.IntN(len(lasts))]
		// the index keeps ids unique (also ignoring case, as validation wants)
		id := fmt.Sprintf("%s.%s%d", f, l, i)
		u := User{ID: id, Name: title(f) + " " + title(l), Email: id + "@example.com"}
		if r.Float64() < 0.85 {
			u.GitLab = id
		}
		if r.Float64() < 0.7 {
			u.GitHub = fmt.Sprintf("%s-%s-%d", f, l, i)
		}
		org.Users[i] = u
	}
}

func title(s string) string { return string(s[0]-'a'+'A') + s[1:] }

func (org *Org) owners(r *rand.Rand, roleChance float64) []Owner {
	out := []Owner{{User: r.IntN(org.Opts.Users), Role: -1}}
	if r.Float64() < 0.4 {
		if u := r.IntN(org.Opts.Users); u != out[0].User {
			out = append(out, Owner{User: u, Role: -1})
		}
	}
	if len(org.Roles) > 0 && r.Float64() < roleChance {
		out = append(out, Owner{User: -1, Role: r.IntN(len(org.Roles))})
	}
	return out
}

func (org *Org) apps(r *rand.Rand) {
	for i := range org.Opts.Apps {
		a := areas[i%len(areas)]
		org.Apps = append(org.Apps, App{Name: fmt.Sprintf("%s-app-%d", a, i), Description: "Synthetic application for " + a, Owners: org.owners(r, 0)})
	}
}

func (org *Org) roles(r *rand.Rand) {
	for i := range org.Opts.Roles {
		a := areas[r.IntN(len(areas))]
		org.Roles = append(org.Roles, Role{Name: fmt.Sprintf("%s-team-%d", a, i), Description: "Synthetic team " + a})
	}
	for i := range org.Roles {
		org.Roles[i].Owners = org.owners(r, 0) // no role-owned roles: keeps ownership simple to read
	}
}

func (org *Org) groups(r *rand.Rand) {
	nPaths := max(1, org.Opts.Groups/3) // shared paths: several groups grant one GitLab group
	for i := range org.Opts.Groups {
		a, k := areas[r.IntN(len(areas))], kinds[r.IntN(len(kinds))]
		g := Group{Name: fmt.Sprintf("%s-%s-%d", a, k, i), Description: fmt.Sprintf("Synthetic %s %s", a, k), Owners: org.owners(r, 0.3)}
		if len(org.Apps) > 0 && r.Float64() < 0.3 {
			g.App = org.Apps[r.IntN(len(org.Apps))].Name
		}
		if r.Float64() < 0.8 {
			g.Okta = fmt.Sprintf("Synth-%s-%s-%d", title(a), title(k), i)
		}
		if r.Float64() < 0.5 {
			for range 1 + r.IntN(2) {
				p := r.IntN(nPaths)
				t := Target{Path: fmt.Sprintf("org/%s/project-%d", areas[p%len(areas)], p), Access: level(r)}
				if len(g.GitLab) == 0 || g.GitLab[0].Path != t.Path {
					g.GitLab = append(g.GitLab, t)
				}
			}
		}
		g.Policy = r.Float64() < 0.05
		org.Groups = append(org.Groups, g)
	}
}

func level(r *rand.Rand) string {
	x := r.Float64()
	for i, c := range levelCP {
		if x < c {
			return levels[i]
		}
	}
	return levels[len(levels)-1]
}

// zipfSizes splits total into n sizes proportional to 1/rank^s, each at
// least 1 and at most cap; what a capped size cannot take goes to the rest.
func zipfSizes(n, total, limit int, s float64) []int {
	sizes := make([]int, n)
	if n == 0 {
		return sizes
	}
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 / pow(float64(i+1), s)
	}
	capped := make([]bool, n)
	left := total
	for range n { // each pass caps at least one group or finishes
		var sum float64
		for i := range w {
			if !capped[i] {
				sum += w[i]
			}
		}
		if sum == 0 {
			break
		}
		done := true
		for i := range w {
			if capped[i] {
				continue
			}
			if float64(left)*w[i]/sum > float64(limit) {
				capped[i], sizes[i], done = true, limit, false
				left -= limit
			}
		}
		if done {
			assigned := 0
			for i := range w {
				if !capped[i] {
					sizes[i] = max(1, int(float64(left)*w[i]/sum))
					assigned += sizes[i]
				}
			}
			// rounding: give the remainder to the largest uncapped groups
			for i := 0; assigned < left && i < n; i++ {
				if !capped[i] && sizes[i] < limit {
					sizes[i]++
					assigned++
				}
			}
			break
		}
	}
	return sizes
}

func pow(x, y float64) float64 { return math.Pow(x, y) }

// At returns o with Now set to t.
func (o Options) At(t time.Time) Options { o.Now = t; return o }

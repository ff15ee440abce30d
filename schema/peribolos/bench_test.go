package peribolos

import (
	"fmt"
	"testing"

	"github.com/access-as-code/access/schema"
)

// kubernetesShape builds orgs shaped like kubernetes/org's eight: 1,509
// people, 2,666 org memberships, 766 teams (some nested) and 3,615 team
// memberships, spread deterministically.
func kubernetesShape() []*Org {
	const people, orgs, teams, teamMemberships, orgMemberships = 1509, 8, 766, 3615, 2666
	login := func(i int) Login { return Login{Name: fmt.Sprintf("user-%d", i%people)} }
	out := make([]*Org, orgs)
	for o := range out {
		out[o] = &Org{Name: fmt.Sprintf("org-%d", o), Teams: map[string]*Team{}}
		for a := 0; a < 10; a++ {
			out[o].Admins = append(out[o].Admins, login(o*10+a))
		}
	}
	for i := 0; i < orgMemberships-orgs*10; i++ {
		o := out[i%orgs]
		o.Members = append(o.Members, login(orgs*10+i))
	}
	var all []*Team
	for i := 0; i < teams; i++ {
		o := out[i%orgs]
		t := &Team{Name: fmt.Sprintf("team-%d", i), Children: map[string]*Team{}}
		if i%5 == 4 && len(all) > orgs { // every fifth team is a child of an earlier one in its org
			all[len(all)-orgs].Children[t.Name] = t
		} else {
			o.Teams[t.Name] = t
		}
		all = append(all, t)
	}
	for i := 0; i < teamMemberships; i++ {
		t := all[i%teams]
		if i%7 == 0 {
			t.Maintainers = append(t.Maintainers, login(i*13))
		} else {
			t.Members = append(t.Members, login(i*13))
		}
	}
	return out
}

func BenchmarkConvertKubernetesShape(b *testing.B) {
	orgs := kubernetesShape()
	for b.Loop() {
		if _, err := Convert(orgs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileKubernetesShape: compiling the imported config, GitHub
// part included, as every plan does.
func BenchmarkCompileKubernetesShape(b *testing.B) {
	res, err := Convert(kubernetesShape())
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := schema.Check(res.FS(), now)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		d := schema.Compile(cfg, now)
		if len(d.GitHub.Teams) != 766 {
			b.Fatalf("%d teams", len(d.GitHub.Teams))
		}
	}
}

// BenchmarkCompileKubernetesShapeWithoutGitHub is the same config with its
// github entries removed: the difference is the cost of the GitHub part.
func BenchmarkCompileKubernetesShapeWithoutGitHub(b *testing.B) {
	res, err := Convert(kubernetesShape())
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := schema.Check(res.FS(), now)
	if err != nil {
		b.Fatal(err)
	}
	for _, g := range cfg.Groups {
		g.GitHub = nil
	}
	b.ResetTimer()
	for b.Loop() {
		schema.Compile(cfg, now)
	}
}

package site

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/access-as-code/access/internal/synth"
	"github.com/access-as-code/access/schema"
)

// The speed targets of the catalog: a config the size of a large open-source
// org (1,500 people, 800 groups, 9,000 memberships) builds in under 5 s and
// 300 MB; a 10,000-person synthetic org (synth.Large) in under 20 s. Each
// iteration is what `reconcile site` does: load and validate, compile,
// render every page to disk.
//
//	go test -run '^$' -bench Site -benchtime 1x -benchmem ./schema/site
var benchOrgs = []struct {
	name string
	o    synth.Options
}{
	{"oss-1500-people", synth.Options{Users: 1_500, Groups: 800, Roles: 60, Apps: 20, Memberships: 9_000, Seed: 1}},
	{"synth-large-10000-people", synth.Large},
}

func BenchmarkSite(b *testing.B) {
	for _, org := range benchOrgs {
		b.Run(org.name, func(b *testing.B) {
			o := org.o.At(exampleNow)
			cfgDir := filepath.Join(b.TempDir(), "config")
			if err := synth.Generate(cfgDir, o); err != nil {
				b.Fatal(err)
			}
			out := b.TempDir()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				cfg, err := schema.CheckDir(cfgDir, exampleNow)
				if err != nil {
					b.Fatal(schema.Errors(err)[0])
				}
				if err := Build(cfg, schema.Compile(cfg, exampleNow), Options{Now: exampleNow}, WriteDir(out)); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if _, err := os.Stat(filepath.Join(out, "index.html")); err != nil {
				b.Fatal(err)
			}
		})
	}
}

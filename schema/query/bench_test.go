package query

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/access-as-code/access/internal/synth"
	"github.com/access-as-code/access/schema"
)

// The issue-3 speed targets: validate (load + validate) and access-of on
// 10,000 users, 2,000 groups, 300 roles and 200,000 memberships (synth.Large,
// scale 16 of synth.Small) under 1 s, and linear growth over 1×, 4×, 16×.
// ns/entry staying flat across the scales is what linear means.
//
//	go test -run '^$' -bench . -benchtime 3x ./query

var benchNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

var (
	orgMu   sync.Mutex
	orgDirs = map[int]string{}
)

// benchOrg generates (once per scale and process) a synthetic org.
func benchOrg(b testing.TB, scale int) (string, synth.Options) {
	b.Helper()
	o := synth.Small.Scale(scale).At(benchNow)
	orgMu.Lock()
	defer orgMu.Unlock()
	if dir, ok := orgDirs[scale]; ok {
		return dir, o
	}
	root, err := os.MkdirTemp("", "synth-bench-")
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(root, "config")
	if err := synth.Generate(dir, o); err != nil {
		b.Fatal(err)
	}
	orgDirs[scale] = dir
	return dir, o
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range orgDirs {
		os.RemoveAll(filepath.Dir(dir))
	}
	os.Exit(code)
}

var scales = []int{1, 4, 16}

func reportPerEntry(b *testing.B, o synth.Options) {
	per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(per/1e6, "ms/op")
	b.ReportMetric(per/float64(o.Memberships), "ns/entry")
}

// BenchmarkValidate is `reconcile validate`: load every file and validate.
func BenchmarkValidate(b *testing.B) {
	for _, s := range scales {
		b.Run(fmt.Sprintf("scale=%d", s), func(b *testing.B) {
			dir, o := benchOrg(b, s)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := schema.CheckDir(dir, benchNow); err != nil {
					b.Fatal(schema.Errors(err)[0])
				}
			}
			reportPerEntry(b, o)
		})
	}
}

// BenchmarkCompile is the desired-state compilation alone.
func BenchmarkCompile(b *testing.B) {
	for _, s := range scales {
		b.Run(fmt.Sprintf("scale=%d", s), func(b *testing.B) {
			dir, o := benchOrg(b, s)
			cfg, err := schema.CheckDir(dir, benchNow)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				schema.Compile(cfg, benchNow)
			}
			reportPerEntry(b, o)
		})
	}
}

// BenchmarkAccessOf is `reconcile access-of USER` end to end: load,
// validate, compile the part that reaches the person (ForUsers), answer;
// for the person in the most groups.
func BenchmarkAccessOf(b *testing.B) {
	for _, s := range scales {
		b.Run(fmt.Sprintf("scale=%d", s), func(b *testing.B) {
			dir, o := benchOrg(b, s)
			user := busiestUser(b, dir)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				cfg, err := schema.CheckDir(dir, benchNow)
				if err != nil {
					b.Fatal(err)
				}
				view := ForUsers(cfg, user)
				if _, err := AccessOf(view, schema.Compile(view, benchNow), user); err != nil {
					b.Fatal(err)
				}
			}
			reportPerEntry(b, o)
		})
	}
}

// BenchmarkAccessOfQuery is the query alone on a compiled state.
func BenchmarkAccessOfQuery(b *testing.B) {
	for _, s := range scales {
		b.Run(fmt.Sprintf("scale=%d", s), func(b *testing.B) {
			dir, o := benchOrg(b, s)
			cfg, err := schema.CheckDir(dir, benchNow)
			if err != nil {
				b.Fatal(err)
			}
			d := schema.Compile(cfg, benchNow)
			user := busiestUser(b, dir)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := AccessOf(cfg, d, user); err != nil {
					b.Fatal(err)
				}
			}
			reportPerEntry(b, o)
		})
	}
}

func busiestUser(b *testing.B, dir string) string {
	b.Helper()
	cfg, err := schema.CheckDir(dir, benchNow)
	if err != nil {
		b.Fatal(err)
	}
	d := schema.Compile(cfg, benchNow)
	count := map[string]int{}
	for _, g := range d.Groups {
		for id := range g {
			count[id]++
		}
	}
	best := ""
	for _, id := range slices.Sorted(maps.Keys(count)) {
		if best == "" || count[id] > count[best] {
			best = id
		}
	}
	return best
}

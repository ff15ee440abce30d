// Command synth writes a synthetic access-config directory for benchmarks:
//
//	go run ./internal/synth/cmd/synth -preset large -out /tmp/org
//	go run ./internal/synth/cmd/synth -users 2000 -groups 300 -roles 40 -memberships 30000 -out /tmp/org
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/access-as-code/access/internal/synth"
	"github.com/access-as-code/access/schema"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "synth:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	preset := fs.String("preset", "large", "size to start from: small, medium or large (10k users, 2k groups, 300 roles, 200k memberships)")
	scale := fs.Int("scale", 1, "multiply every count of the preset by this")
	out := fs.String("out", "", "directory to write (must be empty or absent)")
	users := fs.Int("users", 0, "number of users (overrides the preset)")
	groups := fs.Int("groups", 0, "number of groups (overrides the preset)")
	roles := fs.Int("roles", 0, "number of roles (overrides the preset)")
	apps := fs.Int("apps", 0, "number of apps (overrides the preset)")
	members := fs.Int("memberships", 0, "number of member entries (overrides the preset)")
	seed := fs.Int64("seed", 1, "random seed: the same seed writes the same org")
	now := fs.String("now", "", "date or RFC 3339 time the until dates and policies are relative to (default: now)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-out DIR is required")
	}
	var o synth.Options
	switch *preset {
	case "small":
		o = synth.Small
	case "medium":
		o = synth.Medium
	case "large":
		o = synth.Large
	default:
		return fmt.Errorf("-preset %q: want small, medium or large", *preset)
	}
	o = o.Scale(*scale)
	for _, p := range []struct{ flag, dst *int }{{users, &o.Users}, {groups, &o.Groups}, {roles, &o.Roles}, {apps, &o.Apps}, {members, &o.Memberships}} {
		if *p.flag > 0 {
			*p.dst = *p.flag
		}
	}
	o.Seed, o.Now = *seed, time.Now().UTC()
	if *now != "" {
		t, err := schema.ParseTime(*now)
		if err != nil {
			return fmt.Errorf("-now: %w", err)
		}
		o.Now = t
	}
	if err := synth.Generate(*out, o); err != nil {
		return err
	}
	fmt.Printf("wrote %s: %d users, %d groups, %d roles, %d apps, %d membership entries (seed %d)\n",
		*out, o.Users, o.Groups, o.Roles, o.Apps, o.Memberships, o.Seed)
	return nil
}

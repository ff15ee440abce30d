package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/gitrev"
	"github.com/access-as-code/access/schema/site"
)

func newSiteCmd(a *app) *cobra.Command {
	var out, repoURL, branch string
	cmd := &cobra.Command{
		Use:   "site --out DIR",
		Short: "Generate the access catalog: a static website of every group, role, app and person",
		Long: `site writes the access catalog into DIR: plain HTML pages for every group,
role, app and person, with owners, members, targets and policies, a search
field and what ends soon. It needs no server: open DIR/index.html, or publish
DIR on any static host.

The catalog shows everyone's access: host it where only employees can reach it.

With --repo-url, each group's "Request access" opens the repository's access
request form and "View in repository" links to the file and line on --branch.
The footer shows the generation time (--now or the clock) and the commit
(GITHUB_SHA, else the HEAD of the repository holding the config).`,
		Example: `  reconcile site --out public --repo-url https://github.com/acme/access --branch main`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("--out is required: the directory to write the site into")
			}
			if repoURL != "" {
				u, err := url.Parse(repoURL)
				if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
					return fmt.Errorf("--repo-url %q: want the repository's web address, such as https://github.com/acme/access", repoURL)
				}
			}
			now, err := a.now()
			if err != nil {
				return err
			}
			cfg, err := loadQueryConfig(a, now)
			if err != nil {
				return err
			}
			if err := clearSite(out); err != nil {
				return err
			}
			opts := site.Options{Now: now, Commit: commitOf(a), RepoURL: repoURL, Branch: branch, ConfigPath: configPath(a.configDir)}
			if opts.Commit == "unknown" {
				opts.Commit = ""
			}
			if err := site.Build(cfg, schema.Compile(cfg, now), opts, site.WriteDir(out)); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Wrote the access catalog to %s (%d groups, %d roles, %d apps, %d people); open %s\n",
				out, len(cfg.Groups), len(cfg.Roles), len(cfg.Apps), len(cfg.Users), filepath.Join(out, "index.html"))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory to write the site into (created; a previous site there is replaced)")
	cmd.Flags().StringVar(&repoURL, "repo-url", "", "the GitHub repository holding the config, https://github.com/O/R, for request and source links")
	cmd.Flags().StringVar(&branch, "branch", "main", "the branch that source links point at")
	return cmd
}

// siteFiles are what a generated site holds at its top level.
var siteFiles = []string{"index.html", "expiring.html", "site.css", "site.js", "search-index.js", "groups", "roles", "apps", "people"}

// clearSite removes a previous site from dir, so pages of deleted groups do
// not linger, and refuses a non-empty directory that is not one.
func clearSite(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "search-index.js")); err != nil {
		return fmt.Errorf("--out %s is not empty and holds no previous site: choose an empty or new directory", dir)
	}
	var errs []error
	for _, name := range siteFiles {
		errs = append(errs, os.RemoveAll(filepath.Join(dir, name)))
	}
	return errors.Join(errs...)
}

// configPath is the config directory relative to its repository's root, for
// source links: from git when the config is in a repository, else as given.
func configPath(configDir string) string {
	if repo, err := gitrev.Open(configDir); err == nil {
		defer repo.Close()
		return repo.Prefix
	}
	if filepath.IsAbs(configDir) {
		return ""
	}
	p := filepath.ToSlash(filepath.Clean(configDir))
	if p == "." || strings.HasPrefix(p, "..") {
		return ""
	}
	return p
}

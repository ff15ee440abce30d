package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/access-as-code/access/schema/peribolos"
)

func newImportCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Write an access-config from another tool's configuration",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newImportPeribolosCmd(a))
	return cmd
}

func newImportPeribolosCmd(a *app) *cobra.Command {
	var orgs []string
	var out string
	cmd := &cobra.Command{
		Use:   "peribolos PATH --out DIR",
		Short: "Import GitHub org and team membership from a peribolos config",
		Long: `peribolos reads PATH, a peribolos org config (a file with orgs:) or a
directory laid out like kubernetes/org's config/ (<org>/org.yaml plus
<org>/*/teams.yaml, merged one level deep), and writes a new access-config
to DIR: people with their GitHub logins; per org a role ORG.owners (its
admins, who own the org's groups), a group ORG.admins granting admin and
ORG.members granting member; per team a group ORG.TEAM granting member and,
where the team has maintainers, ORG.TEAM.maintainers granting maintainer
(they own their team's groups). The result is validated before it is
written. What is not membership (org settings, repos, team repos,
previously, secret privacy) is listed on stderr as not imported.`,
		Example: `  # import kubernetes/org's config for two orgs
  reconcile import peribolos ../org/config --orgs kubernetes,kubernetes-sigs --out access-config`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("--out DIR is required: the directory to write the access-config to")
			}
			now, err := a.now()
			if err != nil {
				return err
			}
			res, err := peribolos.Import(args[0], orgs, now)
			if err != nil {
				return err
			}
			if err := res.Write(out); err != nil {
				return err
			}
			for _, n := range res.Notes {
				fmt.Fprintln(a.stderr, "note: "+n)
			}
			for _, n := range res.NotImported {
				fmt.Fprintln(a.stderr, "not imported: "+n)
			}
			fmt.Fprintf(a.stdout, "wrote %s: %d people, %d org memberships, %d team memberships, %d files\n",
				out, res.People, res.OrgMemberships, res.TeamMemberships, len(res.Files))
			if len(res.NotImported) > 0 {
				fmt.Fprintf(a.stdout, "%d settings not imported (listed on stderr): they stay peribolos's job, or are set by hand\n", len(res.NotImported))
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&orgs, "orgs", nil, "import only these organizations (comma-separated)")
	cmd.Flags().StringVar(&out, "out", "", "the directory to write the access-config to (new or empty)")
	return cmd
}

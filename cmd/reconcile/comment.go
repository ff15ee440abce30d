package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	rgh "github.com/access-as-code/access/reconcile/github"
	"github.com/access-as-code/access/schema/accessdiff"
	"github.com/access-as-code/access/schema/approvals"
)

// commentMarker identifies the one comment this tool keeps on a pull request.
var commentMarker = rgh.Marker("access-request")

// maxCommentBody stays under GitHub's 65,536-character comment limit.
const maxCommentBody = 60000

func newCommentCmd(a *app) *cobra.Command {
	var f approvalFlags
	var planFile string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "comment --github-pr N [--plan-file plan.md]",
		Short: "Post the access diff, approvals and live plan as one pull-request comment, updated in place",
		Long: `comment writes one comment on the pull request: who gets or loses what and until
when, who needs to approve, and (with --plan-file) the plan against live Okta
and GitLab produced by "reconcile --format markdown > plan.md". Later runs
find the comment by a hidden marker and update it, so a pull request never
collects one comment per push. --dry-run prints the body instead.`,
		Example: `  # in the pull-request workflow: plan, then post or update the one comment
  reconcile --config access-config --format markdown > plan.md
  GITHUB_TOKEN=... reconcile comment --config access-config --github-pr 42 --plan-file plan.md

  # see the body without posting
  reconcile comment --config access-config --github-pr 42 --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.pr <= 0 {
				return fmt.Errorf("--github-pr is required")
			}
			var plan []byte
			if planFile != "" {
				var err error
				if plan, err = os.ReadFile(planFile); err != nil {
					return fmt.Errorf("--plan-file: %w", err)
				}
			}
			pc, err := evaluatePR(cmd.Context(), a, &f)
			if err != nil {
				return err
			}
			body, err := commentBody(pc.rng.report, pc.result, plan)
			if err != nil {
				return err
			}
			if dryRun {
				_, err := a.stdout.Write(body)
				return err
			}
			id, created, err := pc.gh.UpsertComment(cmd.Context(), f.pr, commentMarker, string(body))
			if err != nil {
				return err
			}
			verb := "updated"
			if created {
				verb = "created"
			}
			fmt.Fprintf(a.stdout, "%s comment %d on pull request #%d\n", verb, id, f.pr)
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&planFile, "plan-file", "", "markdown plan to include (output of reconcile --format markdown)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the comment instead of posting it")
	return cmd
}

// commentBody is the comment's markdown: the diff first (what a requester
// and an owner care about), then approvals, then the technical plan folded.
func commentBody(r *accessdiff.Report, res *approvals.Result, plan []byte) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(commentMarker + "\n## Access request\n\n")
	if res.Satisfied {
		b.WriteString("✅ **Every change is approved.** It is applied when this pull request is merged.\n\n")
	} else {
		b.WriteString("⏳ **Waiting for approval** from the owners listed below before this can be merged.\n\n")
	}
	if err := accessdiff.WriteMarkdown(&b, r); err != nil {
		return nil, err
	}
	if err := approvals.WriteMarkdown(&b, res); err != nil {
		return nil, err
	}
	if len(plan) > 0 {
		b.WriteString("\n<details><summary>Plan against live " + systemsSentence() + "</summary>\n\n")
		room := maxCommentBody - b.Len() - 200
		if len(plan) > room {
			plan = append(plan[:max(room, 0)], []byte("\n\n… (truncated: see the workflow log for the full plan)\n")...)
		}
		b.Write(plan)
		b.WriteString("\n</details>\n")
	}
	fmt.Fprintf(&b, "\n<sub>base %.12s · head %.12s · updated by `reconcile comment`</sub>\n", r.Base, r.Head)
	return b.Bytes(), nil
}

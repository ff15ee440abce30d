package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/access-as-code/access/cmd/reconcile/internal/notify"
	"github.com/access-as-code/access/schema"
	"github.com/access-as-code/access/schema/query"
)

func newExpiringCmd(a *app) *cobra.Command {
	var within, webhook string
	var notifyEnv bool
	cmd := &cobra.Command{
		Use:   "expiring [--within 7d] [--notify]",
		Short: "Grants that end soon, with the owners who may renew them",
		Long: `expiring lists every group membership and role membership that ends within
--within (default 7d), soonest first, with who may renew it (a renewal is a
pull request that moves until).

--notify posts the list to the Slack-compatible incoming webhook whose URL is
in SLACK_WEBHOOK_URL (--notify-webhook URL overrides it; prefer the
environment, since command lines are visible to other processes). Nothing is
posted when nothing expires. The URL is never printed or logged.`,
		Example: `  reconcile expiring --within 14d
  SLACK_WEBHOOK_URL=... reconcile expiring --notify --format markdown >> "$GITHUB_STEP_SUMMARY"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkQueryFormat(a.format); err != nil {
				return err
			}
			d, err := schema.ParseDuration(within)
			if err != nil {
				return fmt.Errorf("--within: %w", err)
			}
			now, err := a.now()
			if err != nil {
				return err
			}
			cfg, desired, err := loadQueryState(a, now)
			if err != nil {
				return err
			}
			list := query.Expiring(cfg, desired, now, time.Duration(d))
			msg := expiringMessage(list, d)
			switch a.format {
			case "json":
				err = writeJSON(a.stdout, struct {
					Within   string                `json:"within"`
					Expiring []query.ExpiringGrant `json:"expiring"`
				}{d.String(), list})
			case "markdown":
				err = notify.Markdown{W: a.stdout}.Notify(cmd.Context(), msg)
			default:
				_, err = fmt.Fprint(a.stdout, expiringText(list, d))
			}
			if err != nil {
				return err
			}
			if webhook == "" && notifyEnv {
				if webhook = a.getenv("SLACK_WEBHOOK_URL"); webhook == "" {
					return fmt.Errorf("--notify: SLACK_WEBHOOK_URL is not set")
				}
			}
			if webhook == "" || len(list) == 0 {
				return nil
			}
			wh, err := notify.NewWebhook(webhook, &http.Client{Timeout: 30 * time.Second})
			if err != nil {
				return fmt.Errorf("notify: %w", err)
			}
			if err := wh.Notify(cmd.Context(), msg); err != nil {
				return fmt.Errorf("notify: %w", err)
			}
			a.log.Info("expiring grants notified", "count", len(list))
			return nil
		},
	}
	cmd.Flags().StringVar(&within, "within", "7d", "the window: a duration such as 7d, 36h or 7d12h")
	cmd.Flags().BoolVar(&notifyEnv, "notify", false, "post to the webhook in SLACK_WEBHOOK_URL")
	cmd.Flags().StringVar(&webhook, "notify-webhook", "", "post to this Slack-compatible webhook URL (prefer SLACK_WEBHOOK_URL)")
	return cmd
}

func expiringWhat(e query.ExpiringGrant) string {
	what := e.Kind + " " + e.Name
	if e.Role != "" {
		what += " (through role " + e.Role + ")"
	}
	return what
}

func expiringWho(e query.ExpiringGrant) string {
	if e.User.Name != "" {
		return e.User.Name + " (" + e.User.ID + ")"
	}
	return e.User.ID
}

func expiringText(list []query.ExpiringGrant, d schema.Duration) string {
	if len(list) == 0 {
		return fmt.Sprintf("Nothing expires within %s.\n", d)
	}
	var b strings.Builder
	for _, e := range list {
		fmt.Fprintf(&b, "%s  %s  %s  owners: %s", e.Until.UTC().Format("2006-01-02 15:04"), expiringWho(e), expiringWhat(e), strings.Join(e.Owners, ", "))
		if e.Reason != "" {
			fmt.Fprintf(&b, "  reason: %s", e.Reason)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// expiringMessage is the notification: one line per grant, in both Slack
// mrkdwn and GitHub Markdown.
func expiringMessage(list []query.ExpiringGrant, d schema.Duration) notify.Message {
	m := notify.Message{Subject: fmt.Sprintf("Access ending within %s", d)}
	if len(list) == 0 {
		m.Text, m.Markdown = "Nothing expires.", "Nothing expires.\n"
		return m
	}
	var text, md bytes.Buffer
	md.WriteString("| Ends | Person | Access | Renew with | Reason |\n|---|---|---|---|---|\n")
	for _, e := range list {
		when := e.Until.UTC().Format("Mon 2 Jan 15:04 MST")
		fmt.Fprintf(&text, "• %s: *%s* loses %s — renew with %s\n", when, expiringWho(e), expiringWhat(e), strings.Join(e.Owners, ", "))
		fmt.Fprintf(&md, "| %s | %s | %s | %s | %s |\n", when, expiringWho(e), expiringWhat(e), strings.Join(e.Owners, ", "), strings.ReplaceAll(e.Reason, "|", `\|`))
	}
	m.Text, m.Markdown = text.String(), md.String()
	return m
}

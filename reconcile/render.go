package reconcile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// RenderJSON writes the plan JSON (field names are stable: workflows read them).
func RenderJSON(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// PlanHash reads the plan_hash of a plan JSON written by RenderJSON: the
// identity of a reviewed plan, which an apply must match.
func PlanHash(planJSON []byte) (string, error) {
	var p struct {
		Hash string `json:"plan_hash"`
	}
	if err := json.Unmarshal(planJSON, &p); err != nil || !strings.HasPrefix(p.Hash, "sha256:") {
		return "", errors.New("not a plan written by `reconcile --format json` (no plan_hash)")
	}
	return p.Hash, nil
}

// RenderText writes the plan like a terraform plan: grouped by target and
// group, "+" add, "-" remove, "~" update, then warnings and a summary line.
func RenderText(w io.Writer, p *Plan) error {
	b := &strings.Builder{}
	for _, e := range p.Errors {
		fmt.Fprintf(b, "error: %s\n", e.Error())
	}
	lastTarget, lastGroup := "", ""
	for _, c := range p.Changes {
		if c.Target != lastTarget || c.Group != lastGroup {
			if lastTarget != "" {
				b.WriteString("\n")
			}
			fmt.Fprintf(b, "%s %s\n", c.Target, c.Group)
			lastTarget, lastGroup = c.Target, c.Group
		}
		b.WriteString("  " + textLine(c) + "\n")
	}
	if len(p.Warnings) > 0 {
		if len(p.Changes) > 0 {
			b.WriteString("\n")
		}
		for _, wn := range p.Warnings {
			fmt.Fprintf(b, "warning: %s: %s\n", wn.Kind, wn.Message)
		}
	}
	if len(p.Changes) > 0 || len(p.Warnings) > 0 {
		b.WriteString("\n")
	}
	b.WriteString(summaryLine(p) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func textLine(c Change) string {
	who := c.User
	if c.Login != "" && c.Login != c.User {
		who += " (" + c.Login + ")"
	}
	var s string
	switch c.Op {
	case OpCreateGroup:
		return "+ create group " + c.Group
	case OpAdd:
		s = "+ " + who
		if c.Access != "" {
			s += " as " + c.Access
		}
	case OpRemove:
		s = "- " + who
	case OpUpdate:
		s = fmt.Sprintf("~ %s %s -> %s", who, c.From, c.Access)
	}
	var why []string
	if c.ConfigGroup != "" {
		why = append(why, "groups/"+c.ConfigGroup+".yaml")
	}
	if c.Reason != "" {
		why = append(why, c.Reason)
	}
	if len(why) > 0 {
		s += "  (" + strings.Join(why, ": ") + ")"
	}
	return s
}

func summaryLine(p *Plan) string {
	if p.Empty() && len(p.Errors) == 0 {
		verb := " match"
		if len(p.order) == 1 {
			verb = " matches"
		}
		return "No changes. " + p.systemNames() + verb + " the config."
	}
	s := fmt.Sprintf("Plan: %d to add, %d to remove, %d to update, %d groups to create.",
		p.Summary.Add, p.Summary.Remove, p.Summary.Update, p.Summary.CreateGroup)
	if len(p.Ended) > 0 {
		s += fmt.Sprintf(" The removals also end %d memberships of groups below them (listed under \"ended\" in the JSON).", len(p.Ended))
	}
	if len(p.Errors) > 0 {
		s += fmt.Sprintf(" %d groups cannot be planned.", len(p.Errors))
	}
	return s
}

// RenderMarkdown writes the plan for a pull-request comment: one table per
// target group, warnings as a list, the hash so a reviewer can match it to
// the apply.
func RenderMarkdown(w io.Writer, p *Plan) error {
	b := &strings.Builder{}
	b.WriteString("### Plan against live " + p.systemNames() + "\n\n")
	b.WriteString("**" + summaryLine(p) + "**\n\n")
	for _, e := range p.Errors {
		fmt.Fprintf(b, "> :x: %s\n\n", mdEscape(e.Error()))
	}
	lastTarget, lastGroup := "", ""
	for _, c := range p.Changes {
		if c.Target != lastTarget || c.Group != lastGroup {
			fmt.Fprintf(b, "\n#### %s `%s`\n\n| | who | access | why |\n|---|---|---|---|\n", p.groupTitle(c.Target), c.Group)
			lastTarget, lastGroup = c.Target, c.Group
		}
		sign := map[Op]string{OpAdd: "➕ add", OpRemove: "➖ remove", OpUpdate: "🔁 change", OpCreateGroup: "🆕 create group"}[c.Op]
		access := c.Access
		if c.Op == OpUpdate {
			access = c.From + " → " + c.Access
		}
		why := c.Reason
		if c.ConfigGroup != "" {
			why = strings.TrimSpace("`groups/" + c.ConfigGroup + ".yaml` " + why)
		}
		who := c.User
		if c.Op == OpCreateGroup {
			who = ""
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", sign, mdEscape(who), access, mdEscape(why))
	}
	if len(p.Warnings) > 0 {
		b.WriteString("\n<details><summary>" + fmt.Sprint(len(p.Warnings)) + " warnings</summary>\n\n")
		for _, wn := range p.Warnings {
			fmt.Fprintf(b, "- **%s** (%s): %s\n", wn.Kind, wn.Target, mdEscape(wn.Message))
		}
		b.WriteString("\n</details>\n")
	}
	fmt.Fprintf(b, "\n<sub>plan %s</sub>\n", p.Hash)
	_, err := io.WriteString(w, b.String())
	return err
}

// groupTitle heads a group's table: the target's GroupTitle, else its name.
func (p *Plan) groupTitle(target string) string {
	if c := p.systems[target]; c != nil && c.GroupTitle != "" {
		return c.GroupTitle
	}
	return target
}

// systemNames lists the planned systems for the heading: "Okta and GitLab".
func (p *Plan) systemNames() string {
	var names []string
	for _, t := range p.order {
		name := p.systems[t].System
		if name == "" {
			name = t
		}
		names = append(names, name)
	}
	switch len(names) {
	case 0:
		return "targets"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", "\\|", "<", "&lt;", ">", "&gt;", "\n", " ").Replace(s)
}

// RenderReport writes the apply summary a member can read.
func RenderReport(w io.Writer, r *Report, pending int) error {
	counts := map[Op]int{}
	for _, a := range r.Applied {
		counts[a.Change.Op]++
	}
	fmt.Fprintf(w, "Applied: %d added, %d removed, %d updated, %d groups created; %d pending users; %d failed.\n",
		counts[OpAdd], counts[OpRemove], counts[OpUpdate], counts[OpCreateGroup], pending, len(r.Failed))
	for _, f := range r.Failed {
		fmt.Fprintf(w, "  failed: %s\n", f.Error)
	}
	return nil
}

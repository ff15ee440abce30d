package accessdiff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/access-as-code/access/schema"
)

// WriteJSON writes the report as indented JSON with stable field names.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report for a terminal: one block per person, then
// the edited files, then the targets that stop being managed.
func WriteText(w io.Writer, r *Report) error {
	var b strings.Builder
	if r.Empty() {
		b.WriteString("No access changes.\n")
	}
	if len(r.People) > 0 {
		b.WriteString("Access changes per person:\n")
	}
	for _, p := range r.People {
		fmt.Fprintf(&b, "  %s\n", personLabel(p))
		for _, c := range p.Changes {
			fmt.Fprintf(&b, "    %s %s\n", opSign(c.Op), describeChange(c))
		}
	}
	if len(r.Items) > 0 {
		b.WriteString("Edited:\n")
	}
	for _, it := range r.Items {
		fmt.Fprintf(&b, "  %s\n", describeItem(it))
	}
	for _, u := range r.Unmanaged {
		fmt.Fprintf(&b, "%s\n", describeUnmanaged(u))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes the report for a pull-request comment, in words a
// person who is not an engineer can follow: who gets what, until when.
func WriteMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	b.WriteString("### Who gets or loses access\n\n")
	if len(r.People) == 0 {
		b.WriteString("Nobody's access changes.\n\n")
	} else {
		b.WriteString("| Person | Change | Access | How | Until | Reason |\n|---|---|---|---|---|---|\n")
		for _, p := range r.People {
			for _, c := range p.Changes {
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", md(personLabel(p)), opWord(c), md(accessWords(c)),
					md(howWords(c)), untilWords(c), md(c.Reason))
			}
		}
		b.WriteString("\n")
	}
	if len(r.Items) > 0 {
		b.WriteString("### What was edited\n\n")
		for _, it := range r.Items {
			fmt.Fprintf(&b, "- %s\n", md(describeItem(it)))
		}
		b.WriteString("\n")
	}
	for _, u := range r.Unmanaged {
		fmt.Fprintf(&b, "> **Note:** %s\n\n", md(describeUnmanaged(u)))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func personLabel(p Person) string {
	if p.Name != "" {
		return fmt.Sprintf("%s (%s)", p.Name, p.User)
	}
	return p.User
}

func opSign(op string) string {
	switch op {
	case OpGain:
		return "+"
	case OpLose:
		return "-"
	}
	return "~"
}

func opWord(c Change) string {
	switch c.Op {
	case OpGain:
		return "➕ gets"
	case OpLose:
		return "➖ loses"
	}
	return "✏️ keeps, changed"
}

func accessWords(c Change) string {
	switch c.Kind {
	case KindOkta:
		return "Okta group " + c.Name
	case KindGitLab:
		lvl := c.Level
		if c.Op == OpLose {
			lvl = c.OldLevel
		}
		if c.Op == OpChange {
			lvl = c.OldLevel + " → " + c.Level
		}
		return fmt.Sprintf("GitLab %s (%s)", c.Name, lvl)
	case KindGitHub:
		lvl := c.Level
		if c.Op == OpLose {
			lvl = c.OldLevel
		}
		if c.Op == OpChange {
			lvl = c.OldLevel + " → " + c.Level
		}
		return fmt.Sprintf("GitHub %s (%s)", c.Name, lvl)
	}
	return "group " + c.Name
}

func howWords(c Change) string {
	if c.Kind != KindGroup {
		if c.Group != "" {
			return "through group " + c.Group
		}
		return ""
	}
	now, old := viaWords(c.Via), viaWords(c.OldVia)
	switch c.Op {
	case OpGain:
		return now
	case OpLose:
		return "was " + old
	}
	if now == old {
		return now
	}
	return old + " → " + now
}

func viaWords(via []schema.Path) string {
	parts := make([]string, 0, len(via))
	for _, p := range via {
		if p.Role == "" {
			parts = append(parts, "directly")
		} else {
			parts = append(parts, "through role "+p.Role)
		}
	}
	return strings.Join(parts, " and ")
}

func untilWords(c Change) string {
	if c.Op == OpChange && !sameTime(c.Until, c.OldUntil) {
		return dateWords(c.OldUntil) + " → " + dateWords(c.Until)
	}
	if c.Op == OpLose {
		return ""
	}
	return dateWords(c.Until)
}

func dateWords(t *time.Time) string {
	if t == nil {
		return "no end"
	}
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		return t.Format("2 Jan 2006")
	}
	return t.UTC().Format("2 Jan 2006 15:04 MST")
}

func describeChange(c Change) string {
	s := accessWords(c)
	if how := howWords(c); how != "" {
		s += ", " + how
	}
	if u := untilWords(c); u != "" && u != "no end" {
		s += ", until " + u
	}
	if c.Reason != "" && c.Op != OpLose {
		s += " (" + c.Reason + ")"
	}
	return s
}

func describeItem(it Item) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", it.Kind, it.Name, it.Op)
	if it.From != "" {
		fmt.Fprintf(&b, " from %s", it.From)
	}
	if it.App != "" {
		fmt.Fprintf(&b, " (app %s)", it.App)
	}
	if it.Owners != nil {
		if it.Op == ItemChanged || it.Op == ItemRenamed {
			fmt.Fprintf(&b, "; owners %s → %s", list(it.OldOwners), list(it.Owners))
		} else if it.Op == ItemCreated {
			fmt.Fprintf(&b, "; owners %s", list(it.Owners))
		}
	}
	for _, e := range it.Members {
		who := e.User
		if e.Role != "" {
			who = "role " + e.Role
		}
		switch e.Op {
		case EntryAdded:
			fmt.Fprintf(&b, "; adds %s", who)
			if e.Until != nil {
				fmt.Fprintf(&b, " until %s", dateWords(e.Until))
			}
		case EntryRemoved:
			fmt.Fprintf(&b, "; removes %s", who)
		default:
			fmt.Fprintf(&b, "; %s until %s → %s", who, dateWords(e.OldUntil), dateWords(e.Until))
		}
	}
	if len(it.Fields) > 0 {
		fmt.Fprintf(&b, "; changes %s", strings.Join(it.Fields, ", "))
	}
	return b.String()
}

func describeUnmanaged(u Unmanaged) string {
	what := "Okta group " + u.Name
	switch u.Target {
	case KindGitLab:
		what = fmt.Sprintf("GitLab group %s (%s)", u.Name, u.Level)
	case KindGitHub:
		what = "GitHub team " + u.Name
	}
	return fmt.Sprintf("group file %s was deleted: %s is no longer managed; these %d members keep access: %s",
		u.Group, what, len(u.Members), list(u.Members))
}

func list[S any](s []S) string {
	if len(s) == 0 {
		return "(none)"
	}
	parts := make([]string, len(s))
	for i, x := range s {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ", ")
}

// md escapes the characters that would break a markdown table cell.
func md(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

package approvals

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteJSON writes the result with stable field names.
func WriteJSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes one line per changed item and a verdict.
func WriteText(w io.Writer, r *Result) error {
	var b strings.Builder
	for _, q := range r.Requirements {
		fmt.Fprintf(&b, "%-13s %s %s (%s): %s\n", q.Status, q.Kind, q.Name, q.Op, detail(q))
	}
	if r.Satisfied {
		b.WriteString("approvals: satisfied\n")
	} else {
		b.WriteString("approvals: NOT satisfied\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes a checklist for a pull-request comment.
func WriteMarkdown(w io.Writer, r *Result) error {
	var b strings.Builder
	b.WriteString("### Who needs to approve\n\n")
	if len(r.Requirements) == 0 {
		b.WriteString("Nothing to approve.\n")
	}
	for _, q := range r.Requirements {
		box := "[ ]"
		if q.Status != StatusPending {
			box = "[x]"
		}
		fmt.Fprintf(&b, "- %s **%s %s** (%s): %s\n", box, q.Kind, q.Name, q.Op, detail(q))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func detail(q Requirement) string {
	switch q.Status {
	case StatusApproved:
		return "approved by " + strings.Join(q.ApprovedBy, ", ")
	case StatusNotNeeded, StatusAutoApproved:
		return q.Note
	}
	if len(q.Approvers) == 0 {
		return q.Note
	}
	who := "one of " + strings.Join(q.Approvers, ", ")
	if q.AdminFallback {
		who += " (admins: no owner is left who may approve)"
	}
	return "needs approval from " + who
}

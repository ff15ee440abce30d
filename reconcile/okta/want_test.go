package okta_test

import (
	"testing"

	"github.com/access-as-code/access/reconcile/okta"
	"github.com/access-as-code/access/schema"
)

func TestWantAndKnownUseTheOktaLoginIgnoringCase(t *testing.T) {
	cfg := &schema.Config{Users: []*schema.User{
		{ID: "alice", Email: "Alice@Example.com"},
		{ID: "bob", Email: "bob@example.com", Okta: "Bob.Okta@example.com"},
	}}
	known := okta.Known(cfg)
	if known["alice@example.com"] != "alice" || known["bob.okta@example.com"] != "bob" || len(known) != 2 {
		t.Errorf("Known = %v: the Okta login (else the email), lower case", known)
	}
	d := &schema.Desired{Okta: map[string]map[string]schema.OktaGrant{
		"Eng": {"Bob.Okta@example.com": {User: "bob", OktaID: "00u2", ConfigGroup: "eng", Reason: "INC-1"}},
	}}
	w := okta.Want(d)["Eng"]["Bob.Okta@example.com"]
	if w.User != "bob" || w.Login != "Bob.Okta@example.com" || w.PinnedID != "00u2" || w.ConfigGroup != "eng" || w.Reason != "INC-1" || w.Level != "" {
		t.Errorf("Want = %+v", w)
	}
}

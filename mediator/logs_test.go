package mediator

import (
	"context"
	"strings"
	"testing"
)

func TestLogsNeverContainCodesTokensOrSecrets(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RequiredGroups = []string{"eng"} }, "alice", "mallory")
	e.op.storage.SetGroups("alice", "eng")
	e.gl.AddUser("alice", "Alice", "alice@example.com")
	e.gl.AddGroup("eng")

	e.login("alice")             // admitted, synced
	e.browse("mallory", false)   // refused
	f := e.browse("alice", true) // PKCE
	_, _, _ = e.redeem(f)        // redeemed
	_, _, _ = e.redeem(f)        // replayed
	e.op.Tamper(func(c map[string]any) { c["aud"] = "x" }, nil)
	e.browse("alice", false) // forged token
	rp := *e.rp
	rp.ClientSecret = "wrong-secret"
	_, _ = rp.Exchange(context.Background(), "made-up-code") // bad client
	e.med.Wait()

	logs := e.logs.String()
	for _, want := range []string{"login refused", "ID token rejected", "member added"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q, so the check below proves little:\n%s", want, logs)
		}
	}
	if len(e.secrets) < 8 {
		t.Fatalf("only %d secret values collected", len(e.secrets))
	}
	e.checkLogs()
}

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestInvalidConfigurationExitsNonZeroNamingEachSource(t *testing.T) {
	env := map[string]string{"AUTHZ_MEDIATOR_PORT": "x", "AUTHZ_MEDIATOR_SECRET": "top-secret-value"}
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"-groups"}, func(k string) string { return env[k] }, &stderr)
	if code == 0 {
		t.Fatal("exit 0 with an invalid configuration")
	}
	for _, want := range []string{"AUTHZ_MEDIATOR_PORT", "provider is required", "backend is required"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "top-secret-value") {
		t.Error("the secret was printed")
	}
}

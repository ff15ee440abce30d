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

func TestInvalidStoreURLIsRefusedWithoutItsPassword(t *testing.T) {
	env := map[string]string{"AUTHZ_MEDIATOR_PROVIDER": "https://idp.example.com", "AUTHZ_MEDIATOR_SELF": "https://m.example.com",
		"AUTHZ_MEDIATOR_REDIRECT": "https://gl.example.com/cb", "AUTHZ_MEDIATOR_SECRET": "s",
		"AUTHZ_MEDIATOR_STORE": "memcached://:hunter2@cache:11211"}
	var stderr bytes.Buffer
	if code := run(context.Background(), nil, func(k string) string { return env[k] }, &stderr); code == 0 {
		t.Fatal("exit 0 with an invalid store URL")
	}
	if !strings.Contains(stderr.String(), "AUTHZ_MEDIATOR_STORE") || strings.Contains(stderr.String(), "hunter2") {
		t.Errorf("stderr should name AUTHZ_MEDIATOR_STORE and not its password:\n%s", stderr.String())
	}
}

package retry

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"
)

func TestUntrustedFindsWrappedCertificateErrors(t *testing.T) {
	wrapped := fmt.Errorf("GET /x: %w", x509.UnknownAuthorityError{})
	if !Untrusted(wrapped) {
		t.Error("a wrapped unknown-authority error is final")
	}
	if !Untrusted(x509.HostnameError{Host: "example.com"}) {
		t.Error("a host name mismatch is final")
	}
	if Untrusted(io.ErrUnexpectedEOF) || Untrusted(errors.New("connection reset")) {
		t.Error("a broken connection is transient, not a certificate problem")
	}
}

func TestBackoffDoublesWithinBounds(t *testing.T) {
	for attempt, hi := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 20: 5 * time.Second} {
		for range 50 {
			d := Backoff(attempt)
			if d < hi/2 || d > hi {
				t.Fatalf("Backoff(%d) = %v, want within [%v, %v]", attempt, d, hi/2, hi)
			}
		}
	}
}

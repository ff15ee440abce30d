// Package retry holds the retry rules the providers share: which transport
// errors are final, and how long to back off between attempts. Each
// provider keeps its own loop, because each target signals rate limits in
// its own headers.
package retry

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"time"
)

// Untrusted reports whether err is a server certificate that does not
// verify (unknown authority, wrong host name, or any verification
// failure). It will not verify on the next attempt either, so it is
// reported at once instead of being retried with backoff.
func Untrusted(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn)
}

// Backoff is the wait before attempt+1: 100ms doubling per attempt up to
// 5s, with jitter over its upper half so parallel requests do not retry in
// step.
func Backoff(attempt int) time.Duration {
	d := min(100*time.Millisecond<<min(max(attempt-1, 0), 6), 5*time.Second)
	return d/2 + rand.N(d/2+1)
}

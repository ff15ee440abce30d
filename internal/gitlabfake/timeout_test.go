package gitlabfake

import (
	"io"
	"net"
	"strings"
	"testing"
)

// A request held by FaultTimeout is never answered. A client that gives up
// shuts its side of the connection; the handler is released then, and if
// it returned without writing, net/http would send an empty "200 OK" that
// the client can still read (net/http's Transport uses a response that
// races a cancellation) and decode as an empty member list.
func TestTimeoutNeverAnswers(t *testing.T) {
	s := New()
	defer s.Close()
	s.AddGroup("acme")
	s.InjectFault(Fault{Kind: FaultTimeout, Count: 1})
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := "GET /api/v4/groups/acme/members HTTP/1.1\r\nHost: x\r\nPRIVATE-TOKEN: " + s.Token() + "\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil { // the client hangs up
		t.Fatal(err)
	}
	got, _ := io.ReadAll(c)
	if len(got) > 0 {
		t.Fatalf("a held request was answered: %q", strings.SplitN(string(got), "\r\n", 2)[0])
	}
}

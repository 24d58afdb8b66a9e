// Package mailsink is a local SMTP server for tests: it accepts every
// message on 127.0.0.1 and keeps it, so tests can read what halfsky sent.
package mailsink

import (
	"io"
	"net"
	"net/mail"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one received message.
type Message struct {
	From, To string
	Header   mail.Header
	Body     string
}

// Sink is a running SMTP server. A test may take it down (Stop: the
// connection refused), bring it back on the same address (Restart) and
// make it refuse every message with a reply code (Refuse: 451 for "try
// again later", 550 for "never"), to drill a sender against a mail
// server that fails.
type Sink struct {
	Addr   string
	mu     sync.Mutex
	msgs   []Message
	srv    *smtp.Server
	ln     net.Listener
	refuse int
}

// Start listens on a free loopback port until the test ends.
func Start(t testing.TB) *Sink {
	t.Helper()
	s := &Sink{Addr: "127.0.0.1:0"}
	s.listen(t)
	t.Cleanup(s.Stop)
	return s
}

// listen serves on s.Addr (a free port the first time, the same after).
func (s *Sink) listen(t testing.TB) {
	t.Helper()
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.mu.Lock()
	s.Addr, s.srv, s.ln = ln.Addr().String(), srv, ln
	s.mu.Unlock()
	go srv.Serve(ln)
}

// Stop closes the listener: a connection is refused until Restart.
func (s *Sink) Stop() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if srv != nil {
		// The listener too: Close before Serve has begun would not
		// reach it, and Serve would then accept.
		ln.Close()
		srv.Close()
	}
}

// Restart listens again on the same address.
func (s *Sink) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	s.listen(t)
}

// Refuse answers every recipient with code (4xx: try again later; 5xx:
// never) until Refuse(0).
func (s *Sink) Refuse(code int) {
	s.mu.Lock()
	s.refuse = code
	s.mu.Unlock()
}

// Messages returns what arrived so far.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

type backend struct{ s *Sink }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s        *Sink
	from, to string
}

func (x *session) Reset()        {}
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	code := x.s.refuse
	x.s.mu.Unlock()
	if code != 0 {
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 3, 0}, Message: "refused by the test"}
	}
	x.to = to
	return nil
}
func (x *session) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(m.Body)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, Message{From: x.from, To: x.to, Header: m.Header, Body: string(body)})
	x.s.mu.Unlock()
	return nil
}

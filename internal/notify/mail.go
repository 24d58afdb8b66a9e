package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"halfsky/internal/db"
)

// Mailer sends the outbox through an SMTP server. A nil *Mailer means mail
// is not configured: nothing is queued.
type Mailer struct {
	DB       *db.DB
	Addr     string // host:port
	From     string
	Username string
	Password string
	BaseURL  string // e.g. https://halfsky.example.gov.cn, for links in mail
	Now      func() time.Time
}

// MaxAttempts is how often a message the mail server refuses for good
// (a 5xx reply: no such mailbox) is tried before it is marked failed. A
// server that is down or says "later" (4xx) fails no message: it is
// tried until it is delivered (transient).
const MaxAttempts = 8

// The wait before the next try: RetryFirst after the first failure,
// doubled after each, at most RetryMax, each with up to a fifth less at
// random (servers that failed together do not retry together).
const (
	RetryFirst = 2 * time.Minute
	RetryMax   = 30 * time.Minute
)

// Enqueue queues mail about m to every active user with an email address
// at the given units, in the caller's transaction.
func (m *Mailer) Enqueue(ctx context.Context, tx *db.Tx, orgIDs []int64, msg Message, now time.Time) error {
	if m == nil || len(orgIDs) == 0 {
		return nil
	}
	body := m.body(msg)
	const batch = 300
	for i := 0; i < len(orgIDs); i += batch {
		part := orgIDs[i:min(i+batch, len(orgIDs))]
		ph := strings.TrimSuffix(strings.Repeat("?,", len(part)), ",")
		args := []any{msg.Title, body, db.Millis(now), db.Millis(now)}
		for _, id := range part {
			args = append(args, id)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO mail_outbox (to_addr, subject, body, status, next_try_at, created_at)
			SELECT email, ?, ?, 'pending', ?, ? FROM users
			WHERE disabled = 0 AND email <> '' AND org_id IN (`+ph+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}

// EnqueueUsers queues mail about msg to the given users that are active
// and have an email address, in the caller's transaction.
func (m *Mailer) EnqueueUsers(ctx context.Context, tx *db.Tx, userIDs []int64, msg Message, now time.Time) error {
	if m == nil {
		return nil
	}
	body := m.body(msg)
	for _, id := range userIDs {
		if _, err := tx.Exec(ctx, `INSERT INTO mail_outbox (to_addr, subject, body, status, next_try_at, created_at)
			SELECT email, ?, ?, 'pending', ?, ? FROM users WHERE id = ? AND disabled = 0 AND email <> ''`,
			msg.Title, body, db.Millis(now), db.Millis(now), id); err != nil {
			return err
		}
	}
	return nil
}

// body is a message's mail text: with its link and the signature.
func (m *Mailer) body(msg Message) string {
	body := msg.Body
	if msg.Link != "" {
		body += "\n\n请登录半边天工作平台处理：" + strings.TrimRight(m.BaseURL, "/") + msg.Link
	}
	return body + "\n\n—— 半边天·哈尔滨市妇联工作平台（系统邮件，请勿回复）"
}

// Run sends pending mail until ctx ends, checking every interval.
func (m *Mailer) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := m.SendPending(ctx, 50); err != nil && ctx.Err() == nil {
			slog.Warn("sending mail", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SendPending sends up to limit due messages and returns how many went
// out. Each message is claimed first (its next try pushed back), so two
// servers never send the same one; a failure is retried with backoff.
// A message is marked sent only once the mail server has accepted it
// (its reply to the message's data): delivery is at least once — a
// process that stops between that reply and the mark sends it again ten
// minutes later — and never lost.
func (m *Mailer) SendPending(ctx context.Context, limit int) (int, error) {
	now := m.Now()
	type mail struct {
		id                int64
		to, subject, body string
		attempts          int
		nextTry           int64
	}
	due, err := db.All(ctx, m.DB.Q(), func(row db.Scanner) (x mail, err error) {
		err = row.Scan(&x.id, &x.to, &x.subject, &x.body, &x.attempts, &x.nextTry)
		return x, err
	}, `SELECT id, to_addr, subject, body, attempts, next_try_at FROM mail_outbox
		WHERE status = 'pending' AND next_try_at <= ? ORDER BY next_try_at, id LIMIT ?`, db.Millis(now), limit)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, x := range due {
		claim, err := m.DB.Exec(ctx, `UPDATE mail_outbox SET next_try_at = ?, attempts = attempts + 1 WHERE id = ? AND next_try_at = ? AND status = 'pending'`,
			db.Millis(now.Add(10*time.Minute)), x.id, x.nextTry)
		if err != nil {
			return sent, err
		}
		if n, _ := claim.RowsAffected(); n != 1 {
			continue // another server has it
		}
		if err := m.send(x.to, x.subject, x.body); err != nil {
			status, next := "pending", now.Add(backoff(x.attempts+1))
			if permanent(err) && x.attempts+1 >= MaxAttempts {
				status = "failed"
			}
			slog.Warn("mail not sent; will retry", "id", x.id, "attempt", x.attempts+1, "status", status, "next", next, "err", err)
			_, _ = m.DB.Exec(ctx, `UPDATE mail_outbox SET status = ?, last_error = ?, next_try_at = ? WHERE id = ?`,
				status, trim(err.Error(), 500), db.Millis(next), x.id)
			continue
		}
		if _, err := m.DB.Exec(ctx, `UPDATE mail_outbox SET status = 'sent', sent_at = ?, last_error = '' WHERE id = ?`, db.Millis(m.Now()), x.id); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// backoff is the wait after the attempt-th failure (1-based).
func backoff(attempt int) time.Duration {
	d := min(RetryFirst<<min(attempt-1, 10), RetryMax)
	return d - rand.N(d/5+1)
}

// permanent reports whether the mail server refused the message for
// good (a 5xx reply); a connection that failed, a timeout or a 4xx reply
// is worth waiting out.
func permanent(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code >= 500
}

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// send delivers one message with UTF-8 headers and body.
func (m *Mailer) send(to, subject, body string) error {
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return err
	}
	var auth smtp.Auth
	if m.Username != "" {
		auth = smtp.PlainAuth("", m.Username, m.Password, host)
	}
	msg := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\nDate: %s\r\n\r\n%s\r\n",
		m.From, to, mime.BEncoding.Encode("UTF-8", subject), m.Now().Format(time.RFC1123Z), strings.ReplaceAll(body, "\n", "\r\n"))
	return deliver(m.Addr, host, auth, m.From, to, []byte(msg))
}

// Bounds of one delivery: a mail server that does not answer (a host
// down, packets dropped) fails the attempt instead of holding the
// sender for the kernel's minutes.
const (
	dialTimeout    = 10 * time.Second
	deliverTimeout = time.Minute
)

// deliver is smtp.SendMail with time limits, and done once the server
// has accepted the message: a failure to say goodbye after that does not
// send it again.
func deliver(addr, host string, auth smtp.Auth, from, to string, msg []byte) error {
	conn, err := net.DialTimeout("tcp", addr, dialTimeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(deliverTimeout)); err != nil {
		return err
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
			return err
		}
	}
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil { // the server's reply to the message
		return err
	}
	_ = c.Quit()
	return nil
}

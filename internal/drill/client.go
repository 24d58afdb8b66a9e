package drill

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"time"
)

// Client is one signed-in account talking to the JSON API. The session
// lives in the database, so a client signed in once keeps working across
// the server's restarts.
type Client struct {
	Base     string
	Username string
	hc       *http.Client
}

// SignIn opens a session for username (an account without a second
// factor, or a leader still in her grace period).
func SignIn(ctx context.Context, base, username, password string) (*Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &Client{Base: base, Username: username, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	body := map[string]string{"username": username, "password": password}
	var out struct{}
	if st, err := c.Do(ctx, http.MethodPost, "/api/v1/session", body, &out); err != nil || st != http.StatusOK {
		return nil, fmt.Errorf("sign in %s: %d %v", username, st, err)
	}
	return c, nil
}

// Rebase points the client at another server of the same installation
// (a balancer's address); the session cookie goes along.
func (c *Client) Rebase(base string) *Client {
	return &Client{Base: base, Username: c.Username, hc: c.hc}
}

// Do sends body as JSON and decodes a 2xx answer into out. A transport
// error (the server gone mid-request) returns status 0 and the error; an
// error status returns the status with the answer's text as the error.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		// The status came but the body did not: not an acknowledgement
		// the client could act on.
		return 0, err
	}
	if res.StatusCode/100 != 2 {
		return res.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, bytes.TrimSpace(data))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return 0, fmt.Errorf("%s %s: %v", method, path, err)
		}
	}
	return res.StatusCode, nil
}

package drill

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"sync"
	"time"
)

// Driver writes through the API from many clients at once and keeps the
// ledger of what was acknowledged.
type Driver struct {
	Run      string    // this run's mark, in every write's token
	Writers  []*Client // one per concurrent client (accounts may repeat)
	Revealer *Client   // a leader over the writers' units, for aid
	// Pause is how long a client waits after a failed request (the
	// server is down) before its next one.
	Pause time.Duration

	// gate is held shared by each write and exclusively by Hold: the
	// supervisor stops the writes while it checks the last ones, so
	// that the checking keeps pace with the writing.
	gate    sync.RWMutex
	mu      sync.Mutex
	acked   []Write
	unacked []Write
	next    []int // per client: the next write's number
	errors  map[int]int
	sample  map[int]string // the first error of each status
}

// NewDriver is a driver for writers, each a concurrent client.
func NewDriver(run string, writers []*Client, revealer *Client) *Driver {
	return &Driver{Run: run, Writers: writers, Revealer: revealer, Pause: 50 * time.Millisecond,
		next: make([]int, len(writers)), errors: map[int]int{}, sample: map[int]string{}}
}

// Drive writes from every client until ctx ends.
func (d *Driver) Drive(ctx context.Context) {
	var wg sync.WaitGroup
	for i := range d.Writers {
		wg.Go(func() { d.client(ctx, i) })
	}
	wg.Wait()
}

// client is one client's loop: the kinds in turn, one write at a time.
func (d *Driver) client(ctx context.Context, i int) {
	c := d.Writers[i]
	for ctx.Err() == nil {
		d.mu.Lock()
		n := d.next[i]
		d.next[i]++
		d.mu.Unlock()
		k := Kinds[n%len(Kinds)]
		token := fmt.Sprintf("drill-%s-%d-%d", d.Run, i, n)
		w := Write{Kind: k, Writer: c.Username, Token: token, N: n, Body: body(k, token, i, n)}
		// The request is not tied to ctx: ending the drive must not
		// cancel a write midway and leave its fate unknown to the
		// ledger for a reason other than the server's.
		rctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		d.gate.RLock()
		err := send(rctx, c, &w)
		d.record(w, err)
		d.gate.RUnlock()
		cancel()
		if err != nil {
			time.Sleep(d.Pause + rand.N(d.Pause))
		}
	}
}

// Hold stops the writes once those in flight are answered, until the
// returned release is called.
func (d *Driver) Hold() (release func()) {
	d.gate.Lock()
	return d.gate.Unlock
}

func (d *Driver) record(w Write, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err == nil {
		d.acked = append(d.acked, w)
		return
	}
	d.unacked = append(d.unacked, w)
	d.errors[w.Status]++
	if _, ok := d.sample[w.Status]; !ok {
		d.sample[w.Status] = string(w.Kind) + ": " + err.Error()
	}
}

// Acked returns the acknowledged writes from index from on, and the
// index to ask from next time.
func (d *Driver) Acked(from int) ([]Write, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Write(nil), d.acked[from:]...), len(d.acked)
}

// Tally is the ledger's figures.
type Tally struct {
	Acked, Unacked int
	ByStatus       map[int]int    // the unacknowledged, by answer (0: none came)
	Sample         map[int]string // the first error of each answer
}

// Tally counts the ledger.
func (d *Driver) Tally() Tally {
	d.mu.Lock()
	defer d.mu.Unlock()
	return Tally{Acked: len(d.acked), Unacked: len(d.unacked), ByStatus: maps.Clone(d.errors), Sample: maps.Clone(d.sample)}
}

// Unacked returns the writes the server never acknowledged.
func (d *Driver) Unacked() []Write {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Write(nil), d.unacked...)
}

// Lost checks each acknowledged write and returns those missing or
// changed, with why; 16 readers at once. A read that fails is tried again
// a few times: the server may still be starting.
func (d *Driver) Lost(ctx context.Context, ws []Write) []error {
	readers := map[string]*Client{}
	for _, c := range d.Writers {
		readers[c.Username] = c
	}
	var (
		mu   sync.Mutex
		lost []error
		wg   sync.WaitGroup
	)
	todo := make(chan Write)
	for range 16 {
		wg.Go(func() {
			for w := range todo {
				var err error
				for try := 0; try < 5; try++ {
					if err = check(ctx, readers[w.Writer], d.Revealer, w); err == nil {
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
				if err != nil {
					mu.Lock()
					lost = append(lost, fmt.Errorf("%s (%s): %w", w.Token, w.Writer, err))
					mu.Unlock()
				}
			}
		})
	}
	for _, w := range ws {
		todo <- w
	}
	close(todo)
	wg.Wait()
	return lost
}

// Strays lists what is visible but should not be: a visit of this run
// whose content is not exactly one the drill sent (half-written), or
// whose token was never sent. Unacknowledged writes may be present or
// not (the server may have committed and died before answering); when
// present they must be whole.
func (d *Driver) Strays(ctx context.Context) ([]string, int, error) {
	sent := map[string]Write{}
	d.mu.Lock()
	for _, w := range append(append([]Write(nil), d.acked...), d.unacked...) {
		if w.Kind == Visit {
			sent[w.Token] = w
		}
	}
	d.mu.Unlock()
	seen := map[string]bool{}
	var strays []string
	found := 0
	for _, c := range d.Writers {
		if seen[c.Username] {
			continue
		}
		seen[c.Username] = true
		for page := 1; ; page++ {
			var out struct {
				Items []map[string]any `json:"items"`
				Total int              `json:"total"`
			}
			if _, err := c.Do(ctx, "GET", fmt.Sprintf("/api/v1/visits?mine=1&per_page=200&page=%d", page), nil, &out); err != nil {
				return nil, 0, err
			}
			for _, v := range out.Items {
				s, ok := d.stray(sent, v)
				if ok {
					found++
				}
				if s != "" {
					strays = append(strays, s)
				}
			}
			if page*200 >= out.Total {
				break
			}
		}
	}
	return strays, found, nil
}

// stray compares one listed visit with what was sent; ok says it is one
// of this run's.
func (d *Driver) stray(sent map[string]Write, v map[string]any) (string, bool) {
	place, _ := v["place"].(string)
	var token string
	if _, err := fmt.Sscanf(place, "道里区兆麟街道 %s", &token); err != nil || !hasRun(token, d.Run) {
		return "", false
	}
	w, ok := sent[token]
	if !ok {
		return fmt.Sprintf("visit %v: token %s was never sent", v["id"], token), true
	}
	for _, f := range []string{"visited_on", "place", "households", "women", "companions", "notes"} {
		if !same(w.Body[f], v[f]) {
			return fmt.Sprintf("visit %v (%s): %s is %v, sent %v", v["id"], token, f, v[f], w.Body[f]), true
		}
	}
	return "", true
}

func hasRun(token, run string) bool {
	prefix := "drill-" + run + "-"
	return len(token) > len(prefix) && token[:len(prefix)] == prefix
}

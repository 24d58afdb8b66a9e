package cluster

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/drill"
)

// Probe is one request of the prober: when it was sent and answered, and
// how. The drill's writers (drill.Driver) keep no times; the probes are
// what the failover and kill figures are measured from.
type Probe struct {
	Start, End time.Time
	Write      bool   // a POST of a visit; otherwise a GET of one
	Status     int    // 0: no answer
	ID         int64  // the visit's id, once acknowledged
	Place      string // what the visit was written with
	Via        string // the base URL it went to
	Err        error  // why it failed
}

// OK reports whether the probe got a 2xx.
func (p Probe) OK() bool { return p.Status/100 == 2 }

// Prober sends, from each client in turn, a visit and then reads it
// back, every Gap, recording every request.
type Prober struct {
	Clients []*drill.Client
	Run     string
	Gap     time.Duration

	mu     sync.Mutex
	probes []Probe
}

// Drive probes until ctx ends.
func (p *Prober) Drive(ctx context.Context) {
	var wg sync.WaitGroup
	for i, c := range p.Clients {
		wg.Go(func() { p.client(ctx, c, i) })
	}
	wg.Wait()
}

func (p *Prober) client(ctx context.Context, c *drill.Client, i int) {
	for n := 0; ctx.Err() == nil; n++ {
		w := p.Write(c, fmt.Sprintf("probe-%s-%d-%d", p.Run, i, n))
		if w.OK() {
			p.Read(c, w)
		}
		select {
		case <-ctx.Done():
		case <-time.After(p.Gap):
		}
	}
}

// visitsPath is where the probes write and read.
const visitsPath = "/api/v1/visits"

// Write sends one visit through c and records it.
func (p *Prober) Write(c *drill.Client, token string) Probe {
	pr := Probe{Write: true, Place: "道里区兆麟街道 " + token, Via: c.Base, Start: time.Now()}
	body := map[string]any{"visited_on": time.Now().In(db.Shanghai).AddDate(0, 0, -1).Format("2006-01-02"),
		"place": pr.Place, "households": 1, "women": 1}
	var out struct {
		Visit struct {
			ID int64 `json:"id"`
		} `json:"visit"`
	}
	pr.Status, pr.Err = p.do(c, http.MethodPost, visitsPath, body, &out)
	pr.ID, pr.End = out.Visit.ID, time.Now()
	p.add(pr)
	return pr
}

// Read reads an acknowledged visit back and records it; it is a failure
// (status 0) when the place read is not the place written.
func (p *Prober) Read(c *drill.Client, w Probe) Probe {
	pr := Probe{ID: w.ID, Place: w.Place, Via: c.Base, Start: time.Now()}
	pr.Status, pr.Err = Check(c, w)
	pr.End = time.Now()
	p.add(pr)
	return pr
}

// Check reads the visit of an acknowledged write and compares its place.
func Check(c *drill.Client, w Probe) (int, error) {
	var out struct {
		Visit struct {
			Place string `json:"place"`
		} `json:"visit"`
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := c.Do(ctx, http.MethodGet, fmt.Sprintf("%s/%d", visitsPath, w.ID), nil, &out)
	if err == nil && out.Visit.Place != w.Place {
		return 0, fmt.Errorf("visit %d: place %q, written %q", w.ID, out.Visit.Place, w.Place)
	}
	return st, err
}

func (p *Prober) do(c *drill.Client, method, path string, body, out any) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return c.Do(ctx, method, path, body, out)
}

func (p *Prober) add(pr Probe) {
	p.mu.Lock()
	p.probes = append(p.probes, pr)
	p.mu.Unlock()
}

// Probes returns every probe so far.
func (p *Prober) Probes() []Probe {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Probe(nil), p.probes...)
}

// Recovered is how long after t the first write sent after t was
// acknowledged; false when none was yet.
func Recovered(probes []Probe, t time.Time) (time.Duration, bool) {
	var best time.Time
	for _, pr := range probes {
		if pr.Write && pr.OK() && pr.Start.After(t) && (best.IsZero() || pr.End.Before(best)) {
			best = pr.End
		}
	}
	return best.Sub(t), !best.IsZero()
}

// Failed splits the failed probes of the window [from, to) into those
// sent before t (in flight at t) and those sent after.
func Failed(probes []Probe, t, from, to time.Time) (inFlight, after []Probe) {
	for _, pr := range probes {
		if pr.OK() || pr.End.Before(from) || !pr.Start.Before(to) {
			continue
		}
		if pr.Start.Before(t) {
			inFlight = append(inFlight, pr)
		} else {
			after = append(after, pr)
		}
	}
	return inFlight, after
}

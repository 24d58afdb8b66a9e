package drill

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The load run (issue 16 item 6): simulated cadres, each a session of her
// own at her district's federation, doing what a day at the office is
// made of, with a pause between steps as a person takes.

// Action is one step a simulated cadre takes.
type Action string

// The steps, with the share of each in Steps.
const (
	Desk    Action = "work desk"
	List    Action = "a list"
	OpenDoc Action = "a document opened"
	Report  Action = "a report saved"
	Record  Action = "a visit recorded"
	Export  Action = "an export"
)

// Steps is the mix: every cadre draws her next step from it.
var Steps = []struct {
	Action Action
	Weight int
}{{Desk, 20}, {List, 35}, {OpenDoc, 15}, {Report, 10}, {Record, 15}, {Export, 5}}

// Districts are Harbin's 18 district and county codes: the load's
// cadres are spread over them.
var Districts = []string{"230102", "230103", "230104", "230108", "230109", "230110", "230111", "230112", "230113",
	"230123", "230124", "230125", "230126", "230127", "230128", "230129", "230183", "230184"}

// LoadResult is a load run's figures.
type LoadResult struct {
	Requests, Errors int
	// Conflicts are drafts two cadres of one unit saved at the same
	// moment: the second is told 该报送刚被他人修改 (409) and nothing of
	// hers overwrites the first's unseen — the version check working, not
	// an error.
	Conflicts int
	ByAction  map[Action][]time.Duration
	Failures  map[string]int // by action and answer
	Visits    []Write        // acknowledged visits, to read back
}

// Load runs cadres against base for d, each pausing think (uniformly
// from half to one and a half of it) between steps.
func Load(ctx context.Context, cadres []*Client, d, think time.Duration, run string) *LoadResult {
	res := &LoadResult{ByAction: map[Action][]time.Duration{}, Failures: map[string]int{}}
	var mu sync.Mutex
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	for i, c := range cadres {
		wg.Go(func() {
			cad := &cadre{c: c, i: i, run: run}
			// Staggered starts: 200 people do not all sit down at once.
			sleep(ctx, rand.N(think))
			for n := 0; ctx.Err() == nil; n++ {
				a := draw()
				t0 := time.Now()
				w, err := cad.step(ctx, a, n)
				took := time.Since(t0)
				if ctx.Err() != nil && err != nil {
					return // the run ended mid-step: neither success nor error
				}
				mu.Lock()
				res.Requests++
				res.ByAction[a] = append(res.ByAction[a], took)
				switch {
				case errors.Is(err, errConflict):
					res.Conflicts++
				case err != nil:
					res.Errors++
					res.Failures[string(a)+": "+firstLine(err)]++
				case w != nil:
					res.Visits = append(res.Visits, *w)
				}
				mu.Unlock()
				sleep(ctx, think/2+rand.N(think))
			}
		})
	}
	wg.Wait()
	return res
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func draw() Action {
	total := 0
	for _, s := range Steps {
		total += s.Weight
	}
	n := rand.N(total)
	for _, s := range Steps {
		if n -= s.Weight; n < 0 {
			return s.Action
		}
	}
	return Desk
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexAny(s, "{\n"); i > 0 {
		s = s[:i]
	}
	// The ids in a path would make every failure a line of its own; the
	// status after it is kept.
	f := strings.Fields(s)
	for i, w := range f {
		if strings.HasPrefix(w, "/") {
			f[i] = strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return '#'
				}
				return r
			}, w)
		}
	}
	return strings.Join(f, " ")
}

// cadre is one simulated cadre's state: the documents and report she has
// seen.
type cadre struct {
	c      *Client
	i      int
	run    string
	docs   []int64
	report int64
}

var lists = []string{"/api/v1/visits?per_page=20", "/api/v1/docs?per_page=20", "/api/v1/reports/todo", "/api/v1/notifications",
	"/api/v1/needs?per_page=20", "/api/v1/problems?per_page=20"}

// step takes one step; a recorded visit is returned for the ledger.
func (cd *cadre) step(ctx context.Context, a Action, n int) (*Write, error) {
	c := cd.c
	switch a {
	case Desk:
		_, _, err := c.Fetch(ctx, "/")
		return nil, err
	case List:
		_, err := c.Do(ctx, http.MethodGet, lists[rand.N(len(lists))], nil, nil)
		return nil, err
	case OpenDoc:
		return nil, cd.openDoc(ctx)
	case Report:
		return nil, cd.saveReport(ctx, n)
	case Record:
		token := fmt.Sprintf("drill-%s-%d-%d", cd.run, cd.i, n)
		w := Write{Kind: Visit, Writer: c.Username, Token: token, N: n, Body: body(Visit, token, cd.i, n)}
		if err := send(ctx, c, &w); err != nil {
			return nil, err
		}
		return &w, nil
	default:
		_, _, err := c.Fetch(ctx, "/visits/export.xlsx")
		return nil, err
	}
}

// openDoc opens one of the documents her list shows (the list first,
// once).
func (cd *cadre) openDoc(ctx context.Context) error {
	if cd.docs == nil {
		var out struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		if _, err := cd.c.Do(ctx, http.MethodGet, "/api/v1/docs?per_page=50", nil, &out); err != nil {
			return err
		}
		cd.docs = []int64{}
		for _, d := range out.Items {
			cd.docs = append(cd.docs, d.ID)
		}
	}
	if len(cd.docs) == 0 {
		return nil
	}
	_, err := cd.c.Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/docs/%d", cd.docs[rand.N(len(cd.docs))]), nil, nil)
	return err
}

// saveReport saves a draft of her unit's report on the first item of her
// to-do list (报送: the figures and the text so far).
func (cd *cadre) saveReport(ctx context.Context, n int) error {
	if cd.report == 0 {
		var out struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		if _, err := cd.c.Do(ctx, http.MethodGet, "/api/v1/reports/todo", nil, &out); err != nil {
			return err
		}
		if len(out.Items) == 0 {
			return fmt.Errorf("no report to do")
		}
		cd.report = out.Items[0].ID
	}
	in := map[string]any{"body": fmt.Sprintf("本月组织专题学习%d场,参加%d人(草稿,%s)。", n%9+1, n%90+10, cd.c.Username),
		"numbers": map[string]float64{"sessions": float64(n%9 + 1), "people": float64(n%90 + 10)}}
	st, err := cd.c.Do(ctx, http.MethodPut, fmt.Sprintf("/api/v1/reports/%d", cd.report), in, nil)
	if st == http.StatusConflict {
		return errConflict
	}
	return err
}

var errConflict = errors.New("saved by another at the same moment")

// Summary prints the figures: requests, errors, p50/p99 by action.
func (r *LoadResult) Summary() string {
	var b strings.Builder
	rate := 0.0
	if r.Requests > 0 {
		rate = 100 * float64(r.Errors) / float64(r.Requests)
	}
	fmt.Fprintf(&b, "%d steps, %d errors (%.3f %%), %d drafts saved by two at once (409, told so)\n", r.Requests, r.Errors, rate, r.Conflicts)
	var all []time.Duration
	for _, s := range Steps {
		ds := slices.Clone(r.ByAction[s.Action])
		all = append(all, ds...)
		fmt.Fprintf(&b, "  %-20s %6d  p50 %8s  p99 %8s\n", s.Action, len(ds), pct(ds, 50), pct(ds, 99))
	}
	fmt.Fprintf(&b, "  %-20s %6d  p50 %8s  p99 %8s\n", "all", len(all), pct(all, 50), pct(all, 99))
	for k, v := range r.Failures {
		fmt.Fprintf(&b, "  failed: %s ×%d\n", k, v)
	}
	return b.String()
}

func pct(ds []time.Duration, p int) string {
	if len(ds) == 0 {
		return "-"
	}
	slices.Sort(ds)
	return ds[(len(ds)-1)*p/100].Round(100 * time.Microsecond).String()
}

// PeakRSS is a process's peak resident memory (VmHWM), in bytes.
func PeakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM for %d", pid)
}

// IssueNotice runs a notice through the city's whole 公文 loop by the
// API — drafted with a reporting requirement, submitted, reviewed by the
// office, signed by the leader, issued to every district federation — so
// that each district has a report to do for the load's cadres.
func IssueNotice(ctx context.Context, base, password string) error {
	staff, err := SignIn(ctx, base, "city.staff", password)
	if err != nil {
		return err
	}
	office, err := SignIn(ctx, base, "city.office", password)
	if err != nil {
		return err
	}
	leader, err := SignIn(ctx, base, "city.leader", password)
	if err != nil {
		return err
	}
	var d struct {
		Document struct {
			ID int64 `json:"id"`
		} `json:"document"`
	}
	draft := map[string]any{"title": "关于开展“巾帼心向党”主题学习活动的通知",
		"body":           []string{"各区县（市）妇联：", "为深入学习贯彻会议精神，现就开展主题学习活动通知如下。请于月底前报送学习情况。"},
		"recipient_spec": []map[string]any{{"group": "district"}}}
	if _, err := staff.Do(ctx, http.MethodPost, "/api/v1/docs", draft, &d); err != nil {
		return err
	}
	id := d.Document.ID
	due := time.Now().In(shanghai).AddDate(0, 1, 0).Format("2006-01-02")
	req := map[string]any{"title": "主题学习情况", "department": "市妇联宣传部", "due_date": due,
		"fields": []map[string]string{{"key": "sessions", "label": "学习场次", "unit": "场"}, {"key": "people", "label": "参加人数", "unit": "人"}}}
	steps := []struct {
		c    *Client
		path string
		body any
	}{
		{staff, "/requirements", req}, {staff, "/submit", nil}, {office, "/review", map[string]any{"pass": true, "note": "已核"}},
		{leader, "/sign", map[string]any{"opinion": "同意印发"}}, {staff, "/issue", nil},
	}
	for _, s := range steps {
		if _, err := s.c.Do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/docs/%d%s", id, s.path), s.body, nil); err != nil {
			return err
		}
	}
	return nil
}

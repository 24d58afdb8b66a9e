package drill

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"time"

	"halfsky/internal/idcard"
)

// Kind is a kind of write the driver sends: each is a record a cadre
// creates in one request and whose every field the drill can read back.
type Kind string

// The kinds: a visit (下基层 走访), a woman's need with her name and phone
// (sealed at rest; read back in the clear by its recorder), and an aid
// application (巾帼关爱: sealed identity, read back through a leader's
// audited reveal).
const (
	Visit Kind = "visit"
	Need  Kind = "need"
	Aid   Kind = "aid"
)

// Kinds is the order the driver's clients take them in.
var Kinds = []Kind{Visit, Need, Aid}

// Write is one write sent: what was sent, and the id the server gave it
// when it acknowledged the write (0 when it did not).
type Write struct {
	Kind   Kind
	Writer string // the account that sent it
	Token  string // unique in the run: drill-RUN-CLIENT-N
	N      int
	Body   map[string]any
	ID     int64
	Status int // the answer's status; 0 when none came
}

var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

var (
	surnames   = []rune("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗")
	givens     = []rune("秀英桂兰玉凤淑珍丽娟红梅芳敏静燕霞艳")
	categories = []string{"employment", "family", "rights", "hardship", "children", "health", "other"}
)

// name is a plausible Chinese name for write n.
func name(n int) string {
	return string(surnames[n%len(surnames)]) + string(givens[(n/3)%len(givens)]) + string(givens[(n/7+1)%len(givens)])
}

// body is the payload of write n of a kind. The text is as cadres type
// it: Chinese with ASCII punctuation and quotes mixed in.
func body(k Kind, token string, client, n int) map[string]any {
	yesterday := time.Now().In(shanghai).AddDate(0, 0, -1).Format("2006-01-02")
	phone := fmt.Sprintf("1384510%04d", (client*7919+n)%10000)
	switch k {
	case Visit:
		return map[string]any{"visited_on": yesterday, "place": "道里区兆麟街道 " + token,
			"households": n%50 + 1, "women": n%30 + 1, "companions": "社区妇联主席",
			"notes": fmt.Sprintf("入户走访%d户,了解\"二孩\"家庭托育需求;%s", n%50+1, token)}
	case Need:
		return map[string]any{"category": categories[n%len(categories)], "urgency": "normal",
			"summary": "希望就近参加家政技能培训(月嫂/育婴师)," + token, "consent": true,
			"person_name": name(n), "contact": phone}
	default:
		// A unique identity number per write: the birth date walks a day
		// per write from 1960, the sequence is the client's (even: the
		// programme is for women).
		birth := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n%20000).Format("20060102")
		first := "230102" + birth + fmt.Sprintf("%03d", 100+2*(client%450))
		return map[string]any{"programme": "cancer", "name": name(n), "id_number": first + string(idcard.CheckChar(first)),
			"phone": phone, "address": "道里区兆麟街道 " + token, "household": "dibao", "medical_consent": true,
			"facts": map[string]string{"diagnosis": "cervical_iib", "stage": "IIB", "hospital": "哈尔滨医科大学附属肿瘤医院"}}
	}
}

// path is where a kind is created.
func path(k Kind) string {
	switch k {
	case Visit:
		return "/api/v1/visits"
	case Need:
		return "/api/v1/needs"
	default:
		return "/api/v1/aid/applications"
	}
}

// send creates the record and returns its id (0 with the status when the
// server did not acknowledge it).
func send(ctx context.Context, c *Client, w *Write) error {
	var out map[string]struct {
		ID int64 `json:"id"`
	}
	st, err := c.Do(ctx, http.MethodPost, path(w.Kind), w.Body, &out)
	w.Status = st
	if err != nil {
		return err
	}
	for _, rec := range out {
		w.ID = rec.ID
	}
	if w.ID == 0 {
		return fmt.Errorf("%s: acknowledged without an id", w.Kind)
	}
	return nil
}

// check reads an acknowledged write back and compares every field sent.
// reader is its writer (visits and needs: a need's name and phone are
// opened from their seal for her); revealer is a leader above it (aid).
func check(ctx context.Context, reader, revealer *Client, w Write) error {
	var got map[string]any
	var fields []string
	switch w.Kind {
	case Visit:
		var out struct{ Visit map[string]any }
		if _, err := reader.Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/visits/%d", w.ID), nil, &out); err != nil {
			return err
		}
		got, fields = out.Visit, []string{"visited_on", "place", "households", "women", "companions", "notes"}
	case Need:
		var out struct{ Need map[string]any }
		if _, err := reader.Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/needs/%d", w.ID), nil, &out); err != nil {
			return err
		}
		got, fields = out.Need, []string{"category", "urgency", "summary", "consent", "person_name", "contact"}
	default:
		var out struct{ Personal map[string]any }
		reason := map[string]string{"reason": "演练核对已确认的写入"}
		if _, err := revealer.Do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/aid/applications/%d/reveal", w.ID), reason, &out); err != nil {
			return err
		}
		got, fields = out.Personal, []string{"name", "id_number", "phone", "address", "facts"}
	}
	for _, f := range fields {
		if !same(w.Body[f], got[f]) {
			return fmt.Errorf("%s %d field %s: sent %v, stored %v", w.Kind, w.ID, f, w.Body[f], got[f])
		}
	}
	return nil
}

// same compares a sent value with the JSON decoded back (numbers come
// back as float64, maps as map[string]any).
func same(sent, got any) bool {
	switch s := sent.(type) {
	case int:
		g, ok := got.(float64)
		return ok && g == float64(s)
	case map[string]string:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(s) {
			return false
		}
		return maps.EqualFunc(s, g, func(a string, b any) bool { return b == a })
	default:
		return sent == got
	}
}

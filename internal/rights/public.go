package rights

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/vocab"
)

// HelpRequest is what a woman sends from the public form (no sign-in).
type HelpRequest struct {
	Category    string `json:"category"`
	Text        string `json:"text"`
	OrgCode     string `json:"org_code"` // the unit she chose: district, street, community or village
	Phone       string `json:"phone"`
	ContactTime string `json:"contact_time"`
	NoCall      bool   `json:"no_call"` // "do not call, I will check online"
	Consent     bool   `json:"consent"`
}

// HelpStatus is all a tracking code tells: never a name, a unit or a word
// she wrote, because whoever holds her code may be the one she fears.
type HelpStatus struct {
	Status      string `json:"status"`
	StatusLabel string `json:"status_label"`
	NextStep    string `json:"next_step"`
}

// ErrNoSuchCode answers a wrong, malformed or unknown code alike.
var ErrNoSuchCode = apperr.New(404, "no_such_code", "没有找到这个查询码。请核对后重新输入；如有危险请立即拨打110。")

// Tracking codes: 12 characters from an alphabet with no look-alikes
// (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V), shown in groups of four.
const (
	codeAlphabet = "34679ACDEFGHJKMNPQRTWXY"
	codeLen      = 12
)

// newCode draws a tracking code: 23^12 ≈ 2^54 of them, so that guessing
// one, at the lookup's rate limit, is hopeless.
func newCode() string {
	b := make([]byte, codeLen)
	max := byte(256 - 256%len(codeAlphabet))
	for i := 0; i < codeLen; {
		var r [1]byte
		_, _ = rand.Read(r[:])
		if r[0] >= max {
			continue
		}
		b[i] = codeAlphabet[int(r[0])%len(codeAlphabet)]
		i++
	}
	return string(b)
}

// FormatCode groups a code for reading aloud: XXXX-XXXX-XXXX.
func FormatCode(c string) string {
	if len(c) != codeLen {
		return c
	}
	return c[:4] + "-" + c[4:8] + "-" + c[8:]
}

// normalCode reads a code as typed (spaces, dashes, lower case, full-width
// characters), or "" when it cannot be one.
func normalCode(in string) string {
	var b strings.Builder
	for _, r := range in {
		switch {
		case r >= 'ａ' && r <= 'ｚ':
			r = r - 'ａ' + 'A'
		case r >= 'Ａ' && r <= 'Ｚ':
			r = r - 'Ａ' + 'A'
		case r >= '０' && r <= '９':
			r = r - '０' + '0'
		case r >= 'a' && r <= 'z':
			r = r - 'a' + 'A'
		}
		switch {
		case r == ' ' || r == '-' || r == '　' || r == '－':
			continue
		case !strings.ContainsRune(codeAlphabet, r):
			return ""
		}
		b.WriteRune(r)
		if b.Len() > codeLen {
			return ""
		}
	}
	if b.Len() != codeLen {
		return ""
	}
	return b.String()
}

// validate checks a request from the public form.
func (in *HelpRequest) validate(cats []Category) map[string]string {
	in.Category, in.Text, in.OrgCode = strings.TrimSpace(in.Category), strings.TrimSpace(in.Text), strings.TrimSpace(in.OrgCode)
	in.Phone, in.ContactTime = cleanPhone(in.Phone), strings.TrimSpace(in.ContactTime)
	e := map[string]string{}
	if !activeCategory(cats, in.Category) {
		e["category"] = "请选择您遇到的问题"
	}
	switch {
	case in.Text == "":
		e["text"] = "请简单写一下发生了什么"
	case vocab.TooLong(in.Text, MaxNarrative):
		e["text"] = "内容太长了，请控制在 5000 字以内"
	}
	if in.OrgCode == "" {
		e["org_code"] = "请选择您所在的区县、街道（乡镇）"
	}
	checkContact(e, in.Phone, in.ContactTime)
	if in.Phone == "" && !in.NoCall {
		e["phone"] = "请留一个安全的联系电话，或勾选“请不要给我打电话”"
	}
	if !in.Consent {
		e["consent"] = "请阅读并勾选同意，我们才能为您转交和办理"
	}
	return e
}

// SubmitHelp takes a request for help from the public form into the
// chosen unit's inbox, as an online case with no handler, and returns its
// tracking code (the only time the code exists in the clear: only its
// keyed lookup is stored). ip goes to the audit log, nothing else of her.
func (s *Service) SubmitHelp(ctx context.Context, in HelpRequest, ip string) (string, error) {
	cats, err := s.Categories(ctx)
	if err != nil {
		return "", err
	}
	e := in.validate(cats)
	var unit org.Org
	if _, bad := e["org_code"]; !bad {
		unit, err = s.Orgs.ByCodeUnscoped(ctx, s.DB.Q(), in.OrgCode)
		if err != nil || !unit.Active || unit.Depth < 1 {
			e["org_code"] = "请从列表中选择您所在的地方"
		}
	}
	if len(e) > 0 {
		return "", apperr.Invalid(e)
	}
	narrative := in.Text
	if in.ContactTime != "" || in.NoCall {
		// What she asked about being contacted belongs with her words.
		narrative += "\n\n（联系方式说明）"
		if in.NoCall {
			narrative += "请不要给我打电话，我会上网查看。"
		}
		if in.ContactTime != "" {
			narrative += "方便联系的时间：" + in.ContactTime
		}
	}
	code := newCode()
	now := s.Now()
	n := newCase{unit: unit, channel: ChannelOnline, category: in.Category, narrative: narrative, phone: in.Phone,
		contactTime: in.ContactTime, noCall: in.NoCall, received: now, trackKey: s.Vault.Lookup(trackPurpose, code)}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		id, err := s.create(ctx, tx, n, now)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET consent_services = 1, consent_at = ? WHERE id = ?`, db.Millis(now), id); err != nil {
			return err
		}
		return s.auditPublic(ctx, tx, "case.public_intake", unit, id, ip)
	})
	if err != nil {
		return "", err
	}
	return code, nil
}

// LookupHelp tells the status of a request by its tracking code, and the
// next step, in words that give nothing away. A malformed code costs no
// query and answers as an unknown one does.
func (s *Service) LookupHelp(ctx context.Context, code string) (HelpStatus, error) {
	c := normalCode(code)
	if c == "" {
		return HelpStatus{}, ErrNoSuchCode
	}
	var status Status
	var handler *int64
	err := s.DB.QueryRow(ctx, `SELECT status, handler_id FROM cases WHERE track_key = ?`, s.Vault.Lookup(trackPurpose, c)).Scan(&status, &handler)
	if errors.Is(err, sql.ErrNoRows) {
		return HelpStatus{}, ErrNoSuchCode
	} else if err != nil {
		return HelpStatus{}, err
	}
	h := HelpStatus{Status: string(status), StatusLabel: status.Label()}
	switch {
	case status == Closed:
		h.NextStep = "您的求助已经办结。如果还需要帮助，可以拨打12338，或重新提交求助。"
	case status == Handling:
		h.NextStep = "工作人员正在为您办理。如果遇到危险，请立即拨打110。"
	case handler != nil:
		h.NextStep = "已有工作人员负责您的求助，会按您留下的方式与您联系。"
	default:
		h.NextStep = "您的求助已经送到当地妇联，工作人员会尽快处理。如果遇到危险，请立即拨打110。"
	}
	return h, nil
}

// auditPublic records what the public form did, as no user: the case's
// id and the client's address, nothing she wrote.
func (s *Service) auditPublic(ctx context.Context, tx *db.Tx, action string, unit org.Org, id int64, ip string) error {
	return audit.Record(ctx, tx, audit.Event{Username: "（公众）", OrgID: unit.ID, OrgCode: unit.Code, Action: action, ObjectType: "case",
		ObjectID: strconv.FormatInt(id, 10), IP: ip, Outcome: audit.OK})
}

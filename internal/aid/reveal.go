package aid

import (
	"context"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/vocab"
)

// ErrReason is the message for a reveal without a proper reason. The
// reason is kept in the audit log (it is the accountability), so it warns
// against typing personal data into it.
const ErrReason = "请填写查看原因（4 至 200 个字；请勿在理由中填写姓名、身份证号等个人信息）"

// ErrReasonTooLong refuses a reason past MaxReason characters.
const ErrReasonTooLong = "查看原因不能超过 200 字（请勿在理由中填写个人信息）"

// MaxReason is the longest reveal or export reason, in characters.
const MaxReason = 200

// Reveal opens an application's personal data for a leader (RevealAid) in
// whose scope it is, with a typed reason of at least 4 characters. The
// reveal and its reason are audited before anything is returned; it is the
// only call that returns personal data in the clear.
func (s *Service) Reveal(ctx context.Context, a access.Actor, id int64, reason string) (Personal, error) {
	if err := s.need(ctx, a, access.RevealAid, id); err != nil {
		return Personal{}, err
	}
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) < 4 {
		return Personal{}, apperr.Field("reason", ErrReason)
	}
	if vocab.TooLong(reason, MaxReason) {
		return Personal{}, apperr.Field("reason", ErrReasonTooLong)
	}
	x, v, err := s.load(ctx, s.DB.Q(), a, id)
	if err != nil {
		return Personal{}, err
	}
	if x.Purged {
		return Personal{}, apperr.New(410, "purged", "该申请的个人信息已按保存期限删除")
	}
	p, err := s.open(id, v)
	if err != nil {
		return Personal{}, err
	}
	if err := audit.Log(ctx, s.DB, audit.FromActor(a, "aid.reveal", "aid_application", ids(id), audit.OK, "reason: "+reason)); err != nil {
		return Personal{}, err
	}
	return p, nil
}

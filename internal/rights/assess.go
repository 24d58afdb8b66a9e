package rights

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/notify"
)

// DangerItem is one yes/no question of the danger assessment for
// 家庭暴力, of the kind Campbell's Danger Assessment asks, with its weight.
// Floor is the least level a yes gives on its own: strangulation, a weapon
// and a threat to kill are the strongest signs of a killing to come.
type DangerItem struct {
	Code   string `json:"code"`
	Label  string `json:"label"`
	Weight int    `json:"weight"`
	Floor  Risk   `json:"floor,omitempty"`
}

// DangerItems are asked in this order.
var DangerItems = []DangerItem{
	{Code: "escalating", Label: "过去一年里，暴力的次数或严重程度在增加", Weight: 2},
	{Code: "threat_kill", Label: "对方威胁过要杀死她或她的家人", Weight: 3, Floor: RiskHigh},
	{Code: "strangle", Label: "对方掐过她的脖子、捂过口鼻，使她不能呼吸", Weight: 4, Floor: RiskHigh},
	{Code: "weapon", Label: "对方用过或威胁用刀具、枪支等凶器", Weight: 4, Floor: RiskHigh},
	{Code: "weapon_access", Label: "对方家中有或容易得到枪支、刀具等凶器", Weight: 2},
	{Code: "separation", Label: "她近一年内离开了对方、分居或提出离婚", Weight: 3},
	{Code: "stalking", Label: "对方跟踪、监视她，或不停打电话、发信息骚扰", Weight: 2},
	{Code: "pregnant", Label: "她怀孕期间被打过，或现在怀孕", Weight: 2},
	{Code: "children", Label: "对方威胁伤害孩子，或孩子被打过", Weight: 3},
	{Code: "forced_sex", Label: "对方强迫她发生性行为", Weight: 2},
	{Code: "control", Label: "对方极度嫉妒，控制她的日常活动、钱或与人来往", Weight: 1},
	{Code: "suicide", Label: "对方威胁或试图自杀", Weight: 2},
	{Code: "substance", Label: "对方酗酒或吸毒", Weight: 1},
	{Code: "injury", Label: "暴力曾造成需要就医的伤害", Weight: 2},
	{Code: "believes", Label: "她认为对方会杀死她", Weight: 3},
}

// Level is the danger level of the items answered yes: the weighted score
// against the bands (0–7 一般, 8–13 较高, 14–17 高, 18 and more 极高), and
// never below an item's floor.
func Level(yes []string) (score int, level Risk) {
	level = RiskNormal
	for _, it := range DangerItems {
		if !slices.Contains(yes, it.Code) {
			continue
		}
		score += it.Weight
		if rank(it.Floor) > rank(level) {
			level = it.Floor
		}
	}
	band := RiskNormal
	switch {
	case score >= 18:
		band = RiskSevere
	case score >= 14:
		band = RiskHigh
	case score >= 8:
		band = RiskElevated
	}
	if rank(band) > rank(level) {
		level = band
	}
	return score, level
}

func rank(r Risk) int {
	switch r {
	case RiskNormal:
		return 1
	case RiskElevated:
		return 2
	case RiskHigh:
		return 3
	case RiskSevere:
		return 4
	}
	return 0
}

// Assessment is one danger assessment of a case.
type Assessment struct {
	Items []string
	Score int
	Level Risk
	By    string
	At    time.Time
}

// Assess records a danger assessment of a 家庭暴力 case by one who reads
// it in full. 高 and above alert, at once, the leaders of the case's unit
// and of the unit above, in the app and by mail (no names in either).
func (s *Service) Assess(ctx context.Context, a access.Actor, id int64, version int, yes []string) (Risk, error) {
	if !a.Can(access.RecordCases) {
		return "", s.deny(ctx, a, "case.assess", strconv.FormatInt(id, 10))
	}
	for _, y := range yes {
		if !slices.ContainsFunc(DangerItems, func(it DangerItem) bool { return it.Code == y }) {
			return "", apperr.Field("items", "评估项目不在清单中："+y)
		}
	}
	slices.Sort(yes)
	yes = slices.Compact(yes)
	score, level := Level(yes)
	now := s.Now()
	err := s.change(ctx, a, id, version, "case.assess", func(tx *db.Tx, c *Case) error {
		if c.Category != "dv" && c.CategoryTop != "dv" {
			return apperr.Field("items", "危险性评估用于家庭暴力案件")
		}
		if c.Status == Closed {
			return errClosed
		}
		if _, err := tx.Exec(ctx, `INSERT INTO case_assessments (case_id, items, score, level, by_user, at) VALUES (?, ?, ?, ?, ?, ?)`,
			id, strings.Join(yes, ","), score, string(level), a.UserID, db.Millis(now)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET risk = ? WHERE id = ?`, string(level), id); err != nil {
			return err
		}
		if err := s.event(ctx, tx, id, "assess", fmt.Sprintf("危险性评估：%s（%d 分）", level.Label(), score), a.UserID, now); err != nil {
			return err
		}
		if !level.AtLeastHigh() {
			return nil
		}
		if err := openSafetyPlan(ctx, tx, id); err != nil {
			return err
		}
		if rank(Risk(c.Risk)) >= rank(level) {
			return nil // alerted already at this level
		}
		return s.alert(ctx, tx, c, level, now)
	}, fmt.Sprintf("score=%d level=%s", score, level))
	return level, err
}

// alert tells the leaders of the case's unit, of the unit above and of
// its district that a case is rated 高 or above — in the app and by mail,
// without names. The district (区县妇联) answers for the cases of its
// streets and communities, which often have no leader on the platform: a
// community's case reaches it past the street.
func (s *Service) alert(ctx context.Context, tx *db.Tx, c *Case, level Risk, now time.Time) error {
	units := []int64{c.OrgID}
	if ids := access.PathIDs(c.OrgPath); len(ids) >= 2 {
		units = append(units, ids[len(ids)-2])
	}
	districts, err := db.Column[int64](ctx, tx, `SELECT id FROM orgs WHERE kind = 'district' AND ? LIKE path || '%'`, c.OrgPath)
	if err != nil {
		return err
	}
	for _, d := range districts {
		if !slices.Contains(units, d) {
			units = append(units, d)
		}
	}
	leaders, err := leadersOf(ctx, tx, units)
	if err != nil {
		return err
	}
	msg := notify.Message{Kind: "case.danger", Title: "家暴案件危险等级：" + level.Label(),
		Body: c.Number() + "（" + c.OrgName + "）经评估为" + level.Label() + "危险，请立即关注并落实安全计划。", Link: Link(c.ID)}
	if err := notify.ToUsers(ctx, tx, leaders, msg, now); err != nil {
		return err
	}
	return s.Mail.EnqueueUsers(ctx, tx, leaders, msg, now)
}

// leadersOf lists the active leaders of the units.
func leadersOf(ctx context.Context, q db.Querier, units []int64) ([]int64, error) {
	var out []int64
	for _, u := range units {
		ids, err := db.Column[int64](ctx, q, `SELECT id FROM users WHERE org_id = ? AND role = 'leader' AND disabled = 0 ORDER BY id`, u)
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
	}
	return out, nil
}

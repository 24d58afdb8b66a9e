package audit

import (
	"context"
	"fmt"
	"math"

	"halfsky/internal/db"
)

// Problem kinds found by Verify.
const (
	ProblemEdited       = "edited"        // the row's hash does not match its content
	ProblemBrokenLink   = "broken_link"   // the row's prev_hash is not the previous row's hash, or the row is on no chain
	ProblemMissing      = "missing"       // positions are absent from a stripe: rows were deleted
	ProblemHeadMismatch = "head_mismatch" // a stripe's head does not describe its last row, or is missing
)

// Problem is one break in a chain.
type Problem struct {
	Stripe  int    // the chain concerned (0: a row on no chain)
	Pos     int64  // the position in it (for missing: the first absent one; for a head: the head's position)
	Seq     int64  // the event's global seq, 0 when there is no such event (missing rows, heads)
	Kind    string // one of the Problem* kinds
	Message string // in Chinese, for the CLI and the auditor's page
}

// MaxProblems is how many problems a Report lists; past it they are only
// counted (Omitted), so that verifying a wholly rewritten log of millions of
// rows still runs in bounded memory.
const MaxProblems = 10000

// Report is the result of Verify.
type Report struct {
	Checked  int64 // rows read
	Chains   int   // stripes walked
	Problems []Problem
	Omitted  int64 // problems found beyond MaxProblems, not listed
}

// OK reports whether every chain is intact.
func (r Report) OK() bool { return len(r.Problems) == 0 && r.Omitted == 0 }

func (r *Report) add(p Problem, format string, args ...any) {
	if len(r.Problems) >= MaxProblems {
		r.Omitted++
		return
	}
	p.Message = fmt.Sprintf(format, args...)
	r.Problems = append(r.Problems, p)
}

// verifyBatch is how many rows Verify reads per query.
const verifyBatch = 2000

// head is a stripe's head as read from audit_head.
type head struct {
	stripe int
	seq    int64 // the last position
	hash   string
	v1Upto int64 // positions up to this one are v1-encoded
}

func readHeads(ctx context.Context, d *db.DB) (map[int]head, error) {
	out := map[int]head{}
	rows, err := d.Query(ctx, `SELECT id, seq, hash, v1_upto FROM audit_head`)
	if err != nil {
		return nil, fmt.Errorf("audit: read chain heads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h head
		if err := rows.Scan(&h.stripe, &h.seq, &h.hash, &h.v1Upto); err != nil {
			return nil, fmt.Errorf("audit: read chain heads: %w", err)
		}
		out[h.stripe] = h
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: read chain heads: %w", err)
	}
	return out, nil
}

// Verify walks every stripe's chain in position order, a batch at a time,
// and reports every problem: a row whose hash does not match its content
// (edited — also a row moved to another stripe or position, which the hash
// covers), a prev_hash that is not the previous row's hash (broken_link),
// absent positions (missing: deleted rows), a stripe head that does not
// match the stripe's last row or is gone (head_mismatch: the tail was
// deleted or replaced, or rows were forged past the head), and rows on no
// chain at all (broken_link).
//
// It runs outside any transaction, so writers are never blocked, and stays
// consistent while they append: it reads all the heads first, in one
// statement, and checks each stripe's rows up to its head — every such row
// committed together with that head or before it — then, for rows past
// the heads, reads each stripe's largest position before reading the heads
// again, so a legitimate concurrent append is never mistaken for a forged
// row.
func Verify(ctx context.Context, d *db.DB) (Report, error) {
	return verify(ctx, d, verifyBatch)
}

func verify(ctx context.Context, d *db.DB, batch int) (Report, error) {
	var rep Report
	heads, err := readHeads(ctx, d)
	if err != nil {
		return rep, err
	}
	// Stripes 1…top are walked: at least 1…Stripes, and any head past them.
	top := Stripes
	for k := range heads {
		top = max(top, k)
	}
	rep.Chains = top
	for k := 1; k <= top; k++ {
		h, ok := heads[k]
		if !ok {
			rep.add(Problem{Stripe: k, Kind: ProblemHeadMismatch}, "第 %d 链的链头缺失（audit_head 中没有 id = %d 的行，该链无法确认完整）", k, k)
			h = head{stripe: k, seq: math.MaxInt64}
		}
		if err := walk(ctx, d, &rep, h, ok, batch); err != nil {
			return rep, err
		}
	}

	// Rows past a head were not chained by Record. Read each stripe's
	// largest position first and the heads after them: a legitimate row
	// always commits with its head, so a head read later can only be
	// further along.
	maxPos := make([]int64, top+1)
	for k := 1; k <= top; k++ {
		var low int64
		var lowSeq int64
		if err := d.QueryRow(ctx, `SELECT (SELECT COALESCE(MAX(sseq), 0) FROM audit_events WHERE stripe = ?),
			(SELECT COUNT(*) FROM audit_events WHERE stripe = ? AND sseq <= 0),
			(SELECT COALESCE(MIN(seq), 0) FROM audit_events WHERE stripe = ? AND sseq <= 0)`, k, k, k).Scan(&maxPos[k], &low, &lowSeq); err != nil {
			return rep, fmt.Errorf("audit: verify stripe %d: %w", k, err)
		}
		if low > 0 {
			rep.add(Problem{Stripe: k, Seq: lowSeq, Kind: ProblemBrokenLink}, "第 %d 链有 %d 条事件的环号不大于 0（不在链条上，疑似伪造；其一为第 %d 条事件）", k, low, lowSeq)
		}
	}
	now, err := readHeads(ctx, d)
	if err != nil {
		return rep, err
	}
	for k := 1; k <= top; k++ {
		h, ok := now[k]
		if ok && maxPos[k] > h.seq {
			rep.add(Problem{Stripe: k, Pos: h.seq + 1, Kind: ProblemHeadMismatch}, "第 %d 链链头之后存在未登记的事件（第 %d–%d 环，疑似伪造）", k, h.seq+1, maxPos[k])
		}
	}
	var off, offSeq int64
	if err := d.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MIN(seq), 0) FROM audit_events WHERE stripe < 1 OR stripe > ?`, top).Scan(&off, &offSeq); err != nil {
		return rep, fmt.Errorf("audit: verify: %w", err)
	}
	if off > 0 {
		rep.add(Problem{Seq: offSeq, Kind: ProblemBrokenLink}, "存在 %d 条不属于任何链的事件（链号不在 1–%d 之间，疑似伪造；其一为第 %d 条事件）", off, top, offSeq)
	}
	return rep, nil
}

// walk checks one stripe's rows up to its head h (known: h was read from
// audit_head; otherwise only the rows are checked).
func walk(ctx context.Context, d *db.DB, rep *Report, h head, known bool, batch int) error {
	k := h.stripe
	var last int64      // position of the last row read, 0 before the first
	var lastHash string // its stored hash ("" before the first: position 1 links to "")
	for {
		n, err := func() (int, error) {
			rows, err := d.Query(ctx, `SELECT `+columns+` FROM audit_events
				WHERE stripe = ? AND sseq > ? AND sseq <= ? ORDER BY sseq LIMIT ?`, k, last, h.seq, batch)
			if err != nil {
				return 0, err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var r row
				if err := r.scan(rows); err != nil {
					return n, err
				}
				n++
				rep.Checked++
				if want := last + 1; r.sseq > want {
					if r.sseq == want+1 {
						rep.add(Problem{Stripe: k, Pos: want, Kind: ProblemMissing}, "第 %d 链第 %d 环缺失（该事件已被删除）", k, want)
					} else {
						rep.add(Problem{Stripe: k, Pos: want, Kind: ProblemMissing}, "第 %d 链第 %d–%d 环缺失（共 %d 条事件，已被删除）", k, want, r.sseq-1, r.sseq-want)
					}
				} else if r.prevHash != lastHash {
					// Across a gap the previous hash is unknowable: only
					// adjacent rows are compared.
					p := Problem{Stripe: k, Pos: r.sseq, Seq: r.seq, Kind: ProblemBrokenLink}
					if r.sseq == 1 {
						rep.add(p, "第 %d 条事件（第 %d 链第 1 环）的前序哈希不为空（链条起点被篡改）", r.seq, k)
					} else {
						rep.add(p, "第 %d 条事件（第 %d 链第 %d 环）的前序哈希与该链第 %d 环不符（链条断裂，事件可能被替换、移动或伪造）", r.seq, k, r.sseq, last)
					}
				}
				if r.computeHash(r.sseq <= h.v1Upto) != r.hash {
					rep.add(Problem{Stripe: k, Pos: r.sseq, Seq: r.seq, Kind: ProblemEdited}, "第 %d 条事件（第 %d 链第 %d 环）内容被修改（哈希不符）", r.seq, k, r.sseq)
				}
				last, lastHash = r.sseq, r.hash
			}
			return n, rows.Err()
		}()
		if err != nil {
			return fmt.Errorf("audit: verify stripe %d after position %d: %w", k, last, err)
		}
		if n < batch {
			break
		}
	}
	if !known {
		return nil
	}
	p := Problem{Stripe: k, Pos: h.seq, Kind: ProblemHeadMismatch}
	switch {
	case last < h.seq && last == 0:
		rep.add(p, "第 %d 链链头记录共有 %d 环，但一环也不存在（该链全部事件已被删除）", k, h.seq)
	case last < h.seq:
		rep.add(p, "第 %d 链链头记录共有 %d 环，但最后一环是第 %d 环（末尾第 %d–%d 环的事件已被删除）", k, h.seq, last, last+1, h.seq)
	case h.seq > 0 && lastHash != h.hash:
		rep.add(p, "第 %d 链链头哈希与该链第 %d 环不符（最后一条事件被修改或替换）", k, h.seq)
	}
	return nil
}

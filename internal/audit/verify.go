package audit

import (
	"context"
	"fmt"

	"halfsky/internal/db"
)

// Problem kinds found by Verify.
const (
	ProblemEdited       = "edited"        // the row's hash does not match its content
	ProblemBrokenLink   = "broken_link"   // the row's prev_hash is not the previous row's hash
	ProblemMissing      = "missing"       // seq numbers are absent: rows were deleted
	ProblemHeadMismatch = "head_mismatch" // audit_head does not describe the last row
)

// Problem is one break in the chain.
type Problem struct {
	Seq     int64  // the event concerned (for missing: the first absent seq)
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
	Problems []Problem
	Omitted  int64 // problems found beyond MaxProblems, not listed
}

// OK reports whether the chain is intact.
func (r Report) OK() bool { return len(r.Problems) == 0 && r.Omitted == 0 }

func (r *Report) add(seq int64, kind, format string, args ...any) {
	if len(r.Problems) >= MaxProblems {
		r.Omitted++
		return
	}
	r.Problems = append(r.Problems, Problem{Seq: seq, Kind: kind, Message: fmt.Sprintf(format, args...)})
}

// verifyBatch is how many rows Verify reads per query.
const verifyBatch = 2000

// Verify walks the whole chain in seq order, a batch at a time, and reports
// every problem: a row whose hash does not match its content (edited), a
// prev_hash that is not the previous row's hash (broken_link), absent seq
// numbers (missing: deleted rows), and a chain head that does not match the
// last row (head_mismatch: the tail was deleted or replaced, or rows were
// forged past the head).
//
// It runs outside any transaction, so writers are never blocked, and stays
// consistent while they append: it reads the head first and checks the rows
// up to it — every such row committed together with that head — then, for
// rows past the head, reads the largest seq before the head again, so a
// legitimate concurrent append is never mistaken for a forged row.
func Verify(ctx context.Context, d *db.DB) (Report, error) {
	return verify(ctx, d, verifyBatch)
}

func verify(ctx context.Context, d *db.DB, batch int) (Report, error) {
	var rep Report
	var headSeq int64
	var headHash string
	if err := d.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return rep, fmt.Errorf("audit: read chain head: %w", err)
	}

	var last int64      // seq of the last row read, 0 before the first
	var lastHash string // its stored hash ("" before the first: seq 1 links to "")
	for {
		n, err := func() (int, error) {
			rows, err := d.Query(ctx, `SELECT `+columns+` FROM audit_events
				WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`, last, headSeq, batch)
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
				if want := last + 1; r.seq > want {
					if r.seq == want+1 {
						rep.add(want, ProblemMissing, "第 %d 条事件缺失（已被删除）", want)
					} else {
						rep.add(want, ProblemMissing, "第 %d–%d 条事件缺失（共 %d 条，已被删除）", want, r.seq-1, r.seq-want)
					}
				} else if r.prevHash != lastHash {
					// Across a gap the previous hash is unknowable: only
					// adjacent rows are compared.
					if r.seq == 1 {
						rep.add(r.seq, ProblemBrokenLink, "第 1 条事件的前序哈希不为空（链条起点被篡改）")
					} else {
						rep.add(r.seq, ProblemBrokenLink, "第 %d 条事件的前序哈希与第 %d 条事件不符（链条断裂，事件可能被替换或伪造）", r.seq, last)
					}
				}
				if r.computeHash() != r.hash {
					rep.add(r.seq, ProblemEdited, "第 %d 条事件内容被修改（哈希不符）", r.seq)
				}
				last, lastHash = r.seq, r.hash
			}
			return n, rows.Err()
		}()
		if err != nil {
			return rep, fmt.Errorf("audit: verify after seq %d: %w", last, err)
		}
		if n < batch {
			break
		}
	}

	switch {
	case last < headSeq && last == 0:
		rep.add(headSeq, ProblemHeadMismatch, "链头记录共有 %d 条事件，但一条也不存在（全部事件已被删除）", headSeq)
	case last < headSeq:
		rep.add(headSeq, ProblemHeadMismatch, "链头记录共有 %d 条事件，但最后一条是第 %d 条（末尾第 %d–%d 条事件已被删除）", headSeq, last, last+1, headSeq)
	case headSeq > 0 && lastHash != headHash:
		rep.add(headSeq, ProblemHeadMismatch, "链头哈希与第 %d 条事件不符（最后一条事件被修改或替换）", headSeq)
	}

	// Rows past the head were not chained by Record. Read the largest seq
	// first and the head after it: a legitimate row always commits with its
	// head, so a head read later can only be further along.
	var maxSeq int64
	if err := d.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit_events`).Scan(&maxSeq); err != nil {
		return rep, fmt.Errorf("audit: verify: %w", err)
	}
	var nowHead int64
	if err := d.QueryRow(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&nowHead); err != nil {
		return rep, fmt.Errorf("audit: read chain head: %w", err)
	}
	if maxSeq > nowHead {
		rep.add(nowHead+1, ProblemHeadMismatch, "链头之后存在未登记的事件（第 %d–%d 条，疑似伪造）", nowHead+1, maxSeq)
	}
	var low int64
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE seq <= 0`).Scan(&low); err != nil {
		return rep, fmt.Errorf("audit: verify: %w", err)
	}
	if low > 0 {
		rep.add(0, ProblemBrokenLink, "存在 %d 条序号不大于 0 的事件（不在链条上，疑似伪造）", low)
	}
	return rep, nil
}

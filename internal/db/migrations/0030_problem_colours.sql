-- The problem statistics' red and yellow (internal/rectify/stats.go,
-- issue 14): an item not closed is coloured by its next date — its
-- deadline, or for a 长期坚持 item the first review not yet made. Neither
-- is a counter (the day turns them), so they are read from the head of
-- these two indexes up to a week ahead: what is still open, not the
-- ledger.
CREATE INDEX IF NOT EXISTS problems_live_due ON problems (due_on, org_path) WHERE status <> 'closed' AND due_on IS NOT NULL;
CREATE INDEX IF NOT EXISTS problem_reviews_todo ON problem_reviews (review_on, problem_id) WHERE done_at IS NULL;

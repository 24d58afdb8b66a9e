// Package report is 督办/报送: what the units a document went to must report
// back, to which department and by when; each unit's report from draft to
// acceptance; extensions; 催办; and the sender's view of who has and who has
// not reported, rolled up by tree level.
package report

package visit

import (
	"context"
	"net/http"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/vocab"
)

// TaskStatus is where a task stands, as stored.
type TaskStatus string

// Task statuses as stored.
const (
	TaskTodo   TaskStatus = "todo"   // 待办
	TaskDoing  TaskStatus = "doing"  // 办理中
	TaskDone   TaskStatus = "done"   // 已办结
	TaskUnable TaskStatus = "unable" // 无法办理
)

// TaskStatuses in display order.
var TaskStatuses = []Option{{Key: string(TaskTodo), Label: "待办"}, {Key: string(TaskDoing), Label: "办理中"}, {Key: string(TaskDone), Label: "已办结"}, {Key: string(TaskUnable), Label: "无法办理"}}

// Label is the status's Chinese name.
func (s TaskStatus) Label() string { return vocab.Label(TaskStatuses, string(s)) }

// Colour is the status's badge colour (a task's Colour is its deadline's).
func (s TaskStatus) Colour() string {
	switch s {
	case TaskTodo:
		return "blue"
	case TaskDoing:
		return "yellow"
	case TaskDone:
		return "green"
	}
	return "grey"
}

// Feedbacks are the woman's verdicts on a finished task.
var Feedbacks = []Option{{Key: "satisfied", Label: "满意"}, {Key: "fair", Label: "基本满意"}, {Key: "unsatisfied", Label: "不满意"}}

// DueSoonDays is how close a deadline is when a task is flagged yellow.
const DueSoonDays = 3

// Task is a practical thing (实事) to do for women.
type Task struct {
	ID          int64
	NeedID      int64
	NeedSummary string
	OrgID       int64
	OrgCode     string
	OrgName     string
	OrgPath     string
	Title       string
	Detail      string
	OwnerID     int64
	OwnerName   string
	StartsOn    string
	DueOn       string
	Status      TaskStatus
	Result      string
	Feedback    string
	ClosedOn    string
	ClosedBy    string
	CreatedBy   int64
	// RecorderPath is the path of the unit that set the task: the task is
	// that unit's record, whatever unit it is for.
	RecorderPath string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int
}

// Open reports whether the task is still to be done.
func (t Task) Open() bool { return t.Status == TaskTodo || t.Status == TaskDoing }

// Overdue reports whether the open task's deadline passed before today.
func (t Task) Overdue(today string) bool { return t.Open() && t.DueOn < today }

// DueSoon reports whether the open task is due within DueSoonDays.
func (t Task) DueSoon(today string) bool {
	return t.Open() && t.DueOn >= today && t.DueOn <= AddDays(today, DueSoonDays)
}

// Colour is red when overdue, yellow when due soon, "" otherwise.
func (t Task) Colour(today string) string {
	switch {
	case t.Overdue(today):
		return "red"
	case t.DueSoon(today):
		return "yellow"
	}
	return ""
}

// FeedbackLabel is the feedback's Chinese name.
func (t Task) FeedbackLabel() string {
	if t.Feedback == "" {
		return ""
	}
	return vocab.Label(Feedbacks, t.Feedback)
}

// TaskInput makes a task.
type TaskInput struct {
	NeedID    int64  `json:"need_id"`  // set from the need it is made of
	OrgCode   string `json:"org_code"` // without a need: the unit ("" is her own)
	Title     string `json:"title"`
	Detail    string `json:"detail"`
	OwnerID   int64  `json:"owner_id"`   // a user of the task's unit, or
	OwnerName string `json:"owner_name"` // a name in free text
	StartsOn  string `json:"starts_on"`
	DueOn     string `json:"due_on"`
}

func (in *TaskInput) validate(today string) map[string]string {
	in.Title, in.Detail, in.OwnerName = strings.TrimSpace(in.Title), strings.TrimSpace(in.Detail), strings.TrimSpace(in.OwnerName)
	in.StartsOn, in.DueOn = strings.TrimSpace(in.StartsOn), strings.TrimSpace(in.DueOn)
	if in.StartsOn == "" {
		in.StartsOn = today
	}
	e := map[string]string{}
	if in.Title == "" {
		e["title"] = "请填写实事名称"
	} else if vocab.TooLong(in.Title, 100) {
		e["title"] = "实事名称不能超过 100 字"
	}
	if vocab.TooLong(in.Detail, 2000) {
		e["detail"] = "办理要求不能超过 2000 字"
	}
	if in.OwnerID == 0 && in.OwnerName == "" {
		e["owner_name"] = "请选择或填写责任人"
	} else if vocab.TooLong(in.OwnerName, 30) {
		e["owner_name"] = "责任人不能超过 30 字"
	}
	if !validDate(in.StartsOn) {
		e["starts_on"] = "日期格式应为 2015-08-11"
	}
	switch {
	case in.DueOn == "":
		e["due_on"] = "请填写截止日期"
	case !validDate(in.DueOn):
		e["due_on"] = "日期格式应为 2015-08-11"
	case validDate(in.StartsOn) && in.DueOn < in.StartsOn:
		e["due_on"] = "截止日期不能早于开始日期"
	}
	return e
}

// CreateTask makes a task of a need (the need becomes 已转实事) or alone.
// A deactivated or merged unit takes none (org.ErrInactive), whether
// named or the need's.
func (s *Service) CreateTask(ctx context.Context, a access.Actor, in TaskInput) (Task, error) {
	if !a.Can(access.RecordWork) {
		return Task{}, s.deny(ctx, a, "task.create", 0)
	}
	var o org.Org
	var err error
	var need any
	if in.NeedID > 0 {
		n, err := s.need(ctx, s.DB.Q(), a, in.NeedID)
		if err != nil {
			return Task{}, err
		}
		if err := MayActOn(a, access.RecordWork, n); err != nil {
			return Task{}, s.refuse(ctx, a, "task.create", in.NeedID, err)
		}
		if n.Status != NeedOpen {
			return Task{}, apperr.New(http.StatusConflict, "wrong_status", "只有待处理的妇情可以转为实事")
		}
		if o, err = s.Orgs.ByID(ctx, s.DB.Q(), n.OrgID); err != nil {
			return Task{}, err
		}
		if !o.Active { // hand the need over to an active unit first
			return Task{}, org.ErrInactive
		}
		if strings.TrimSpace(in.Title) == "" {
			in.Title = cut(n.Summary, 100)
		}
		need = in.NeedID
	} else if o, err = s.unit(ctx, a, in.OrgCode); unitRefused(err) {
		return Task{}, apperr.Field("org_code", unitMessage(err, "只能为本单位及下级单位安排实事"))
	} else if err != nil {
		return Task{}, err
	}
	e := in.validate(s.Today())
	if in.OwnerID > 0 {
		name, err := s.ownerName(ctx, o, in.OwnerID)
		if err != nil {
			e["owner_id"] = "责任人须是本单位或上级单位的工作人员"
		}
		in.OwnerName = name
	}
	if len(e) > 0 {
		return Task{}, apperr.Invalid(e)
	}
	var owner any
	if in.OwnerID > 0 {
		owner = in.OwnerID
	}
	sl := s.sealer()
	title, detail, ownerName := sl.Seal(sealedTitle, in.Title), sl.Seal(sealedDetail, in.Detail), sl.Seal(sealedOwner, in.OwnerName)
	terms := sl.Terms(taskSearch, in.Title, in.OwnerName)
	if sl.Err != nil {
		return Task{}, sl.Err
	}
	now := db.Millis(s.Now())
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if in.NeedID > 0 {
			if err := trackByID(ctx, tx, needFamilies, in.NeedID, func() error {
				res, err := tx.Exec(ctx, `UPDATE needs SET status = ?, updated_at = ?, version = version + 1 WHERE id = ? AND status = ?`,
					NeedTasked, now, in.NeedID, NeedOpen)
				if err != nil {
					return err
				}
				if k, _ := res.RowsAffected(); k != 1 {
					return apperr.New(http.StatusConflict, "wrong_status", "只有待处理的妇情可以转为实事")
				}
				return nil
			}); err != nil {
				return err
			}
		}
		id, err = db.InsertID(ctx, tx, `INSERT INTO tasks (need_id, org_id, org_path, title, detail, owner_id, owner_name, starts_on, due_on,
			status, search_terms, created_by, recorder_org_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			need, o.ID, o.Path, title, detail, owner, ownerName, in.StartsOn, in.DueOn, TaskTodo, terms, a.UserID, a.OrgID, now, now)
		if err != nil {
			return err
		}
		if err := addedByID(ctx, tx, taskFamilies, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "task.create", "task", ids(id), audit.OK, "org="+o.Code+" due="+in.DueOn))
	})
	if err != nil {
		return Task{}, err
	}
	return s.task(ctx, id)
}

func cut(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) > n {
		return string(r[:n])
	}
	return string(r)
}

// ownerName checks the owner is an active cadre of the task's unit or of
// a unit above it (a street cadre may own a task in a community she serves).
func (s *Service) ownerName(ctx context.Context, o org.Org, userID int64) (string, error) {
	var name, path string
	err := s.DB.QueryRow(ctx, `SELECT u.display_name, g.path FROM users u JOIN orgs g ON g.id = u.org_id
		WHERE u.id = ? AND u.disabled = 0 AND u.role IN ('leader', 'staff')`, userID).Scan(&name, &path)
	if err != nil {
		return "", db.NoRows(err)
	}
	if !strings.HasPrefix(o.Path, path) {
		return "", db.ErrNotFound
	}
	return name, nil
}

// Owners lists the cadres who may own the unit's tasks that the actor
// picks from: the unit's own, and the actor herself.
func (s *Service) Owners(ctx context.Context, a access.Actor, orgID int64) ([]Option, error) {
	o, err := s.Orgs.ByID(ctx, s.DB.Q(), orgID)
	if err != nil || !a.CanAt(access.ViewWork, o.Path) {
		return nil, db.ErrNotFound
	}
	return db.All(ctx, s.DB.Q(), func(row db.Scanner) (Option, error) {
		var id int64
		var name string
		err := row.Scan(&id, &name)
		return Option{Key: ids(id), Label: name}, err
	}, `SELECT id, display_name FROM users WHERE (org_id = ? OR id = ?) AND disabled = 0
		AND role IN ('leader', 'staff') ORDER BY id`, orgID, a.UserID)
}

var taskCols = `t.id, COALESCE(t.need_id, 0), COALESCE(n.summary, ''), t.org_id, o.code, o.name, t.org_path, t.title, t.detail,
	COALESCE(t.owner_id, 0), t.owner_name, t.starts_on, t.due_on, t.status, t.result, t.feedback, COALESCE(t.closed_on, ''),
	COALESCE(cu.display_name, ''), t.created_by, ` + recorderPathSQL("t.recorder_org_id", "t.created_by") + `, t.created_at, t.updated_at, t.version`

// taskListCols are taskCols for a list page, which shows neither what a
// task asks, its result nor its need: those are neither read nor opened.
var taskListCols = strings.NewReplacer("COALESCE(n.summary, '')", "''", "t.detail", "''", "t.result", "''").Replace(taskCols)

const taskFrom = ` FROM tasks t JOIN orgs o ON o.id = t.org_id LEFT JOIN needs n ON n.id = t.need_id LEFT JOIN users cu ON cu.id = t.closed_by`

// scanTask reads a task and opens its sealed fields (and its need's
// summary) that were read.
func (s *Service) scanTask(row db.Scanner) (Task, error) {
	var t Task
	var c, u int64
	err := row.Scan(&t.ID, &t.NeedID, &t.NeedSummary, &t.OrgID, &t.OrgCode, &t.OrgName, &t.OrgPath, &t.Title, &t.Detail, &t.OwnerID,
		&t.OwnerName, &t.StartsOn, &t.DueOn, &t.Status, &t.Result, &t.Feedback, &t.ClosedOn, &t.ClosedBy, &t.CreatedBy, &t.RecorderPath, &c, &u, &t.Version)
	if err != nil {
		return t, err
	}
	t.CreatedAt, t.UpdatedAt = db.FromMillis(c), db.FromMillis(u)
	sl := s.sealer()
	sl.Open(sealedSummary, t.NeedID, &t.NeedSummary)
	sl.Open(sealedTitle, t.ID, &t.Title)
	sl.Open(sealedDetail, t.ID, &t.Detail)
	sl.Open(sealedOwner, t.ID, &t.OwnerName)
	sl.Open(sealedResult, t.ID, &t.Result)
	return t, sl.Err
}

func (s *Service) task(ctx context.Context, id int64) (Task, error) {
	t, err := s.scanTask(s.DB.QueryRow(ctx, `SELECT `+taskCols+taskFrom+` WHERE t.id = ?`, id))
	return t, db.NoRows(err)
}

// Task returns a task in the actor's scope.
func (s *Service) Task(ctx context.Context, a access.Actor, id int64) (Task, error) {
	if err := s.view(ctx, a, "task.read"); err != nil {
		return Task{}, err
	}
	t, err := s.task(ctx, id)
	if err != nil {
		return Task{}, err // not found, or the database failed
	}
	if !a.Scope().Contains(t.OrgPath) {
		return Task{}, db.ErrNotFound
	}
	return t, nil
}

// MayWork reports whether the actor starts and closes the task.
func MayWork(a access.Actor, t Task) bool { return mayWork(a, t) == nil }

// mayWork: users of the unit that set the task or of a unit above, and
// the cadre it names as owner (责任人), whom that unit chose to do it —
// never anyone else of the unit below that the task is for.
func mayWork(a access.Actor, t Task) error {
	err := a.MayChange(access.RecordWork, t.RecorderPath, t.RecorderPath)
	if err != nil && t.OwnerID != 0 && t.OwnerID == a.UserID && a.CanAt(access.RecordWork, t.OrgPath) {
		return nil
	}
	return err
}

// StartTask moves a task from 待办 to 办理中.
func (s *Service) StartTask(ctx context.Context, a access.Actor, id int64) (Task, error) {
	t, err := s.Task(ctx, a, id)
	if err != nil {
		return Task{}, err
	}
	if err := mayWork(a, t); err != nil {
		return Task{}, s.refuse(ctx, a, "task.start", id, err)
	}
	if t.Status != TaskTodo {
		return Task{}, apperr.New(http.StatusConflict, "wrong_status", "只有待办的实事可以开始办理")
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := trackByID(ctx, tx, taskFamilies, id, func() error {
			res, err := tx.Exec(ctx, `UPDATE tasks SET status = ?, updated_at = ?, version = version + 1 WHERE id = ? AND status = ?`,
				TaskDoing, db.Millis(s.Now()), id, TaskTodo)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return apperr.New(http.StatusConflict, "wrong_status", "只有待办的实事可以开始办理")
			}
			return nil
		}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "task.start", "task", ids(id), audit.OK, ""))
	})
	if err != nil {
		return Task{}, err
	}
	return s.task(ctx, id)
}

// CloseInput finishes a task: done with what was done and the woman's
// feedback, or unable with the reason.
type CloseInput struct {
	Outcome  TaskStatus `json:"outcome"` // done or unable
	Result   string     `json:"result"`
	Feedback string     `json:"feedback"`
}

func (in *CloseInput) validate() map[string]string {
	in.Outcome, in.Result, in.Feedback = TaskStatus(strings.TrimSpace(string(in.Outcome))), strings.TrimSpace(in.Result), strings.TrimSpace(in.Feedback)
	e := map[string]string{}
	switch in.Outcome {
	case TaskDone:
		if in.Result == "" {
			e["result"] = "请填写办理结果"
		}
		if !vocab.Known(Feedbacks, in.Feedback) {
			e["feedback"] = "请选择群众反馈"
		}
	case TaskUnable:
		if in.Result == "" {
			e["result"] = "请填写无法办理的原因"
		}
		in.Feedback = ""
	default:
		e["outcome"] = "请选择办结或无法办理"
	}
	if vocab.TooLong(in.Result, 2000) {
		e["result"] = "不能超过 2000 字"
	}
	return e
}

// CloseTask finishes an open task; a task made of a need resolves the need
// when done, and closes it when it cannot be done.
func (s *Service) CloseTask(ctx context.Context, a access.Actor, id int64, in CloseInput) (Task, error) {
	t, err := s.Task(ctx, a, id)
	if err != nil {
		return Task{}, err
	}
	if err := mayWork(a, t); err != nil {
		return Task{}, s.refuse(ctx, a, "task.close", id, err)
	}
	if !t.Open() {
		return Task{}, apperr.New(http.StatusConflict, "wrong_status", "该实事已经办结")
	}
	if e := in.validate(); len(e) > 0 {
		return Task{}, apperr.Invalid(e)
	}
	result, err := s.Vault.Seal(sealedResult.Purpose(), in.Result)
	if err != nil {
		return Task{}, err
	}
	now := s.Now()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := trackByID(ctx, tx, taskFamilies, id, func() error {
			res, err := tx.Exec(ctx, `UPDATE tasks SET status = ?, result = ?, feedback = ?, closed_on = ?, closed_by = ?, updated_at = ?,
				version = version + 1 WHERE id = ? AND status IN (?, ?)`,
				in.Outcome, result, in.Feedback, s.Today(), a.UserID, db.Millis(now), id, TaskTodo, TaskDoing)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return apperr.New(http.StatusConflict, "wrong_status", "该实事已经办结")
			}
			return nil
		}); err != nil {
			return err
		}
		if t.NeedID > 0 {
			status := NeedResolved
			if in.Outcome == TaskUnable {
				status = NeedClosed
			}
			if err := trackByID(ctx, tx, needFamilies, t.NeedID, func() error {
				_, err := tx.Exec(ctx, `UPDATE needs SET status = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
					status, db.Millis(now), t.NeedID)
				return err
			}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "task.close", "task", ids(id), audit.OK, "outcome="+string(in.Outcome)+" feedback="+in.Feedback))
	})
	if err != nil {
		return Task{}, err
	}
	return s.task(ctx, id)
}

// TaskFilter narrows the task list.
type TaskFilter struct {
	Under   string
	Status  TaskStatus
	Overdue bool
	DueSoon bool
	Mine    bool // owned by the actor
	NeedID  int64
	// Q searches title and owner (two characters or more) through their
	// blind index (vault.Terms): a task matches when they hold every
	// two-character piece of Q; and the name of an owner's account.
	Q string
	// Full opens what a task asks, its result and its need's summary too,
	// which the list page does not show (exports and the API show them).
	Full bool
	Page
}

// Tasks lists the tasks in the actor's scope — open ones first by
// deadline, then closed ones — and how many match. The two parts are read
// apart, open ones by walking the partial index tasks_open_due in deadline
// order, so a page of open tasks never sorts the closed ones; a page that
// runs past the open tasks is filled from the closed ones.
func (s *Service) Tasks(ctx context.Context, a access.Actor, f TaskFilter) ([]Task, int, error) {
	if err := s.view(ctx, a, "task.list"); err != nil {
		return nil, 0, err
	}
	node, err := s.under(ctx, a, f.Under)
	if err != nil {
		return nil, 0, err
	}
	today := s.Today()
	var w db.Where
	// For the whole tree the path condition keeps every row, and on SQLite
	// it would steer the open part away from the partial index.
	all, err := s.whole(ctx, node.Path)
	if err != nil {
		return nil, 0, err
	}
	if !all {
		cond, args := access.Scope{Path: node.Path}.Where("t.org_path")
		w.Add(cond, args...)
	}
	open, closed := true, true // which parts the filter may match
	if vocab.Known(TaskStatuses, string(f.Status)) {
		w.Add("t.status = ?", f.Status)
		isOpen := Task{Status: f.Status}.Open()
		open, closed = isOpen, !isOpen
	}
	if f.Overdue {
		w.Add("t.status IN ('todo', 'doing') AND t.due_on < ?", today)
		closed = false
	}
	if f.DueSoon {
		w.Add("t.status IN ('todo', 'doing') AND t.due_on >= ? AND t.due_on <= ?", today, AddDays(today, DueSoonDays))
		closed = false
	}
	if f.Mine {
		w.Add("t.owner_id = ?", a.UserID)
	}
	if f.NeedID > 0 {
		w.Add("t.need_id = ?", f.NeedID)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		cond, args := `t.owner_id IN (SELECT id FROM users WHERE display_name LIKE ? ESCAPE '\')`, []any{"%" + likeEscape(q) + "%"}
		if pats := s.Vault.TermPatterns(taskSearch, q); len(pats) > 0 {
			cond += ` OR (` + strings.TrimSuffix(strings.Repeat(`t.search_terms LIKE ? AND `, len(pats)), ` AND `) + `)`
			for _, p := range pats {
				args = append(args, p)
			}
		}
		w.Add(`(`+cond+`)`, args...)
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM tasks t`+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	cols := taskListCols
	if f.Full {
		cols = taskCols
	}
	out, err := s.taskPage(ctx, cols, w, f.Page, open, closed)
	return out, total, err
}

// Conditions of the two parts of the task list; together they are every
// task, whatever its status.
const (
	taskOpenCond   = "t.status IN ('todo', 'doing')"
	taskClosedCond = "t.status NOT IN ('todo', 'doing')"
)

// taskPage reads one page of the list: open tasks from the page's offset,
// then — when the open ones run out within the page — closed tasks, from
// the offset past the open ones.
func (s *Service) taskPage(ctx context.Context, cols string, w db.Where, p Page, open, closed bool) ([]Task, error) {
	per, offset := p.Bounds()
	out := []Task{}
	if open {
		got, err := s.taskPart(ctx, cols, w.And(taskOpenCond), per, offset)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		if per > 0 && len(out) == per {
			return out, nil
		}
	}
	if !closed {
		return out, nil
	}
	skip := offset
	if open && len(out) > 0 {
		skip = 0 // the page holds the last open tasks: closed ones follow from the first
	} else if open && offset > 0 {
		var n int // the page starts past the open tasks: how far past?
		ow := w.And(taskOpenCond)
		if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM tasks t`+ow.SQL(), ow.Args...).Scan(&n); err != nil {
			return nil, err
		}
		skip = max(offset-n, 0)
	}
	limit := 0
	if per > 0 {
		limit = per - len(out)
	}
	got, err := s.taskPart(ctx, cols, w.And(taskClosedCond), limit, skip)
	return append(out, got...), err
}

// taskPart reads the tasks matching w by deadline, at most limit of them
// (0: all) after skipping offset. Tasks due the same day come newest
// first, as they always have: the index gives the date order and the
// databases sort only within a date.
func (s *Service) taskPart(ctx context.Context, cols string, w db.Where, limit, offset int) ([]Task, error) {
	query, args := `SELECT `+cols+taskFrom+w.SQL()+` ORDER BY t.due_on, t.id DESC`, w.Args
	if limit > 0 {
		query += ` LIMIT ? OFFSET ?`
		args = append(args, limit, offset)
	}
	out, err := db.All(ctx, s.DB.Q(), s.scanTask, query, args...)
	if out == nil && err == nil {
		out = []Task{} // none is an empty list, not null
	}
	return out, err
}

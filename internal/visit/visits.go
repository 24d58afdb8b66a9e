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
	"halfsky/internal/files"
	"halfsky/internal/org"
	"halfsky/internal/vocab"
)

// Visit is one 下基层 visit by a cadre to a unit's area.
type Visit struct {
	ID         int64
	OrgID      int64
	OrgCode    string
	OrgName    string
	OrgPath    string
	CadreID    int64
	CadreName  string
	Companions string
	VisitedOn  string
	Place      string
	Households int
	Women      int
	Notes      string
	Needs      int // needs recorded on it
	// RecorderPath is the path of the unit the cadre recorded it for: the
	// visit is that unit's record (it is only about OrgID).
	RecorderPath string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int
}

// VisitInput is what the cadre fills in. Place, companions and notes are
// sealed (see seal.go).
type VisitInput struct {
	OrgCode    string `json:"org_code"` // the unit whose area was visited; "" is her own
	VisitedOn  string `json:"visited_on"`
	Place      string `json:"place"`
	Companions string `json:"companions"`
	Households int    `json:"households"`
	Women      int    `json:"women"`
	Notes      string `json:"notes"`
	Version    int    `json:"version"` // on edits: the version read, 0 to skip the check
}

// Photo is an uploaded picture to attach.
type Photo struct {
	Name string
	Data []byte
}

func (in *VisitInput) validate(today string) map[string]string {
	in.OrgCode, in.VisitedOn, in.Place = strings.TrimSpace(in.OrgCode), strings.TrimSpace(in.VisitedOn), strings.TrimSpace(in.Place)
	in.Companions, in.Notes = strings.TrimSpace(in.Companions), strings.TrimSpace(in.Notes)
	e := map[string]string{}
	switch {
	case in.VisitedOn == "":
		e["visited_on"] = "请填写走访日期"
	case !validDate(in.VisitedOn):
		e["visited_on"] = "日期格式应为 2015-08-11"
	case in.VisitedOn > today:
		e["visited_on"] = "走访日期不能晚于今天"
	}
	if in.Place == "" {
		e["place"] = "请填写走访地点，如“新阳路社区”"
	} else if vocab.TooLong(in.Place, 100) {
		e["place"] = "走访地点不能超过 100 字"
	}
	if vocab.TooLong(in.Companions, 100) {
		e["companions"] = "同行人员不能超过 100 字"
	}
	if in.Households < 0 || in.Households > 100000 {
		e["households"] = "走访户数应为 0 到 100000 之间的整数"
	}
	if in.Women < 0 || in.Women > 100000 {
		e["women"] = "接触妇女人数应为 0 到 100000 之间的整数"
	}
	if vocab.TooLong(in.Notes, 5000) {
		e["notes"] = "走访情况不能超过 5000 字"
	}
	return e
}

var visitCols = `v.id, v.org_id, o.code, o.name, v.org_path, v.cadre_id, v.cadre_name, v.companions, v.visited_on, v.place,
	v.households, v.women, v.notes, (SELECT COUNT(*) FROM needs n WHERE n.visit_id = v.id), ` + recorderPathSQL("v.recorder_org_id", "v.cadre_id") + `,
	v.created_at, v.updated_at, v.version`

// visitListCols are visitCols for a list page, which does not show the
// notes: they are neither read nor opened.
var visitListCols = strings.Replace(visitCols, "v.notes", "''", 1)

const visitFrom = ` FROM visits v JOIN orgs o ON o.id = v.org_id`

// scanVisit reads a visit and opens its sealed fields.
func (s *Service) scanVisit(row db.Scanner) (Visit, error) {
	var v Visit
	var c, u int64
	err := row.Scan(&v.ID, &v.OrgID, &v.OrgCode, &v.OrgName, &v.OrgPath, &v.CadreID, &v.CadreName, &v.Companions, &v.VisitedOn,
		&v.Place, &v.Households, &v.Women, &v.Notes, &v.Needs, &v.RecorderPath, &c, &u, &v.Version)
	if err != nil {
		return v, err
	}
	v.CreatedAt, v.UpdatedAt = db.FromMillis(c), db.FromMillis(u)
	sl := s.sealer()
	sl.Open(sealedPlace, v.ID, &v.Place)
	sl.Open(sealedCompanions, v.ID, &v.Companions)
	sl.Open(sealedNotes, v.ID, &v.Notes)
	return v, sl.Err
}

// sealVisit seals a visit's text and indexes it for the list's search.
func (s *Service) sealVisit(in VisitInput) (place, companions, notes, terms string, err error) {
	sl := s.sealer()
	place, companions, notes = sl.Seal(sealedPlace, in.Place), sl.Seal(sealedCompanions, in.Companions), sl.Seal(sealedNotes, in.Notes)
	terms = sl.Terms(visitSearch, in.Place, in.Notes)
	return place, companions, notes, terms, sl.Err
}

// visitUnit checks the visited unit: the cadre's own or one below it.
func (s *Service) visitUnit(ctx context.Context, a access.Actor, code string) (org.Org, error) {
	o, err := s.unit(ctx, a, code)
	if unitRefused(err) {
		return org.Org{}, apperr.Field("org_code", unitMessage(err, "只能登记本单位及下级单位辖区的走访"))
	}
	if err != nil {
		return org.Org{}, err
	}
	return o, nil
}

// CreateVisit records a visit by the actor, with its photos.
func (s *Service) CreateVisit(ctx context.Context, a access.Actor, in VisitInput, photos []Photo) (Visit, error) {
	if !a.Can(access.RecordWork) {
		return Visit{}, s.deny(ctx, a, "visit.create", 0)
	}
	if e := in.validate(s.Today()); len(e) > 0 {
		return Visit{}, apperr.Invalid(e)
	}
	o, err := s.visitUnit(ctx, a, in.OrgCode)
	if err != nil {
		return Visit{}, err
	}
	for _, p := range photos {
		if _, err := files.CheckImage("photos", p.Name, p.Data); err != nil {
			return Visit{}, err
		}
	}
	place, companions, notes, terms, err := s.sealVisit(in)
	if err != nil {
		return Visit{}, err
	}
	now := s.Now()
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		id, err = db.InsertID(ctx, tx, `INSERT INTO visits (org_id, org_path, cadre_id, cadre_name, recorder_org_id, companions, visited_on,
			place, households, women, notes, search_terms, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			o.ID, o.Path, a.UserID, a.Name, a.OrgID, companions, in.VisitedOn, place, in.Households, in.Women, notes, terms,
			db.Millis(now), db.Millis(now))
		if err != nil {
			return err
		}
		if err := addedByID(ctx, tx, visitFamilies, id); err != nil {
			return err
		}
		if err := s.addPhotos(ctx, tx, a, id, o.ID, photos, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "visit.create", "visit", ids(id), audit.OK, o.Code+" "+in.VisitedOn))
	})
	if err != nil {
		return Visit{}, err
	}
	return s.visit(ctx, id)
}

func (s *Service) addPhotos(ctx context.Context, tx *db.Tx, a access.Actor, visitID, orgID int64, photos []Photo, now time.Time) error {
	for _, p := range photos {
		f, err := files.SaveImage(ctx, tx, s.Vault, orgID, a.UserID, "photos", p.Name, p.Data, now)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO visit_photos (visit_id, file_id) VALUES (?, ?)`, visitID, f.ID); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) visit(ctx context.Context, id int64) (Visit, error) {
	v, err := s.scanVisit(s.DB.QueryRow(ctx, `SELECT `+visitCols+visitFrom+` WHERE v.id = ?`, id))
	return v, db.NoRows(err)
}

// Visit returns a visit in the actor's scope.
func (s *Service) Visit(ctx context.Context, a access.Actor, id int64) (Visit, error) {
	if err := s.view(ctx, a, "visit.read"); err != nil {
		return Visit{}, err
	}
	v, err := s.visit(ctx, id)
	if err != nil {
		return Visit{}, err // not found, or the database failed
	}
	if !a.Scope().Contains(v.OrgPath) {
		return Visit{}, db.ErrNotFound
	}
	return v, nil
}

// MayEditVisit reports whether the actor may change the visit: a user of
// the unit the cadre recorded it for, or of a unit above — never of the
// visited unit below it.
func MayEditVisit(a access.Actor, v Visit) error {
	return a.MayChange(access.RecordWork, v.RecorderPath, v.RecorderPath)
}

// UpdateVisit edits a visit: users of the recorder's unit or a unit above.
func (s *Service) UpdateVisit(ctx context.Context, a access.Actor, id int64, in VisitInput, photos []Photo) (Visit, error) {
	v, err := s.Visit(ctx, a, id)
	if err != nil {
		return Visit{}, err
	}
	if err := MayEditVisit(a, v); err != nil {
		return Visit{}, s.refuse(ctx, a, "visit.update", id, err)
	}
	if e := in.validate(s.Today()); len(e) > 0 {
		return Visit{}, apperr.Invalid(e)
	}
	o, err := s.visitUnit(ctx, a, in.OrgCode)
	if err != nil {
		return Visit{}, err
	}
	for _, p := range photos {
		if _, err := files.CheckImage("photos", p.Name, p.Data); err != nil {
			return Visit{}, err
		}
	}
	if in.Version > 0 && in.Version != v.Version {
		return Visit{}, apperr.New(http.StatusConflict, "conflict", "该走访记录已被他人修改，请刷新后重试")
	}
	place, companions, notes, terms, err := s.sealVisit(in)
	if err != nil {
		return Visit{}, err
	}
	now := s.Now()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		// The unit, the date and the women met may all change: counted again.
		if err := trackByID(ctx, tx, visitFamilies, id, func() error {
			res, err := tx.Exec(ctx, `UPDATE visits SET org_id = ?, org_path = ?, companions = ?, visited_on = ?, place = ?, households = ?,
				women = ?, notes = ?, search_terms = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
				o.ID, o.Path, companions, in.VisitedOn, place, in.Households, in.Women, notes, terms, db.Millis(now), id, v.Version)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return apperr.New(http.StatusConflict, "conflict", "该走访记录已被他人修改，请刷新后重试")
			}
			return nil
		}); err != nil {
			return err
		}
		if err := s.addPhotos(ctx, tx, a, id, o.ID, photos, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "visit.update", "visit", ids(id), audit.OK, o.Code+" "+in.VisitedOn))
	})
	if err != nil {
		return Visit{}, err
	}
	return s.visit(ctx, id)
}

// Photos lists a visible visit's photos.
func (s *Service) Photos(ctx context.Context, a access.Actor, id int64) ([]files.File, error) {
	if _, err := s.Visit(ctx, a, id); err != nil {
		return nil, err
	}
	return files.VisitPhotos.List(ctx, s.DB.Q(), s.Vault, id)
}

// Photo returns one photo of a visible visit with its bytes.
func (s *Service) Photo(ctx context.Context, a access.Actor, id, fileID int64) (files.File, []byte, error) {
	if _, err := s.Visit(ctx, a, id); err != nil {
		return files.File{}, nil, err
	}
	return files.VisitPhotos.Get(ctx, s.DB.Q(), s.Vault, id, fileID)
}

// VisitFilter narrows the visit list.
type VisitFilter struct {
	Under string // unit code: its subtree
	From  string // visited on or after
	To    string // visited on or before
	Mine  bool   // only the actor's own visits
	// Q searches the visiting cadre's name, and (two characters or more)
	// place and notes through their blind index (vault.Terms): a visit
	// matches when its place or notes hold every two-character piece of Q.
	Q string
	// Full opens the notes too, which the list page does not show
	// (exports and the API show them).
	Full bool
	Page
}

// Visits lists the visits in the actor's scope, newest first, and how
// many match.
func (s *Service) Visits(ctx context.Context, a access.Actor, f VisitFilter) ([]Visit, int, error) {
	if err := s.view(ctx, a, "visit.list"); err != nil {
		return nil, 0, err
	}
	node, err := s.under(ctx, a, f.Under)
	if err != nil {
		return nil, 0, err
	}
	var w db.Where
	cond, args := access.Scope{Path: node.Path}.Where("v.org_path")
	w.Add(cond, args...)
	if validDate(f.From) {
		w.Add("v.visited_on >= ?", f.From)
	}
	if validDate(f.To) {
		w.Add("v.visited_on <= ?", f.To)
	}
	if f.Mine {
		w.Add("v.cadre_id = ?", a.UserID)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		cond, args := `v.cadre_name LIKE ? ESCAPE '\'`, []any{"%" + likeEscape(q) + "%"}
		if pats := s.Vault.TermPatterns(visitSearch, q); len(pats) > 0 {
			cond += ` OR (` + strings.TrimSuffix(strings.Repeat(`v.search_terms LIKE ? AND `, len(pats)), ` AND `) + `)`
			for _, p := range pats {
				args = append(args, p)
			}
		}
		w.Add(`(`+cond+`)`, args...)
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM visits v`+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	lim, largs := f.Page.SQL()
	cols := visitListCols
	if f.Full {
		cols = visitCols
	}
	out, err := db.All(ctx, s.DB.Q(), s.scanVisit, `SELECT `+cols+visitFrom+w.SQL()+` ORDER BY v.visited_on DESC, v.id DESC`+lim, append(w.Args, largs...)...)
	if err != nil {
		return nil, 0, err
	}
	if out == nil {
		out = []Visit{} // none is an empty list, not null
	}
	return out, total, nil
}

func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

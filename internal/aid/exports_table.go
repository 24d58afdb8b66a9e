package aid

import (
	"strconv"

	"halfsky/internal/spreadsheet"
)

// ExportColumn is a column of an export's spreadsheet: its title and
// width in characters.
type ExportColumn struct {
	Title string
	Width float64
}

// ExportTable is an export laid out for a spreadsheet, the same for the
// web page and the API: one sheet, its columns, the rows in the clear and
// the file's name (without extension).
type ExportTable struct {
	Sheet    string
	Columns  []ExportColumn
	Rows     [][]any
	Filename string
}

// Table lays the file out. ID and account numbers stay text, so no
// spreadsheet turns them into rounded numbers.
func (f ExportFile) Table() ExportTable {
	if f.Export.Kind == ExportBank {
		t := ExportTable{Sheet: "银行代发", Filename: f.Batch.Title() + "银行代发", Columns: []ExportColumn{{"序号", 6},
			{"收款人", 10}, {"监护人", 10}, {"开户银行", 28}, {"账号", 24}, {"金额（元）", 12}, {"录入单位", 28}, {"状态", 12},
			{"申请编号", 10}}}
		for _, l := range f.Bank {
			t.Rows = append(t.Rows, []any{l.Seq, l.Name, l.GuardianName, l.BankName, l.Account, spreadsheet.Money(l.Amount), l.OrgName,
				l.Status.Label(), l.ApplicationID})
		}
		return t
	}
	t := ExportTable{Sheet: "救助申请", Filename: "关爱救助申请（完整信息）-" + strconv.FormatInt(f.Export.ID, 10),
		Columns: []ExportColumn{{"编号", 8}, {"项目", 12}, {"年度", 8}, {"姓名", 10}, {"身份证号", 22}, {"性别", 6},
			{"出生年份", 10}, {"联系电话", 14}, {"家庭住址", 30}, {"家庭类别", 12}, {"监护人", 10}, {"录入单位", 28},
			{"当前环节", 12}, {"状态", 10}, {"金额（元）", 12}}}
	for _, x := range f.Applications {
		p := x.Personal
		t.Rows = append(t.Rows, []any{x.ID, x.ProgrammeName, x.Year, p.Name, p.IDNumber, x.SexLabel(), x.BirthYear, p.Phone,
			p.Address, x.HouseholdLabel(), p.GuardianName, x.OrgName, x.LevelLabel(), x.Status.Label(), spreadsheet.Money(x.Amount)})
	}
	return t
}

// Workbook writes the table into a workbook, for the web page and the API
// alike.
func (t ExportTable) Workbook() (*spreadsheet.Sheet, error) {
	cols := make([]spreadsheet.Column, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = spreadsheet.Column(c)
	}
	sh, err := spreadsheet.New(t.Sheet, cols)
	if err != nil {
		return nil, err
	}
	for _, row := range t.Rows {
		if err := sh.Add(row...); err != nil {
			sh.Close()
			return nil, err
		}
	}
	return sh, nil
}

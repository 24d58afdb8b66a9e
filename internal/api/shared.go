package api

import (
	"io"
	"net/http"

	"halfsky/internal/apperr"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
	"halfsky/internal/org"
)

// What several resources' handlers share: the files of a multipart form
// and the rows of a roll-up by the units below.

// namedFile is the shape of a domain's uploaded file: its name as sent
// and its content.
type namedFile interface {
	~struct {
		Name string
		Data []byte
	}
}

// formFiles reads the files of field from a parsed multipart form, each
// cut at files.MaxSize+1 bytes so that the domain refuses a bigger one;
// one that cannot be read is refused beside field with failed.
func formFiles[T namedFile](r *http.Request, field, failed string) ([]T, error) {
	var out []T
	for _, fh := range r.MultipartForm.File[field] {
		f, err := fh.Open()
		if err != nil {
			return nil, apperr.Field(field, failed)
		}
		data, err := io.ReadAll(io.LimitReader(f, files.MaxSize+1))
		f.Close()
		if err != nil {
			return nil, apperr.Field(field, failed)
		}
		out = append(out, T{Name: fh.Filename, Data: data})
	}
	return out, nil
}

// rollupRowJSON is a row of a roll-up by the units below (statistics).
type rollupRowJSON struct {
	OrgCode string  `json:"org_code"`
	OrgName string  `json:"org_name"`
	Self    bool    `json:"self"`
	N       []int64 `json:"n"`
}

func toRollupRows(rows []org.RollupRow) []rollupRowJSON {
	return httpx.Map(rows, func(row org.RollupRow) rollupRowJSON {
		return rollupRowJSON{row.Org.Code, row.Org.Name, row.Self, row.N}
	})
}

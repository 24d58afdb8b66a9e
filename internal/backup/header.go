package backup

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/vault"
)

// Format is the version of the file layout this package writes and reads.
const Format = 1

const (
	magic     = "HALFSKY-BACKUP 1\n"
	maxHeader = 64 << 10 // a header is a few hundred bytes; more is damage
	macSize   = sha256.Size
)

// Header is what a backup says about itself, in the clear but
// authenticated: enough to refuse a wrong file with a reason before
// anything is decrypted.
type Header struct {
	Format       int       `json:"format"`
	Installation string    `json:"installation"`      // vault.Keyring.Installation of the key file
	Name         string    `json:"name,omitempty"`    // the installation's top unit, for the operator
	Key          string    `json:"key"`               // the data key the file key derives from
	KeyCheck     string    `json:"key_check"`         // tells a wrong key from a tampered header
	Engine       string    `json:"engine"`            // sqlite or postgres
	Schema       int       `json:"schema"`            // the database's schema version
	Created      time.Time `json:"created"`           // when the snapshot was taken
	Version      string    `json:"halfsky,omitempty"` // the halfsky that wrote it
	Salt         []byte    `json:"salt"`              // makes the file key the file's own
	Chunk        int       `json:"chunk"`             // plaintext bytes per chunk
}

// keys are one file's keys, derived from the data key the header names.
type keys struct {
	enc, mac []byte
}

// keyCheck is a short digest of the data key id for the installation,
// kept in the header: it shows whether the key file holds the key a
// backup was written with, whatever else in the header was changed.
func keyCheck(k *vault.Keyring, id, installation string) (string, bool) {
	b, ok := k.Derive(id, nil, "halfsky backup key check "+installation, 8)
	return hex.EncodeToString(b), ok
}

// fileKeys derives the encryption and MAC keys of the file h describes.
func fileKeys(k *vault.Keyring, h Header) (keys, bool) {
	b, ok := k.Derive(h.Key, h.Salt, "halfsky backup v1 "+h.Installation, 64)
	if !ok {
		return keys{}, false
	}
	return keys{enc: b[:32], mac: b[32:]}, true
}

// newHeader describes a new backup under the keyring's active key.
func newHeader(k *vault.Keyring, engine string, schema int, name, version string) (Header, error) {
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return Header{}, err
	}
	h := Header{Format: Format, Installation: k.Installation(), Name: name, Key: k.Active(),
		Engine: engine, Schema: schema, Created: time.Now().UTC().Truncate(time.Millisecond), Version: version,
		Salt: salt, Chunk: chunkSize}
	h.KeyCheck, _ = keyCheck(k, h.Key, h.Installation)
	return h, nil
}

// writeHeader writes the magic, the header and its MAC, and returns the
// MAC (the trailer's MAC covers it, binding the two).
func writeHeader(w io.Writer, h Header, fk keys) ([]byte, error) {
	body, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(magic)
	binary.Write(&buf, binary.BigEndian, uint32(len(body)))
	buf.Write(body)
	m := hmac.New(sha256.New, fk.mac)
	m.Write(buf.Bytes())
	sum := m.Sum(nil)
	buf.Write(sum)
	_, err = w.Write(buf.Bytes())
	return sum, err
}

// rawHeader is a header as read, before it is trusted.
type rawHeader struct {
	Header
	signed []byte // the bytes the MAC covers
	mac    []byte
	size   int64 // bytes up to the chunks
}

// readHeader reads the magic, the header and its MAC. It checks their
// shape only: nothing in them is trusted until checkHeader.
func readHeader(r *bufio.Reader) (rawHeader, error) {
	var rh rawHeader
	got, err := io.ReadAll(io.LimitReader(r, int64(len(magic))))
	if err != nil {
		return rh, err
	}
	if string(got) != magic {
		if strings.HasPrefix(magic, string(got)) {
			return rh, refuse(Truncated, "备份文件不完整（在文件头处截断）"+untouched)
		}
		if strings.HasPrefix(string(got), "HALFSKY-BACKUP ") {
			return rh, refuse(Unsupported, "备份文件格式版本过新，本程序只认识第 %d 版：请用更新的 halfsky 恢复"+untouched, Format)
		}
		return rh, refuse(NotBackup, "这不是 halfsky 的备份文件"+untouched)
	}
	var n uint32
	if err := binary.Read(r, binary.BigEndian, &n); err != nil {
		return rh, truncatedHeader(err)
	}
	if n == 0 || n > maxHeader {
		return rh, refuse(Tampered, "备份文件已被改动（文件头长度不对）"+untouched)
	}
	body := make([]byte, n)
	rh.mac = make([]byte, macSize)
	if _, err := io.ReadFull(r, body); err != nil {
		return rh, truncatedHeader(err)
	}
	if _, err := io.ReadFull(r, rh.mac); err != nil {
		return rh, truncatedHeader(err)
	}
	rh.signed = append(append([]byte(magic), binary.BigEndian.AppendUint32(nil, n)...), body...)
	rh.size = int64(len(rh.signed) + macSize)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rh.Header); err != nil || dec.InputOffset() != int64(n) || rh.Format != Format || rh.Chunk != chunkSize {
		return rh, refuse(Tampered, "备份文件已被改动（文件头无法读取）"+untouched)
	}
	return rh, nil
}

func truncatedHeader(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return refuse(Truncated, "备份文件不完整（在文件头处截断）"+untouched)
	}
	return err
}

// checkHeader authenticates the header with the keyring and returns the
// file's keys. When the MAC does not match it says why, most likely
// first: the key check shows whether this keyring holds the key the file
// was written with — if it does, the header was changed; if not, the
// file is another installation's, or the key file lacks its key.
func checkHeader(k *vault.Keyring, rh rawHeader) (keys, error) {
	fk, ok := fileKeys(k, rh.Header)
	if ok {
		m := hmac.New(sha256.New, fk.mac)
		m.Write(rh.signed)
		if hmac.Equal(m.Sum(nil), rh.mac) {
			return fk, nil
		}
	}
	ours, _ := keyCheck(k, rh.Key, k.Installation())
	switch {
	case k.Has(rh.Key) && hmac.Equal([]byte(ours), []byte(rh.KeyCheck)):
		return keys{}, refuse(Tampered, "备份文件已被改动（文件头校验不符）"+untouched)
	case rh.Installation != k.Installation():
		return keys{}, refuse(Foreign, "这是另一个安装的备份：%s（安装编号 %s，备份于 %s）；所给密钥文件属于安装 %s。"+
			"请用那个安装的密钥文件恢复它，或换用本安装的备份"+untouched,
			orUnknown(rh.Name), rh.Installation, rh.Created.In(db.Shanghai).Format("2006-01-02 15:04"), k.Installation())
	case !k.Has(rh.Key):
		return keys{}, refuse(WrongKey, "密钥不符：此备份用密钥 %s 加密，密钥文件中没有它（现有：%s）。"+
			"请使用写这份备份时的密钥文件（轮换密钥后旧密钥须留在文件中）"+untouched, rh.Key, strings.Join(k.IDs(), "、"))
	default:
		return keys{}, refuse(WrongKey, "密钥不符：密钥文件中的密钥 %s 不是加密此备份的那一把（或文件头已被改动）"+untouched, rh.Key)
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "未记名称"
	}
	return s
}

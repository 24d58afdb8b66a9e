package backup

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"os"
)

const (
	chunkSize  = 64 << 10
	tagSize    = 16
	endMagic   = "HALFSKY-END\n"
	trailerLen = len(endMagic) + 8 + 8 + macSize
)

func newAEAD(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // the key is always 32 bytes
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// nonce is chunk i's nonce: its index and whether it is the last. The
// file key is the file's own (its salt), so an index never repeats under
// one key.
func nonce(i uint64, last bool) []byte {
	n := make([]byte, 12)
	binary.BigEndian.PutUint64(n, i)
	if last {
		n[11] = 1
	}
	return n
}

// trailerMAC binds the payload's size and chunk count to the header.
func trailerMAC(fk keys, headerMAC []byte, size, chunks uint64) []byte {
	m := hmac.New(sha256.New, fk.mac)
	m.Write(headerMAC)
	binary.Write(m, binary.BigEndian, size)
	binary.Write(m, binary.BigEndian, chunks)
	return m.Sum(nil)
}

// sealer encrypts what is written to it in chunks; Close seals the last
// chunk and writes the trailer.
type sealer struct {
	w         io.Writer
	aead      cipher.AEAD
	fk        keys
	headerMAC []byte
	buf       []byte
	chunks    uint64
	size      uint64
}

func newSealer(w io.Writer, fk keys, headerMAC []byte) *sealer {
	return &sealer{w: w, aead: newAEAD(fk.enc), fk: fk, headerMAC: headerMAC, buf: make([]byte, 0, 2*chunkSize)}
}

// Write keeps a full chunk back until more follows: only then is it
// known not to be the last.
func (s *sealer) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	s.size += uint64(len(p))
	for len(s.buf) > chunkSize {
		if err := s.seal(s.buf[:chunkSize], false); err != nil {
			return 0, err
		}
		s.buf = append(s.buf[:0], s.buf[chunkSize:]...)
	}
	return len(p), nil
}

func (s *sealer) seal(p []byte, last bool) error {
	ct := s.aead.Seal(nil, nonce(s.chunks, last), p, nil)
	s.chunks++
	_, err := s.w.Write(ct)
	return err
}

func (s *sealer) Close() error {
	if err := s.seal(s.buf, true); err != nil {
		return err
	}
	t := append([]byte(endMagic), binary.BigEndian.AppendUint64(nil, s.size)...)
	t = binary.BigEndian.AppendUint64(t, s.chunks)
	t = append(t, trailerMAC(s.fk, s.headerMAC, s.size, s.chunks)...)
	_, err := s.w.Write(t)
	return err
}

// opener reads a backup's chunks back, each opened before a byte of it is
// handed on.
type opener struct {
	f          *os.File
	aead       cipher.AEAD
	off        int64 // the next chunk's offset
	i, chunks  uint64
	size, left uint64 // plaintext bytes in all and still to come
	buf        []byte // opened, not yet read
}

// checkTrailer reads the trailer of a file of fileSize whose chunks start
// at start, and returns the opener of its chunks. A file without its
// trailer is truncated; one whose trailer does not match its header, or
// whose length does not match the trailer, was changed.
func checkTrailer(f *os.File, fileSize, start int64, fk keys, headerMAC []byte) (*opener, error) {
	ctChunk := int64(chunkSize + tagSize)
	body := fileSize - start - int64(trailerLen)
	t := make([]byte, trailerLen)
	if body >= tagSize {
		if _, err := f.ReadAt(t, fileSize-int64(trailerLen)); err != nil {
			return nil, err
		}
	}
	if body < tagSize || string(t[:len(endMagic)]) != endMagic {
		return nil, refuse(Truncated, "备份文件不完整（在第 %d 块处截断，文件只有 %d 字节，缺少结尾）"+untouched,
			max(fileSize-start, 0)/ctChunk+1, fileSize)
	}
	size := binary.BigEndian.Uint64(t[len(endMagic):])
	chunks := binary.BigEndian.Uint64(t[len(endMagic)+8:])
	if !hmac.Equal(t[len(endMagic)+16:], trailerMAC(fk, headerMAC, size, chunks)) {
		return nil, refuse(Tampered, "备份文件已被改动（结尾校验不符）"+untouched)
	}
	want := max(1, (size+chunkSize-1)/chunkSize)
	if chunks != want || uint64(body) != size+chunks*tagSize {
		return nil, refuse(Tampered, "备份文件已被改动（长度与结尾记录不符）"+untouched)
	}
	return &opener{f: f, aead: newAEAD(fk.enc), off: start, chunks: chunks, size: size, left: size}, nil
}

func (o *opener) Read(p []byte) (int, error) {
	for len(o.buf) == 0 {
		if o.i == o.chunks {
			return 0, io.EOF
		}
		if err := o.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, o.buf)
	o.buf = o.buf[n:]
	return n, nil
}

// next opens the next chunk.
func (o *opener) next() error {
	n := min(uint64(chunkSize), o.left)
	ct := make([]byte, n+tagSize)
	if _, err := o.f.ReadAt(ct, o.off); err != nil {
		return err
	}
	last := o.i == o.chunks-1
	pt, err := o.aead.Open(ct[:0], nonce(o.i, last), ct, nil)
	if err != nil {
		return refuse(Tampered, "备份文件已被改动（第 %d 块校验不符）"+untouched, o.i+1)
	}
	o.i++
	o.off += int64(len(ct))
	o.left -= n
	o.buf = pt
	return nil
}

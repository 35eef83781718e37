package handoff

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io/fs"
)

// maxEmbedded bounds the decompressed size of an embedded file.
const maxEmbedded = 64 << 20

// readGzip returns the decompressed content of a gzip file, read into one
// buffer of the size its trailer gives (rather than grown step by step: the
// files are read at start, where every copy counts).
func readGzip(fsys fs.FS, name string) ([]byte, error) {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	if len(raw) < 18 { // header and trailer
		return nil, fmt.Errorf("%s: not a gzip file", name)
	}
	size := binary.LittleEndian.Uint32(raw[len(raw)-4:]) // ISIZE: the size mod 2^32
	if size > maxEmbedded {
		return nil, fmt.Errorf("%s: %d bytes decompressed, more than %d", name, size, maxEmbedded)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	buf := bytes.NewBuffer(make([]byte, 0, int(size)+bytes.MinRead))
	if _, err := buf.ReadFrom(zr); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return buf.Bytes(), nil
}

package bundle

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// Compression of a bundle file.
type Compression string

// Compressions, chosen by the file name's extension.
const (
	None Compression = "none" // .tar
	Gzip Compression = "gzip" // .tar.gz, .tgz
	Zstd Compression = "zstd" // .tar.zst, .tar.zstd, .tzst
)

// CompressionFor picks the compression from a bundle file name.
func CompressionFor(file string) (Compression, error) {
	name := strings.ToLower(file)
	switch {
	case strings.HasSuffix(name, ".tar"):
		return None, nil
	case strings.HasSuffix(name, ".tar.gz"), strings.HasSuffix(name, ".tgz"):
		return Gzip, nil
	case strings.HasSuffix(name, ".tar.zst"), strings.HasSuffix(name, ".tar.zstd"), strings.HasSuffix(name, ".tzst"):
		return Zstd, nil
	}
	return "", fmt.Errorf("bundle %s: unknown extension: name it .tar, .tar.gz or .tar.zst", file)
}

// compressor wraps w in c's writer; closing it flushes the compressed
// stream but leaves w open.
func compressor(w io.Writer, c Compression) (io.WriteCloser, error) {
	switch c {
	case None:
		return nopCloser{w}, nil
	case Gzip:
		return gzip.NewWriterLevel(w, gzip.DefaultCompression)
	case Zstd:
		return zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedDefault))
	}
	return nil, fmt.Errorf("unknown compression %q", c)
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// decompressor detects the compression of r by its first bytes (not the
// file name, which may have been changed) and returns the tar stream and
// a function that releases it.
func decompressor(r io.Reader) (io.Reader, func(), error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}): // gzip magic
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, err
		}
		return zr, func() { zr.Close() }, nil
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}): // zstd magic
		zr, err := zstd.NewReader(br)
		if err != nil {
			return nil, nil, err
		}
		return zr, zr.Close, nil
	}
	return br, func() {}, nil
}

// safePath reports whether p may name a file in a bundle: a clean,
// relative slash path under bin/ or images/.
func safePath(p string) bool {
	if p == "" || path.Clean(p) != p || path.IsAbs(p) || strings.HasPrefix(p, "../") || strings.Contains(p, "\\") {
		return false
	}
	return strings.HasPrefix(p, "bin/") || strings.HasPrefix(p, "images/")
}

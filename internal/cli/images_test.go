package cli

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A PNG header announcing 100000×100000 pixels must be refused before any
// pixel is decoded, with advice a command-line user can follow, and
// SIGLIP2_MAX_PIXELS must move the limit.
func TestHugeImageHeaderIsRefused(t *testing.T) {
	chunk := func(typ string, data []byte) []byte {
		var b bytes.Buffer
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
		return b.Bytes()
	}
	write := func(side uint32) string {
		ihdr := make([]byte, 13)
		binary.BigEndian.PutUint32(ihdr[0:], side)
		binary.BigEndian.PutUint32(ihdr[4:], side)
		ihdr[8], ihdr[9] = 8, 2
		png := append([]byte("\x89PNG\r\n\x1a\n"), chunk("IHDR", ihdr)...)
		png = append(png, chunk("IEND", nil)...)
		path := filepath.Join(t.TempDir(), "huge.png")
		os.WriteFile(path, png, 0o644)
		return path
	}
	_, err := loadImage(write(100000))
	if err == nil || !strings.Contains(err.Error(), "100000x100000") || !strings.Contains(err.Error(), maxPixelsEnv) {
		t.Fatalf("error = %v", err)
	}
	t.Setenv(maxPixelsEnv, "200000000") // 10000² = 1e8 passes the raised limit, then fails as truncated
	if _, err := loadImage(write(10000)); err == nil || strings.Contains(err.Error(), "over the limit") {
		t.Errorf("with %s raised the size check still refused: %v", maxPixelsEnv, err)
	}
}

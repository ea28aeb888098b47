package audit

import (
	"fmt"
	"strconv"
	"strings"
)

// A FileSink directory holds one subdirectory per origin, named by
// fsEscapeOrigin, with segment files named by the Seq of their first record
// and the origin's prune manifest:
//
//	DIR/api-1/00000000000000000000.jsonl
//	DIR/api-1/00000000000000004096.jsonl
//	DIR/api-1/pruned.jsonl
const (
	fsSegmentExt   = ".jsonl"
	fsManifestName = "pruned.jsonl"
)

// fsEscapeOrigin maps an origin to a safe, reversible directory name: ASCII
// letters, digits, '-', '_' and '.' stay, any other byte (and a leading
// '.') becomes %XX.
func fsEscapeOrigin(origin string) string {
	var b strings.Builder
	for i := 0; i < len(origin); i++ {
		c := origin[i]
		safe := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' && i > 0
		if safe {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&0xf])
	}
	return b.String()
}

// fsUnescapeOrigin reverses fsEscapeOrigin.
func fsUnescapeOrigin(name string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if name[i] != '%' {
			b.WriteByte(name[i])
			continue
		}
		if i+2 >= len(name) {
			return "", fmt.Errorf("audit: bad origin directory name %q", name)
		}
		v, err := strconv.ParseUint(name[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("audit: bad origin directory name %q", name)
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), nil
}

func fsSegmentName(first uint64) string { return fmt.Sprintf("%020d%s", first, fsSegmentExt) }

// fsParseSegmentName returns the first Seq a segment file name encodes.
func fsParseSegmentName(name string) (uint64, bool) {
	base, ok := strings.CutSuffix(name, fsSegmentExt)
	if !ok || len(base) != 20 {
		return 0, false
	}
	v, err := strconv.ParseUint(base, 10, 64)
	return v, err == nil
}

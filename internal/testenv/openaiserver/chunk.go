package openaiserver

import (
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// A Chunker cuts streamed text into the pieces sent in consecutive SSE
// chunks. The pieces must concatenate to text and must not cut a rune in
// two; the server answers 500 when they do, so a broken chunker cannot pass
// a test silently. Empty pieces
// are skipped. A Chunker may be called from several goroutines at once.
type Chunker interface {
	Chunk(text string) []string
}

// ChunkerFunc adapts a function to Chunker.
type ChunkerFunc func(text string) []string

// Chunk calls f(text).
func (f ChunkerFunc) Chunk(text string) []string { return f(text) }

// ChunkWhole sends each text in a single chunk.
func ChunkWhole() Chunker {
	return ChunkerFunc(func(text string) []string { return []string{text} })
}

// ChunkBytes cuts text every n bytes (n below 1 counts as 1). A cut that
// would fall inside a multi-byte UTF-8 sequence moves to the end of that
// rune: a JSON string cannot carry half a rune, and the real service never
// sends one.
func ChunkBytes(n int) Chunker {
	n = max(n, 1)
	return ChunkCuts(func(text string) []int {
		cuts := make([]int, 0, len(text)/n)
		for off := n; off < len(text); off += n {
			cuts = append(cuts, off)
		}
		return cuts
	})
}

// ChunkRunes cuts text every n runes (n below 1 counts as 1).
func ChunkRunes(n int) Chunker {
	n = max(n, 1)
	return ChunkerFunc(func(text string) []string {
		var pieces []string
		for len(text) > 0 {
			end := runesEnd(text, n)
			pieces = append(pieces, text[:end])
			text = text[end:]
		}
		return pieces
	})
}

// runesEnd is the byte length of the first n runes of text (all of text
// when it has fewer).
func runesEnd(text string, n int) int {
	end := 0
	for i := 0; i < n && end < len(text); i++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	return end
}

// ChunkCuts lets cuts decide where text is cut: it returns byte offsets, in
// any order. Offsets outside (0, len(text)) and duplicates are dropped, and
// an offset inside a multi-byte rune moves to the end of that rune.
func ChunkCuts(cuts func(text string) []int) Chunker {
	return ChunkerFunc(func(text string) []string { return cutAt(text, cuts(text)) })
}

// ChunkAt cuts text at the given byte offsets (see ChunkCuts).
func ChunkAt(offsets ...int) Chunker {
	offsets = slices.Clone(offsets)
	return ChunkCuts(func(string) []int { return offsets })
}

// SplitInside cuts text in the middle of every occurrence of each value, so
// that no single chunk carries a whole value — the case a streaming masker
// must get right. Text outside the values is not cut further.
func SplitInside(values ...string) Chunker {
	values = slices.Clone(values)
	return ChunkCuts(func(text string) []int {
		var cuts []int
		for _, v := range values {
			if v == "" {
				continue
			}
			mid := len(v) / 2
			for from := 0; ; {
				i := strings.Index(text[from:], v)
				if i < 0 {
					break
				}
				cuts = append(cuts, from+i+mid)
				from += i + 1
			}
		}
		return cuts
	})
}

// ChunkRandom cuts text into pieces of 1 to maxRunes runes (maxRunes below 1
// counts as 1), their sizes drawn from a generator seeded with seed: the
// same seed and the same sequence of texts give the same chunks.
func ChunkRandom(seed uint64, maxRunes int) Chunker {
	maxRunes = max(maxRunes, 1)
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return ChunkerFunc(func(text string) []string {
		mu.Lock()
		defer mu.Unlock()
		var pieces []string
		for len(text) > 0 {
			end := runesEnd(text, 1+rng.IntN(maxRunes))
			pieces = append(pieces, text[:end])
			text = text[end:]
		}
		return pieces
	})
}

func cutAt(text string, offsets []int) []string {
	clean := make([]int, 0, len(offsets))
	for _, off := range offsets {
		for off > 0 && off < len(text) && !utf8.RuneStart(text[off]) {
			off++
		}
		if off > 0 && off < len(text) {
			clean = append(clean, off)
		}
	}
	slices.Sort(clean)
	clean = slices.Compact(clean)
	pieces := make([]string, 0, len(clean)+1)
	prev := 0
	for _, off := range clean {
		pieces = append(pieces, text[prev:off])
		prev = off
	}
	return append(pieces, text[prev:])
}

// chunks applies ch to text and checks the result; ok is false when the
// pieces do not rebuild text or cut a rune in two.
func chunks(ch Chunker, text string) (pieces []string, ok bool) {
	if text == "" {
		return nil, true
	}
	raw := ch.Chunk(text)
	pieces = make([]string, 0, len(raw))
	var total int
	valid := utf8.ValidString(text)
	for _, p := range raw {
		if valid && !utf8.ValidString(p) {
			return nil, false // half a rune cannot travel in a JSON string
		}
		if p != "" {
			pieces = append(pieces, p)
			total += len(p)
		}
	}
	if total != len(text) || strings.Join(pieces, "") != text {
		return nil, false
	}
	return pieces, true
}

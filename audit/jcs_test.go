package audit

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The examples of RFC 8785 sections 3.2.2 and 3.2.3.
func TestCanonicalizeRFC8785Examples(t *testing.T) {
	in := `{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`
	want := `{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`
	got, err := Canonicalize([]byte(in))
	require.NoError(t, err)
	assert.Equal(t, want, string(got))

	sorting := `{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}`
	want = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}"
	got, err = Canonicalize([]byte(sorting))
	require.NoError(t, err)
	assert.Equal(t, want, string(got))
}

// RFC 8785 appendix B: IEEE 754 bit patterns and their ES6 forms.
func TestES6NumberFormattingAppendixB(t *testing.T) {
	cases := []struct {
		bits uint64
		want string
	}{
		{0x0000000000000000, "0"},
		{0x8000000000000000, "0"},
		{0x0000000000000001, "5e-324"},
		{0x8000000000000001, "-5e-324"},
		{0x7fefffffffffffff, "1.7976931348623157e+308"},
		{0xffefffffffffffff, "-1.7976931348623157e+308"},
		{0x4340000000000000, "9007199254740992"},
		{0xc340000000000000, "-9007199254740992"},
		{0x4430000000000000, "295147905179352830000"},
		{0x44b52d02c7e14af5, "9.999999999999997e+22"},
		{0x44b52d02c7e14af6, "1e+23"},
		{0x44b52d02c7e14af7, "1.0000000000000001e+23"},
		{0x444b1ae4d6e2ef4e, "999999999999999700000"},
		{0x444b1ae4d6e2ef4f, "999999999999999900000"},
		{0x444b1ae4d6e2ef50, "1e+21"},
		{0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
		{0x3eb0c6f7a0b5ed8d, "0.000001"},
		{0x41b3de4355555553, "333333333.3333332"},
		{0x41b3de4355555554, "333333333.33333325"},
		{0x41b3de4355555555, "333333333.3333333"},
		{0x41b3de4355555556, "333333333.3333334"},
		{0x41b3de4355555557, "333333333.33333343"},
		{0xbecbf647612f3696, "-0.0000033333333333333333"},
		{0x43143ff3c1cb0959, "1424953923781206.2"},
	}
	for _, c := range cases {
		got, err := appendES6Number(nil, math.Float64frombits(c.bits))
		require.NoError(t, err)
		assert.Equal(t, c.want, string(got), "%016x", c.bits)
	}
	for _, bits := range []uint64{0x7fffffffffffffff, 0x7ff0000000000000} {
		_, err := appendES6Number(nil, math.Float64frombits(bits))
		assert.Error(t, err, "%016x", bits)
	}
}

func TestCanonicalizeRejectsBadInput(t *testing.T) {
	for name, in := range map[string]string{
		"duplicate":    `{"a":1,"a":2}`,
		"invalid utf8": "{\"a\":\"\xff\"}",
		"trailing":     `{"a":1} {}`,
		"truncated":    `{"a":`,
		"huge number":  `[1e999]`,
	} {
		_, err := Canonicalize([]byte(in))
		assert.Error(t, err, name)
	}
}

func TestCompareUTF16(t *testing.T) {
	// U+FB33 sorts after U+1F600 in UTF-16 (0xFB33 > 0xD83D) although its
	// code point is smaller.
	assert.Greater(t, compareUTF16("\ufb33", "😀"), 0)
	assert.Less(t, compareUTF16("a", "ab"), 0)
	assert.Equal(t, 0, compareUTF16("ö", "ö"))
	assert.Less(t, compareUTF16("\u0080", "ö"), 0)
}

func TestAppendJSONStringEscapes(t *testing.T) {
	got := appendJSONString(nil, "a\"b\\c\x01\x1f\u2028/\xff")
	assert.Equal(t, "\"a\\\"b\\\\c\\u0001\\u001f\u2028/\ufffd\"", string(got))
	var back string
	require.NoError(t, json.Unmarshal(got, &back))
	assert.Equal(t, "a\"b\\c\x01\x1f\u2028/\ufffd", back)
}

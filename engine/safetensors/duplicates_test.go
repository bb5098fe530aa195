package safetensors

import (
	"strings"
	"testing"
)

// TestDuplicateKeysRefused: encoding/json keeps the last of two equal keys
// and never validates the first; the header parser refuses them instead,
// at the top level (two entries for one tensor) and inside an entry.
func TestDuplicateKeysRefused(t *testing.T) {
	const a = `"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}`
	for _, tc := range []struct {
		name, header string
		want         string // "" means accepted
	}{
		{"distinct keys", `{` + a + `,"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, ""},
		{"tensor twice", `{` + a + `,"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, `"a" appears twice`},
		{"tensor twice, first invalid", `{"a":{"dtype":"X99","shape":[1],"data_offsets":[0,4]},` + a + `}`, `"a" appears twice`},
		{"dtype twice", `{"a":{"dtype":"F16","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, `the entry of "a" has the key "dtype" twice`},
		{"metadata twice", `{"__metadata__":{"format":"pt"},"__metadata__":{"format":"np"},` + a + `}`, `"__metadata__" appears twice`},
		{"metadata key twice", `{"__metadata__":{"format":"pt","format":"np"},` + a + `}`, `has the key "format" twice`},
		{"equal keys in different objects", `{"__metadata__":{"a":"x"},` + a + `}`, ""},
		{"escaped spelling of the same key", `{` + a + `,"\u0061":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, `"a" appears twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := rawFile(tc.header, make([]byte, 8))
			_, err := ParseHeader(b, int64(len(b)))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

package hub

import (
	"context"
	"testing"
)

// BenchmarkDownloadLFS measures a whole LFS download from a local fake hub:
// HEAD, redirect, GET, sha256, write, rename, link. The bytes/s it reports
// is the client's ceiling (hashing and disk), far above a real network's.
func BenchmarkDownloadLFS(b *testing.B) {
	f := newFakeHub(b)
	big := pseudoRandom(32 << 20)
	f.addRepo(repoID, commitA, map[string]fakeFile{"model.safetensors": {data: big, lfs: true}})
	b.SetBytes(int64(len(big)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := New(Config{Endpoint: f.hub.URL, CacheDir: b.TempDir()})
		if _, err := c.Download(context.Background(), repoID, "main", "model.safetensors"); err != nil {
			b.Fatal(err)
		}
	}
}

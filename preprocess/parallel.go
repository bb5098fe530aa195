package preprocess

import (
	"runtime"
	"sync"
)

// parallelMinWork is the number of multiply-adds below which splitting a
// pass over goroutines costs more than it saves.
const parallelMinWork = 1 << 18

// parallelRows calls fn over disjoint row ranges covering 0..rows, using up
// to GOMAXPROCS goroutines when the pass is large enough. Each row is
// computed independently, so results do not depend on the split.
func parallelRows(rows, work int, fn func(y0, y1 int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers > rows {
		workers = rows
	}
	if workers <= 1 || work < parallelMinWork {
		fn(0, rows)
		return
	}
	var wg sync.WaitGroup
	chunk := (rows + workers - 1) / workers
	for y0 := 0; y0 < rows; y0 += chunk {
		y1 := min(y0+chunk, rows)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(y0, y1)
		}()
	}
	wg.Wait()
}

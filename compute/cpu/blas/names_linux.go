package blas

// candidates are the names tried, in order, by the automatic search. The
// generic libblas.so.3 is accepted only when it turns out to be OpenBLAS
// (Debian's alternatives system often points it there).
func candidates() []string {
	return []string{"libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0", "libblas.so.3"}
}

package hub

// Progress receives the state of downloads so that a caller can draw a
// progress bar. The calls for one file come in order from one goroutine.
type Progress interface {
	// Update reports that done of total bytes of name are on disk (total is
	// -1 when unknown). The first call of a resumed download starts at the
	// bytes already there; done goes back to 0 if a server ignores the resume
	// request and the file starts over.
	Update(name string, done, total int64)
	// Finish ends name's download; err is nil on success.
	Finish(name string, err error)
}

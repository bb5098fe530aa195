package hub

import "fmt"

// fmtAll prints v with every verb a log line might use.
func fmtAll(v any) string {
	return fmt.Sprintf("%v %+v %#v %s", v, v, v, v)
}

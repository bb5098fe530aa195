package cli

import "fmt"

// formatPeak prints a peak memory in MB, or "unknown" where the system
// did not say (peakRSS returned 0).
func formatPeak(bytes int64) string {
	if bytes <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f MB", float64(bytes)/1e6)
}

package harness

import (
	"fmt"
	"strconv"
	"strings"
)

// Figures reads lines of the form "name: number [unit]", as the scale programs print
// them (local_router, remote_dealers, local_idle ...), into a map from name to number.
// A line whose value is not a number, or a name given twice, is an error.
func Figures(out string) (map[string]float64, error) {
	m := map[string]float64{}
	for _, line := range strings.Split(out, "\n") {
		key, val, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(strings.TrimSpace(val), " ")
		f, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return nil, fmt.Errorf("bad line %q", line)
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("line %q twice in %q", key, out)
		}
		m[key] = f
	}
	return m, nil
}

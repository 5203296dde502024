package retryafter

import (
	"net/http"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name, header string
		want         time.Duration
	}{
		{"seconds", "120", 2 * time.Minute},
		{"spaces", " 7 ", 7 * time.Second},
		{"date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"past date", now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"zero", "0", 0},
		{"negative", "-5", 0},
		{"huge", "99999999999999", (1 << 30) * time.Second},
		{"garbage", "soon", 0},
		{"absent", "", 0},
	} {
		if got := Parse(tt.header, now); got != tt.want {
			t.Errorf("%s: Parse(%q) = %v, want %v", tt.name, tt.header, got, tt.want)
		}
	}
}

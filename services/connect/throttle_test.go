package connect

import (
	"testing"
	"time"
)

func TestTouchThrottle(t *testing.T) {
	th := newTouchThrottle()
	t0 := time.Unix(1000, 0)
	steps := []struct {
		id   string
		at   time.Duration
		want bool
	}{
		{"a", 0, true}, {"a", 30 * time.Second, false}, {"b", 30 * time.Second, true},
		{"a", 59 * time.Second, false}, {"a", 60 * time.Second, true}, {"a", 61 * time.Second, false},
	}
	for _, s := range steps {
		if got := th.due(s.id, t0.Add(s.at)); got != s.want {
			t.Fatalf("due(%s, +%v) = %v, want %v", s.id, s.at, got, s.want)
		}
	}
}

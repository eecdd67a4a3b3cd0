package sandbox

import ("testing";"fmt")

func TestZZCounts(t *testing.T) {
	e := NewEmulator(Options{APIKey: "k", Seed: true})
	for _, w := range e.Workers.All()[10:14] { fmt.Printf("%q\n", w.Phones) }
}

package sandbox

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestProbe(t *testing.T) {
	e := NewEmulator(Options{APIKey: "k", Seed: true})
	fmt.Println("jobs", e.Requisitions.Len(), "stages", e.Stages.Len(), "people", e.People.Len(), "apps", e.Applications.Len(),
		"interviews", e.Interviews.Len(), "offers", e.Offers.Len(), "files", e.Files.Len(), "depts", e.Departments.Len(),
		"offices", e.Offices.Len(), "users", e.Recruiters.Len())
	st := map[string]int{}
	for _, a := range e.Applications.All() {
		st[a.Status]++
	}
	fmt.Println(st)
	ivs := map[string]int{}
	for _, a := range e.Interviews.All() {
		ivs[a.State]++
	}
	fmt.Println(ivs)
	ofs := map[string]int{}
	for _, a := range e.Offers.All() {
		ofs[a.State]++
	}
	fmt.Println(ofs)
	b, _ := json.MarshalIndent(e.People.All()[0], "", " ")
	fmt.Println(string(b))
	b, _ = json.MarshalIndent(e.Applications.All()[3], "", " ")
	fmt.Println(string(b))
}

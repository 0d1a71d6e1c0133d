package asl

import (
	"fmt"
	"maps"
	"slices"
)

// checkGraph checks that every transition of sm names one of its states
// and that every state is reachable from StartAt.
func checkGraph(o object, sm *StateMachine) {
	if _, ok := sm.States[sm.StartAt]; !ok && sm.StartAt != "" {
		o.addf("StartAt %q is not a state", sm.StartAt)
	}
	for _, name := range slices.Sorted(maps.Keys(sm.States)) {
		for _, next := range Transitions(sm.States[name]) {
			if _, ok := sm.States[next]; !ok {
				o.p.addf(fmt.Sprintf("state %q", name), "transition to %q, which is not a state of %s", next, o.where)
			}
		}
	}
	seen := map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		st, ok := sm.States[name]
		if !ok || seen[name] {
			return
		}
		seen[name] = true
		for _, next := range Transitions(st) {
			visit(next)
		}
	}
	visit(sm.StartAt)
	for _, name := range slices.Sorted(maps.Keys(sm.States)) {
		if !seen[name] && sm.States[name] != nil {
			o.p.addf(fmt.Sprintf("state %q", name), "is not reachable from StartAt")
		}
	}
}

// Transitions lists the states st may go to next: Next, Default, the Choice
// rules' and the catchers' Next.
func Transitions(st *State) []string {
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	add(st.Next)
	add(st.Default)
	for _, r := range st.Choices {
		add(r.Next)
	}
	for _, c := range st.Catch {
		add(c.Next)
	}
	return out
}

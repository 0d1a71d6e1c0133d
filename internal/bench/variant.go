package bench

import (
	"encoding/json"
	"fmt"
)

// Variant is a change to the committed definitions whose effect the
// benchmark measures before anyone edits the state machine builders.
type Variant struct {
	Name string
	// Why says what the change is and why it should help.
	Why string
	// Apply rewrites one ASL document.
	Apply func(asl []byte) ([]byte, error)
}

// Variants are the workflow changes the benchmark measures.
var Variants = []Variant{{
	Name: "first waits from the schedule",
	Why: "Every loop's first Wait reads $.status.<key>.next_poll_seconds, which the action starting the " +
		"wait writes from document.Pace (just after the typical duration), instead of a fixed Seconds.",
	Apply: FirstWaitsFromStatus,
}}

// FirstWaitsFromStatus makes every poll loop's first Wait (a Wait with
// fixed Seconds whose next state is the loop's status Task) read the same
// SecondsPath as the loop's own Wait.
func FirstWaitsFromStatus(asl []byte) ([]byte, error) {
	var def map[string]any
	if err := json.Unmarshal(asl, &def); err != nil {
		return nil, fmt.Errorf("parse definition: %w", err)
	}
	var all []map[string]any
	var walk func(m map[string]any)
	walk = func(m map[string]any) {
		states, _ := m["States"].(map[string]any)
		for _, v := range states {
			s, _ := v.(map[string]any)
			all = append(all, s)
			branches, _ := s["Branches"].([]any)
			for _, b := range branches {
				if bm, ok := b.(map[string]any); ok {
					walk(bm)
				}
			}
		}
	}
	walk(def)
	paths := map[string]string{} // status Task → the loop's SecondsPath
	for _, s := range all {
		if p, ok := s["SecondsPath"].(string); ok && s["Type"] == "Wait" && nextPollPath.MatchString(p) {
			paths[s["Next"].(string)] = p
		}
	}
	for _, s := range all {
		next, _ := s["Next"].(string)
		if _, fixed := s["Seconds"]; fixed && s["Type"] == "Wait" && paths[next] != "" {
			delete(s, "Seconds")
			s["SecondsPath"] = paths[next]
		}
	}
	return json.Marshal(def)
}

// apply returns defs with v applied to each.
func (v Variant) apply(defs map[string][]byte) (map[string][]byte, error) {
	out := map[string][]byte{}
	for name, d := range defs {
		patched, err := v.Apply(d)
		if err != nil {
			return nil, fmt.Errorf("variant %s of %s: %w", v.Name, name, err)
		}
		out[name] = patched
	}
	return out, nil
}

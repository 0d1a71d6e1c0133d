package bench

import (
	"cmp"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// state is what the benchmark reads of one ASL state.
type state struct {
	Type        string
	Next        string
	Seconds     *int
	SecondsPath string
	Resource    string
	Choices     []struct{ Next string }
	Default     string
	Branches    []machine
}

// machine is a state machine or a Parallel branch.
type machine struct {
	States map[string]state
}

// Definition is a workflow's states by name, flattened across Parallel
// branches (state names are unique in GeuseMaker's definitions).
type Definition map[string]state

// ParseDefinition reads an ASL document.
func ParseDefinition(asl []byte) (Definition, error) {
	var m machine
	if err := json.Unmarshal(asl, &m); err != nil {
		return nil, fmt.Errorf("parse definition: %w", err)
	}
	d := Definition{}
	var walk func(machine)
	walk = func(m machine) {
		for name, s := range m.States {
			d[name] = s
			for _, b := range s.Branches {
				walk(b)
			}
		}
	}
	walk(m)
	return d, nil
}

// Loop is one Wait → status Task → Choice loop of a definition.
type Loop struct {
	// Key is the doc.Status key the loop's Wait reads next_poll_seconds from.
	Key string
	// Check is the status Task every poll enters.
	Check string
	// FirstWait is the loop's first Wait when it is fixed in the
	// definition; 0 when it reads the start action's next_poll_seconds.
	FirstWait time.Duration
	// Iteration is the Step Functions history events of one more poll:
	// the Wait, the Task, whatever follows it, and the Choice.
	Iteration int
}

var nextPollPath = regexp.MustCompile(`^\$\.status\.([a-z_]+)\.next_poll_seconds$`)

// Loops finds the definition's poll loops: every Wait whose SecondsPath is
// a status key's next_poll_seconds, sorted by key.
func (d Definition) Loops() []Loop {
	var loops []Loop
	seen := map[string]bool{}
	for _, s := range d {
		m := nextPollPath.FindStringSubmatch(s.SecondsPath)
		if s.Type != "Wait" || m == nil || seen[m[1]] {
			continue
		}
		seen[m[1]] = true
		l := Loop{Key: m[1], Check: s.Next, Iteration: d.cycleEvents(s)}
		for _, first := range d {
			if first.Type == "Wait" && first.Next == s.Next && first.Seconds != nil {
				l.FirstWait = time.Duration(*first.Seconds) * time.Second
			}
		}
		loops = append(loops, l)
	}
	slices.SortFunc(loops, func(a, b Loop) int { return cmp.Compare(a.Key, b.Key) })
	return loops
}

// cycleEvents is the history events of one pass from the Wait w through
// the states after it up to the Choice that sends it back.
func (d Definition) cycleEvents(w state) int {
	n := awsEvents[w.Type]
	for name := w.Next; name != ""; {
		s := d[name]
		n += awsEvents[s.Type]
		if s.Type == "Choice" {
			break
		}
		name = s.Next
	}
	return n
}

// awsEvents is how many history events Step Functions records for one
// visit of a state of each type (entered and exited; a Task also its
// scheduled, started and succeeded events; a Parallel its started and
// succeeded events; a Fail state only its entered event).
var awsEvents = map[string]int{
	"Task": 5, "Wait": 2, "Choice": 2, "Pass": 2, "Succeed": 2, "Fail": 1, "Parallel": 4, "Map": 4,
}

// retryEvents is what a retried Task attempt adds: scheduled, started, failed.
const retryEvents = 3

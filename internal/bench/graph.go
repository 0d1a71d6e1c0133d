package bench

import (
	"fmt"
	"time"
)

// Node is one event of a deployment or teardown: it happens Latency after
// the last of its dependencies.
type Node struct {
	Name    string
	Latency time.Duration
	Deps    []string
	// Auto marks what AWS does by itself once the dependencies are met (a
	// workload booting, interfaces being released): it overlaps with the
	// orchestrator's work even when the orchestrator runs strictly in order.
	Auto bool
}

// Graph is a dependency graph, its nodes in an order where each comes
// after its dependencies.
type Graph []Node

// Schedule is when each node of a graph finishes, from 0.
type Schedule map[string]time.Duration

// CriticalPath is the earliest each node can finish when everything runs
// as soon as its dependencies allow: the lower bound of any orchestration.
// It returns the finish of the whole graph and the nodes of its longest
// path, first to last.
func (g Graph) CriticalPath() (time.Duration, []string, error) {
	finish, err := g.schedule(nil)
	if err != nil {
		return 0, nil, err
	}
	end, path := g.longest(finish)
	return end, path, nil
}

// Sequential is the finish of the graph when the orchestrator does one
// thing at a time in order (a list of every node that is not Auto): each
// starts once its dependencies and the node before it in order finished.
// Auto nodes still start as soon as their dependencies allow; one listed
// in order is waited for by the node after it.
func (g Graph) Sequential(order []string) (time.Duration, error) {
	finish, err := g.schedule(order)
	if err != nil {
		return 0, err
	}
	end, _ := g.longest(finish)
	return end, nil
}

// schedule computes each node's finish; with order, non-Auto nodes also
// wait for their predecessor in order.
func (g Graph) schedule(order []string) (Schedule, error) {
	prev := map[string]string{}
	for i := 1; i < len(order); i++ {
		prev[order[i]] = order[i-1]
	}
	listed := map[string]bool{}
	for _, n := range order {
		listed[n] = true
	}
	finish := Schedule{}
	// Nodes are visited until all are placed: a sequential order may make
	// a node wait for one declared after it.
	for placed := 0; placed < len(g); {
		progress := false
		for _, n := range g {
			if _, done := finish[n.Name]; done {
				continue
			}
			if order != nil && !n.Auto && !listed[n.Name] {
				return nil, fmt.Errorf("node %s is missing from the sequential order", n.Name)
			}
			deps := n.Deps
			if p, ok := prev[n.Name]; ok && !n.Auto {
				deps = append(deps[:len(deps):len(deps)], p)
			}
			start, ready := time.Duration(0), true
			for _, d := range deps {
				f, ok := finish[d]
				if !ok {
					ready = false
					break
				}
				start = max(start, f)
			}
			if ready {
				finish[n.Name] = start + n.Latency
				placed++
				progress = true
			}
		}
		if !progress {
			return nil, fmt.Errorf("graph has a cycle or an unknown dependency among its %d unplaced nodes", len(g)-placed)
		}
	}
	return finish, nil
}

// longest returns the latest finish and the chain of dependencies that
// determines it.
func (g Graph) longest(finish Schedule) (time.Duration, []string) {
	byName := map[string]Node{}
	for _, n := range g {
		byName[n.Name] = n
	}
	var last string
	for _, n := range g {
		if last == "" || finish[n.Name] >= finish[last] {
			last = n.Name
		}
	}
	var path []string
	for at := last; at != ""; {
		path = append([]string{at}, path...)
		n, next := byName[at], ""
		for _, d := range n.Deps {
			if next == "" || finish[d] > finish[next] {
				next = d
			}
		}
		at = next
	}
	return finish[last], path
}

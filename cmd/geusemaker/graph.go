package main

import (
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"time"

	"geusemaker/internal/engine"
	"geusemaker/internal/localrun"
)

// node is one state on the path taken, in the order first entered.
type node struct {
	Name    string
	Visits  int
	Failed  bool
	Caught  bool
	Entered time.Duration // since the execution started
	Y       int
}

// Top is where the arrow from the previous node starts.
func (n *node) Top() int { return n.Y - 16 }

// pathNodes folds the top-level history into one node per state.
func pathNodes(x *engine.Execution) []*node {
	var nodes []*node
	byName := map[string]*node{}
	for _, e := range x.History {
		if e.Branch != "" {
			continue
		}
		n := byName[e.State]
		switch e.Type {
		case engine.EventStateEntered:
			if n == nil {
				n = &node{Name: e.State, Entered: e.Time.Sub(x.StartTime), Y: 20 + 56*len(nodes)}
				byName[e.State] = n
				nodes = append(nodes, n)
			}
			n.Visits++
		case engine.EventTaskFailed:
			if n != nil {
				n.Failed = true
			}
		case engine.EventStateCaught:
			if n != nil {
				n.Caught = true
			}
		}
	}
	return nodes
}

var graphPage = template.Must(template.New("graph").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>{{.Workflow}} {{.Name}}: {{.Status}}</title>
<style>body{font-family:sans-serif} .ok{fill:#d7f5dd;stroke:#2e7d32} .bad{fill:#fde0e0;stroke:#c62828} .caught{fill:#fff3cd;stroke:#b7791f}</style>
</head><body>
<h1>{{.Workflow}} <code>{{.Name}}</code>: {{.Status}}{{if .Error}} ({{.Error}}){{end}}</h1>
<p>Path taken at the top level, in the order states were first entered; ×N counts visits (poll loops), the time is when it was first entered.</p>
<svg xmlns="http://www.w3.org/2000/svg" width="620" height="{{.Height}}">
{{range $i, $n := .Nodes}}{{if $i}}<line x1="160" y1="{{$n.Top}}" x2="160" y2="{{$n.Y}}" stroke="#555"/>{{end}}
<rect x="10" y="{{$n.Y}}" width="300" height="40" rx="6" class="{{if $n.Failed}}{{if $n.Caught}}caught{{else}}bad{{end}}{{else}}ok{{end}}"/>
<text x="20" y="{{$n.Y}}" dy="25" font-size="14">{{$n.Name}}{{if gt $n.Visits 1}} ×{{$n.Visits}}{{end}}</text>
<text x="330" y="{{$n.Y}}" dy="25" font-size="13" fill="#555">+{{$n.Entered}}</text>
{{end}}</svg>
</body></html>
`))

// writeGraph writes an HTML page picturing the path x took.
func writeGraph(path string, wf localrun.Workflow, x *engine.Execution) error {
	nodes := pathNodes(x)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	err = graphPage.Execute(f, map[string]any{
		"Workflow": wf, "Name": x.Name, "Status": x.Status, "Error": x.Error,
		"Nodes": nodes, "Height": 40 + 56*len(nodes),
	})
	if err != nil {
		return fmt.Errorf("render %s: %w", path, err)
	}
	return f.Close()
}

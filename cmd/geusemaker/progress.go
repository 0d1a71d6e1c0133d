package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"geusemaker/internal/contract"
	"geusemaker/internal/localrun"
)

// progress draws one bar line per progress event on w.
type progress struct {
	mu sync.Mutex
	w  io.Writer
}

func newProgress(w io.Writer) *progress { return &progress{w: w} }

// barWidth is the bar's width in cells.
const barWidth = 30

func (p *progress) event(ev localrun.Event) {
	var d struct {
		Stage            string `json:"stage"`
		Message          string `json:"message"`
		Percent          int    `json:"percent"`
		CloudFrontDomain string `json:"cloudfront_domain"`
	}
	_ = json.Unmarshal(ev.Detail, &d)
	p.mu.Lock()
	defer p.mu.Unlock()
	if ev.DetailType != contract.DetailProgress {
		fmt.Fprintf(p.w, "%s  %s %s\n", ev.Time.Format("15:04:05"), ev.DetailType, d.Message)
		return
	}
	pct := min(max(d.Percent, 0), 100)
	filled := pct * barWidth / 100
	fmt.Fprintf(p.w, "%s [%s%s] %3d%% %-12s %s\n", ev.Time.Format("15:04:05"),
		strings.Repeat("#", filled), strings.Repeat(".", barWidth-filled), pct, d.Stage, d.Message)
}

package asl

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// maxStateNameLength is Step Functions' limit on state names.
const maxStateNameLength = 80

// queryLanguageJSONPath is the only QueryLanguage supported.
const queryLanguageJSONPath = "JSONPath"

// Fields every state may carry, and those of each type on top.
var (
	commonFields = []string{"Type", "Comment", "QueryLanguage"}
	ioFields     = []string{"InputPath", "OutputPath"}
	flowFields   = []string{"Next", "End"}
	typeFields   = map[StateType][]string{
		TypeTask: {"Resource", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch",
			"TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath"},
		TypePass:     {"Parameters", "ResultPath", "Result"},
		TypeWait:     {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"},
		TypeChoice:   {"Choices", "Default"},
		TypeParallel: {"Branches", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch"},
		TypeMap: {"ItemProcessor", "Iterator", "ItemsPath", "ItemSelector", "Parameters", "ResultSelector",
			"ResultPath", "Retry", "Catch", "MaxConcurrency", "MaxConcurrencyPath"},
		TypeSucceed: {},
		TypeFail:    {"Error", "ErrorPath", "Cause", "CausePath"},
	}
)

// Parse decodes and validates a definition. A definition with problems
// returns a *ValidationError listing all of them.
func Parse(data []byte) (*StateMachine, error) {
	p := &problems{}
	o, ok := newObject("definition", data, p)
	if !ok {
		return nil, &ValidationError{Problems: p.list}
	}
	d := &decoder{p: p, names: map[string]bool{}}
	sm := d.machine(o, true)
	if len(p.list) > 0 {
		return nil, &ValidationError{Problems: p.list}
	}
	return sm, nil
}

// decoder builds the typed machine; names holds every state name seen, as
// names must be unique across the whole definition, branches included.
type decoder struct {
	p     *problems
	names map[string]bool
}

func (d *decoder) machine(o object, top bool) *StateMachine {
	if top {
		o.allowOnly("Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage")
		sm := d.body(o)
		sm.TimeoutSeconds, _ = o.integer("TimeoutSeconds", 1)
		checkQueryLanguage(o)
		return sm
	}
	o.allowOnly("Comment", "StartAt", "States", "ProcessorConfig")
	if o.has("ProcessorConfig") {
		var cfg struct{ Mode string }
		if o.decode("ProcessorConfig", "an object", &cfg) && cfg.Mode != "" && cfg.Mode != "INLINE" {
			o.addf("ProcessorConfig.Mode %q is not supported (only INLINE)", cfg.Mode)
		}
	}
	return d.body(o)
}

func checkQueryLanguage(o object) {
	if ql := o.str("QueryLanguage"); ql != "" && ql != queryLanguageJSONPath {
		o.addf("QueryLanguage %q is not supported (only %s)", ql, queryLanguageJSONPath)
	}
}

func (d *decoder) body(o object) *StateMachine {
	sm := &StateMachine{Comment: o.str("Comment"), StartAt: o.requiredStr("StartAt"), States: map[string]*State{}}
	var raws map[string]json.RawMessage
	if !o.decode("States", "an object", &raws) || len(raws) == 0 {
		o.addf("States must name at least one state")
		return sm
	}
	for _, name := range slices.Sorted(maps.Keys(raws)) {
		if st := d.state(o.where, name, raws[name]); st != nil {
			sm.States[name] = st
		}
	}
	checkGraph(o, sm)
	return sm
}

func (d *decoder) state(parent, name string, raw json.RawMessage) *State {
	where := fmt.Sprintf("state %q", name)
	switch {
	case len(name) > maxStateNameLength:
		d.p.addf(where, "name is longer than %d characters", maxStateNameLength)
	case d.names[name]:
		d.p.addf(where, "name is used more than once in %s", parent)
	}
	d.names[name] = true
	o, ok := newObject(where, raw, d.p)
	if !ok {
		return nil
	}
	st := &State{Name: name, Type: StateType(o.str("Type")), Comment: o.str("Comment")}
	extra, known := typeFields[st.Type]
	if !known {
		o.addf("unknown Type %q", st.Type)
		return nil
	}
	allowed := slices.Concat(commonFields, extra)
	if st.Type != TypeFail {
		allowed = append(allowed, ioFields...)
	}
	if st.Type != TypeChoice && st.Type != TypeSucceed && st.Type != TypeFail {
		allowed = append(allowed, flowFields...)
		d.flow(o, st)
	}
	o.allowOnly(allowed...)
	checkQueryLanguage(o)
	st.InputPath = o.pathField("InputPath", false)
	st.OutputPath = o.pathField("OutputPath", false)
	st.ResultPath = o.pathField("ResultPath", true)
	if st.Type != TypeMap {
		st.Parameters = o.template("Parameters")
	}
	st.ResultSelector = o.template("ResultSelector")
	switch st.Type {
	case TypeTask:
		d.task(o, st)
	case TypePass:
		if o.has("Result") {
			st.Result, st.HasResult = o.value("Result"), true
		}
	case TypeWait:
		d.wait(o, st)
	case TypeChoice:
		d.choice(o, st)
	case TypeParallel:
		for _, b := range o.objects("Branches") {
			st.Branches = append(st.Branches, d.machine(b, false))
		}
		if len(st.Branches) == 0 {
			o.addf("Branches must hold at least one branch")
		}
	case TypeMap:
		d.mapState(o, st)
	case TypeFail:
		d.fail(o, st)
	}
	if o.has("Retry") || o.has("Catch") {
		d.retryCatch(o, st)
	}
	return st
}

// flow reads Next and End: exactly one must be given.
func (d *decoder) flow(o object, st *State) {
	st.Next = o.str("Next")
	o.decode("End", "a boolean", &st.End)
	switch {
	case st.Next != "" && st.End:
		o.addf("only one of Next and End may be given")
	case st.Next == "" && !st.End:
		o.addf("Next or \"End\": true is required")
	}
}

func (d *decoder) task(o object, st *State) {
	st.Resource = o.requiredStr("Resource")
	o.exclusive("TimeoutSeconds", "TimeoutSecondsPath")
	o.exclusive("HeartbeatSeconds", "HeartbeatSecondsPath")
	st.TimeoutSeconds, _ = o.integer("TimeoutSeconds", 1)
	st.TimeoutSecondsPath = o.path("TimeoutSecondsPath")
	st.HeartbeatSeconds, _ = o.integer("HeartbeatSeconds", 1)
	st.HeartbeatSecondsPath = o.path("HeartbeatSecondsPath")
	if st.HeartbeatSeconds > 0 && st.TimeoutSeconds > 0 && st.HeartbeatSeconds >= st.TimeoutSeconds {
		o.addf("HeartbeatSeconds (%d) must be smaller than TimeoutSeconds (%d)", st.HeartbeatSeconds, st.TimeoutSeconds)
	}
}

func (d *decoder) wait(o object, st *State) {
	keys := []string{"Seconds", "SecondsPath", "Timestamp", "TimestampPath"}
	o.exclusive(keys...)
	if !slices.ContainsFunc(keys, o.has) {
		o.addf("one of Seconds, SecondsPath, Timestamp and TimestampPath is required")
	}
	if s, ok := o.integer("Seconds", 0); ok {
		st.Seconds = &s
	}
	st.SecondsPath = o.path("SecondsPath")
	st.Timestamp = o.timestamp("Timestamp")
	st.TimestampPath = o.path("TimestampPath")
}

func (d *decoder) mapState(o object, st *State) {
	o.exclusive("ItemProcessor", "Iterator")
	o.exclusive("ItemSelector", "Parameters")
	o.exclusive("MaxConcurrency", "MaxConcurrencyPath")
	for _, key := range []string{"ItemProcessor", "Iterator"} {
		if o.has(key) {
			if proc, ok := newObject(o.where+"."+key, o.m[key], o.p); ok {
				st.ItemProcessor = d.machine(proc, false)
			}
		}
	}
	if st.ItemProcessor == nil && !o.has("ItemProcessor") && !o.has("Iterator") {
		o.addf("ItemProcessor is required")
	}
	st.ItemsPath = o.path("ItemsPath")
	st.ItemSelector = o.template("ItemSelector")
	if st.ItemSelector == nil {
		st.ItemSelector = o.template("Parameters")
	}
	st.MaxConcurrency, _ = o.integer("MaxConcurrency", 0)
	st.MaxConcurrencyPath = o.path("MaxConcurrencyPath")
}

func (d *decoder) fail(o object, st *State) {
	o.exclusive("Error", "ErrorPath")
	o.exclusive("Cause", "CausePath")
	st.Error, st.Cause = o.str("Error"), o.str("Cause")
	st.ErrorPath, st.CausePath = o.expr("ErrorPath"), o.expr("CausePath")
}

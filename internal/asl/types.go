package asl

import (
	"time"

	"geusemaker/internal/asl/jsonpath"
)

// StateMachine is a parsed definition, or one branch of a Parallel state, or
// the item processor of a Map state.
type StateMachine struct {
	Comment string
	StartAt string
	States  map[string]*State
	// TimeoutSeconds bounds the whole execution; 0 means no limit. Only the
	// top-level machine has one.
	TimeoutSeconds int
}

// PathField is an optional path field. When absent (Path nil, Null false)
// it means `$`; Null records an explicit JSON null, which means "{}" for
// InputPath and OutputPath and "discard the result" for ResultPath.
type PathField struct {
	Path *jsonpath.Path
	Null bool
}

// State is one state. Which fields are set depends on Type; the parser
// rejects fields that do not belong to the type.
type State struct {
	Name    string
	Type    StateType
	Comment string
	Next    string
	End     bool

	// Input and output processing.
	InputPath      PathField
	Parameters     *jsonpath.Template // Task, Pass, Parallel
	ResultSelector *jsonpath.Template // Task, Parallel, Map
	ResultPath     PathField
	OutputPath     PathField

	// Pass.
	Result    any
	HasResult bool

	// Task.
	Resource             string
	TimeoutSeconds       int
	TimeoutSecondsPath   *jsonpath.Path
	HeartbeatSeconds     int
	HeartbeatSecondsPath *jsonpath.Path

	// Task, Parallel, Map.
	Retry []*Retrier
	Catch []*Catcher

	// Wait: exactly one of the four is set.
	Seconds       *int
	SecondsPath   *jsonpath.Path
	Timestamp     *time.Time
	TimestampPath *jsonpath.Path

	// Choice.
	Choices []*ChoiceRule
	Default string

	// Parallel.
	Branches []*StateMachine

	// Map. ItemSelector also holds the older Parameters field of a Map;
	// ItemProcessor also holds the older Iterator.
	ItemsPath          *jsonpath.Path
	ItemSelector       *jsonpath.Template
	ItemProcessor      *StateMachine
	MaxConcurrency     int
	MaxConcurrencyPath *jsonpath.Path

	// Fail. ErrorPath and CausePath may be paths or intrinsic functions.
	Error     string
	ErrorPath jsonpath.Expr
	Cause     string
	CausePath jsonpath.Expr
}

// Retrier is one element of a Retry field, with the spec's defaults filled in.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds int     // default 1
	MaxAttempts     int     // default 3; 0 never retries
	BackoffRate     float64 // default 2.0
	MaxDelaySeconds int     // 0 means no cap
	JitterStrategy  string  // JitterNone (default) or JitterFull
}

// Jitter strategies of a Retrier.
const (
	JitterNone = "NONE"
	JitterFull = "FULL"
)

// Catcher is one element of a Catch field.
type Catcher struct {
	ErrorEquals []string
	ResultPath  PathField
	Next        string
}

// ChoiceRule is a Choice rule: a comparison (Variable, Operator and either
// Value or ValuePath), or a combination (And, Or, Not). Top-level rules
// have a Next.
type ChoiceRule struct {
	Variable *jsonpath.Path
	// Operator is the comparison without its "Path" suffix, e.g.
	// "NumericLessThan" for both NumericLessThan and NumericLessThanPath.
	Operator string
	// Value is the literal operand: a string (String* and StringMatches),
	// float64 (Numeric*), bool (BooleanEquals and the Is* tests) or
	// time.Time (Timestamp*).
	Value any
	// ValuePath is the operand of a ...Path comparison.
	ValuePath *jsonpath.Path

	And []*ChoiceRule
	Or  []*ChoiceRule
	Not *ChoiceRule

	Next string
}

package asl

import (
	"maps"
	"slices"
	"strings"
)

// Operand kinds of the comparison operators.
const (
	operandString    = "a string"
	operandNumber    = "a number"
	operandBool      = "a boolean"
	operandTimestamp = "a timestamp"
)

// comparisons maps each comparison operator to the kind of its literal
// operand, and says whether a ...Path variant exists.
var comparisons = map[string]struct {
	operand  string
	pathForm bool
}{
	"StringEquals":               {operandString, true},
	"StringLessThan":             {operandString, true},
	"StringGreaterThan":          {operandString, true},
	"StringLessThanEquals":       {operandString, true},
	"StringGreaterThanEquals":    {operandString, true},
	"StringMatches":              {operandString, false},
	"NumericEquals":              {operandNumber, true},
	"NumericLessThan":            {operandNumber, true},
	"NumericGreaterThan":         {operandNumber, true},
	"NumericLessThanEquals":      {operandNumber, true},
	"NumericGreaterThanEquals":   {operandNumber, true},
	"BooleanEquals":              {operandBool, true},
	"TimestampEquals":            {operandTimestamp, true},
	"TimestampLessThan":          {operandTimestamp, true},
	"TimestampGreaterThan":       {operandTimestamp, true},
	"TimestampLessThanEquals":    {operandTimestamp, true},
	"TimestampGreaterThanEquals": {operandTimestamp, true},
	"IsNull":                     {operandBool, false},
	"IsPresent":                  {operandBool, false},
	"IsNumeric":                  {operandBool, false},
	"IsString":                   {operandBool, false},
	"IsBoolean":                  {operandBool, false},
	"IsTimestamp":                {operandBool, false},
}

func (d *decoder) choice(o object, st *State) {
	st.Default = o.str("Default")
	for _, r := range o.objects("Choices") {
		st.Choices = append(st.Choices, choiceRule(r, true))
	}
	if len(st.Choices) == 0 {
		o.addf("Choices must hold at least one rule")
	}
}

// choiceRule reads a rule; top-level rules need a Next, nested ones must
// not have one.
func choiceRule(o object, top bool) *ChoiceRule {
	r := &ChoiceRule{}
	if top {
		r.Next = o.requiredStr("Next")
	} else if o.has("Next") {
		o.addf("a nested rule must not have Next")
	}
	var ops []string
	for _, k := range slices.Sorted(maps.Keys(o.m)) {
		switch k {
		case "Next", "Comment", "Variable":
		default:
			ops = append(ops, k)
		}
	}
	if len(ops) != 1 {
		o.addf("a rule needs exactly one operator, got %d (%s)", len(ops), strings.Join(ops, ", "))
		return r
	}
	op := ops[0]
	switch op {
	case "And", "Or":
		if o.has("Variable") {
			o.addf("%s must not have a Variable", op)
		}
		var subs []*ChoiceRule
		for _, sub := range o.objects(op) {
			subs = append(subs, choiceRule(sub, false))
		}
		if len(subs) == 0 {
			o.addf("%s must hold at least one rule", op)
		}
		if op == "And" {
			r.And = subs
		} else {
			r.Or = subs
		}
		return r
	case "Not":
		if sub, ok := newObject(o.where+".Not", o.m["Not"], o.p); ok {
			r.Not = choiceRule(sub, false)
		}
		return r
	}
	r.Variable = o.path("Variable")
	if r.Variable == nil {
		o.addf("Variable is required for %s", op)
	}
	comparison(o, r, op)
	return r
}

// comparison reads the operator op and its operand into r.
func comparison(o object, r *ChoiceRule, op string) {
	base, isPath := strings.CutSuffix(op, "Path")
	spec, ok := comparisons[base]
	if !ok || (isPath && !spec.pathForm) {
		spec, ok = comparisons[op]
		base, isPath = op, false
	}
	if !ok {
		o.addf("unknown comparison operator %q", op)
		return
	}
	r.Operator = base
	if isPath {
		r.ValuePath = o.path(op)
		return
	}
	switch spec.operand {
	case operandString:
		var s string
		o.decode(op, operandString, &s)
		r.Value = s
	case operandNumber:
		if n, ok := o.number(op); ok {
			f, _ := n.Float64()
			r.Value = f
		}
	case operandBool:
		var b bool
		o.decode(op, operandBool, &b)
		r.Value = b
	case operandTimestamp:
		if t := o.timestamp(op); t != nil {
			r.Value = *t
		}
	}
}

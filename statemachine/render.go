package statemachine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"geusemaker/internal/contract"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/jsii-runtime-go"
)

// Definition is a workflow and the file its ASL is committed in.
type Definition struct {
	// File is the file name, e.g. "deploy.asl.json".
	File string
	// Build builds the workflow.
	Build Builder
}

// Definitions returns every committed workflow.
func Definitions() []Definition {
	return []Definition{
		{File: "deploy.asl.json", Build: Deploy},
		{File: "destroy.asl.json", Build: Destroy},
		{File: "watch.asl.json", Build: Watch},
		{File: "starter.asl.json", Build: Starter},
	}
}

// Placeholder targets: valid ARNs (CDK parses them) whose last part carries
// the placeholder name after a marker; rendering turns each whole ARN into
// ${Name}. The account and region are fixed so that CDK renders literals.
const (
	marker         = "GEUSEMAKERPLACEHOLDER"
	renderAccount  = "123456789012"
	renderRegion   = "us-east-1"
	renderArnStart = "arn:aws:"
)

var placeholderARN = regexp.MustCompile(`"arn:[^"]*` + marker + `(\w+)"`)

func placeholderTargets(stack awscdk.Stack) *Targets {
	t := &Targets{Functions: map[string]awslambda.IFunction{}}
	for _, name := range contract.Lambdas() {
		t.Functions[name] = awslambda.Function_FromFunctionAttributes(stack, jsii.String("Fn"+name), &awslambda.FunctionAttributes{
			FunctionArn:     jsii.String(fmt.Sprintf("%slambda:%s:%s:function:%s%s", renderArnStart, renderRegion, renderAccount, marker, contract.FunctionPlaceholder(name))),
			SameEnvironment: jsii.Bool(true),
		})
	}
	t.Bus = awsevents.EventBus_FromEventBusName(stack, jsii.String("Bus"), jsii.String(marker+contract.EventBusPlaceholder))
	sm := func(name string) sfn.IStateMachine {
		return sfn.StateMachine_FromStateMachineArn(stack, jsii.String(name), jsii.String(
			fmt.Sprintf("%sstates:%s:%s:stateMachine:%s%s", renderArnStart, renderRegion, renderAccount, marker, name)))
	}
	t.Watch, t.Deploy = sm(contract.WatchPlaceholder), sm(contract.DeployPlaceholder)
	return t
}

// RenderASL builds a workflow in a throwaway CDK app against placeholder
// targets and returns its ASL: indented, keys sorted, every Lambda, bus and
// state machine ARN a ${Name} placeholder (see contract.Placeholders).
func RenderASL(build Builder) ([]byte, error) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Asl"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String(renderAccount), Region: jsii.String(renderRegion)},
	})
	chain := build(stack, placeholderTargets(stack))
	graph := sfn.NewStateGraph(chain.StartState(), jsii.String("definition"))
	// Serialize on the JavaScript side: jsii drops null values on their way
	// to Go, and "ResultPath": null (discard the result) must survive.
	resolved := stack.Resolve(stack.ToJsonString(graph.ToGraphJson(sfn.QueryLanguage_JSON_PATH), nil))
	lit, err := literal(resolved)
	if err != nil {
		return nil, fmt.Errorf("render ASL: %w", err)
	}
	text, ok := lit.(string)
	if !ok {
		return nil, fmt.Errorf("render ASL: definition rendered as %T, want a JSON string", lit)
	}
	raw := []byte(text)
	raw = placeholderARN.ReplaceAllFunc(raw, func(m []byte) []byte {
		name := placeholderARN.FindSubmatch(m)[1]
		return []byte(`"` + contract.Placeholder(string(name)) + `"`)
	})
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("render ASL: %w", err)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("render ASL: %w", err)
	}
	return out.Bytes(), nil
}

// WriteASL regenerates every committed definition in dir.
func WriteASL(dir string) error {
	for _, d := range Definitions() {
		asl, err := RenderASL(d.Build)
		if err != nil {
			return fmt.Errorf("%s: %w", d.File, err)
		}
		if err := os.WriteFile(filepath.Join(dir, d.File), asl, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", d.File, err)
		}
	}
	return nil
}

// pseudo holds the values of the pseudo parameters a definition rendered
// for the fixed account and region may still refer to (CDK keeps the
// partition a token: it writes "arn:${AWS::Partition}:states:::..." for
// service integrations and formatted ARNs).
var pseudo = map[string]string{
	"AWS::Partition": "aws",
	"AWS::Region":    renderRegion,
	"AWS::AccountId": renderAccount,
	"AWS::URLSuffix": "amazonaws.com",
}

// literal evaluates the CloudFormation functions left in a resolved
// definition (Fn::Join and Ref of a pseudo parameter) into plain strings.
func literal(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var err error
			if out[i], err = literal(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		if ref, ok := x["Ref"].(string); ok && len(x) == 1 {
			if val, ok := pseudo[ref]; ok {
				return val, nil
			}
			return nil, fmt.Errorf("unresolved reference %q", ref)
		}
		if join, ok := x["Fn::Join"]; ok && len(x) == 1 {
			return joined(join)
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			if strings.HasPrefix(k, "Fn::") {
				return nil, fmt.Errorf("unsupported CloudFormation function %s", k)
			}
			var err error
			if out[k], err = literal(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

// joined evaluates the arguments of Fn::Join: [separator, [parts...]].
func joined(arg any) (any, error) {
	args, ok := arg.([]any)
	if !ok || len(args) != 2 {
		return nil, errors.New("malformed Fn::Join")
	}
	sep, ok := args[0].(string)
	parts, ok2 := args[1].([]any)
	if !ok || !ok2 {
		return nil, errors.New("malformed Fn::Join")
	}
	strs := make([]string, len(parts))
	for i, p := range parts {
		v, err := literal(p)
		if err != nil {
			return nil, err
		}
		if strs[i], ok = v.(string); !ok {
			return nil, fmt.Errorf("Fn::Join part %v is not a string", v)
		}
	}
	return strings.Join(strs, sep), nil
}

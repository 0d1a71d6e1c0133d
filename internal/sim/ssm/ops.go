package ssm

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"geusemaker/internal/sim/account"
)

// maxGetParametersNames is AWS's limit on names per GetParameters call.
const maxGetParametersNames = 10

func (m *Model) parameter(region, name string) (types.Parameter, bool) {
	value, ok := PublicAMI(region, name)
	if !ok {
		return types.Parameter{}, false
	}
	return types.Parameter{
		Name: aws.String(name),
		// Public parameters live in no account: the ARN has none.
		ARN:              aws.String(fmt.Sprintf("arn:%s:ssm:%s::parameter%s", account.PartitionOf(region), region, name)),
		Type:             types.ParameterTypeString,
		DataType:         aws.String("text"),
		Value:            aws.String(value),
		Version:          1,
		LastModifiedDate: aws.Time(account.Epoch),
	}, true
}

func (m *Model) getParameter(ctx context.Context, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
	name := aws.ToString(in.Name)
	p, ok := m.parameter(account.Region(ctx), name)
	if !ok {
		return nil, errParameterNotFound(name)
	}
	return &ssm.GetParameterOutput{Parameter: &p}, nil
}

// getParameters lists unknown names in InvalidParameters instead of failing.
func (m *Model) getParameters(ctx context.Context, in *ssm.GetParametersInput) (*ssm.GetParametersOutput, error) {
	if len(in.Names) > maxGetParametersNames {
		return nil, account.APIError("ValidationException", fmt.Sprintf(
			"1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to %d", maxGetParametersNames))
	}
	out := &ssm.GetParametersOutput{}
	for _, name := range in.Names {
		if p, ok := m.parameter(account.Region(ctx), name); ok {
			out.Parameters = append(out.Parameters, p)
		} else {
			out.InvalidParameters = append(out.InvalidParameters, name)
		}
	}
	return out, nil
}

func (m *Model) sendCommand(ctx context.Context, in *ssm.SendCommandInput) (*ssm.SendCommandOutput, error) {
	doc := aws.ToString(in.DocumentName)
	script, own := m.documents[doc]
	if doc != documentRunShellScript && !own {
		return nil, errInvalidDocument(doc)
	}
	if len(in.InstanceIds) == 0 {
		return nil, errInvalidParameters("SendCommand needs InstanceIds: targeting by tag is not modeled")
	}
	if own && len(in.Parameters) > 0 {
		return nil, errInvalidParameters("document " + doc + " takes no parameters")
	}
	if !own {
		commands := in.Parameters["commands"]
		if len(commands) == 0 {
			return nil, errInvalidParameters(`Parameter "commands" is required by document AWS-RunShellScript`)
		}
		script = strings.Join(commands, "\n")
	}
	now := m.w.Now()
	var offline []string
	for _, id := range in.InstanceIds {
		if !m.agentOnline(id, now) {
			offline = append(offline, id)
		}
	}
	if len(offline) > 0 {
		return nil, errInvalidInstanceID(offline)
	}
	id := m.newCommandID()
	for _, inst := range in.InstanceIds {
		m.invocations[invocationKey(id, inst)] = &invocation{
			commandID: id, instanceID: inst, region: account.Region(ctx), document: doc,
			script: script, sentAt: now, comment: aws.ToString(in.Comment),
		}
	}
	return &ssm.SendCommandOutput{Command: &types.Command{
		CommandId:         aws.String(id),
		DocumentName:      aws.String(doc),
		Comment:           in.Comment,
		InstanceIds:       in.InstanceIds,
		Parameters:        in.Parameters,
		RequestedDateTime: aws.Time(now),
		Status:            types.CommandStatusPending,
		StatusDetails:     aws.String("Pending"),
		TargetCount:       int32(len(in.InstanceIds)),
		TimeoutSeconds:    in.TimeoutSeconds,
	}}, nil
}

func (m *Model) getCommandInvocation(ctx context.Context, in *ssm.GetCommandInvocationInput) (*ssm.GetCommandInvocationOutput, error) {
	inv, ok := m.invocations[invocationKey(aws.ToString(in.CommandId), aws.ToString(in.InstanceId))]
	now := m.w.Now()
	// Quirk: right after SendCommand the invocation is not yet visible, for
	// about a second or two; AWS answers InvocationDoesNotExist meanwhile.
	if !ok || inv.region != account.Region(ctx) ||
		now.Before(inv.sentAt.Add(m.w.Latency(LatencyInvocationVisible, defaultInvocationVisible))) {
		return nil, errInvocationDoesNotExist()
	}
	r := m.resultAt(inv, now)
	return &ssm.GetCommandInvocationOutput{
		CommandId:             aws.String(inv.commandID),
		InstanceId:            aws.String(inv.instanceID),
		Comment:               aws.String(inv.comment),
		DocumentName:          aws.String(inv.document),
		PluginName:            aws.String("aws:runShellScript"),
		Status:                types.CommandInvocationStatus(r.status),
		StatusDetails:         aws.String(r.details),
		ResponseCode:          r.code,
		StandardOutputContent: aws.String(r.stdout),
		StandardErrorContent:  aws.String(r.stderr),
	}, nil
}

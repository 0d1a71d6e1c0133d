// Package ssm simulates the parts of AWS Systems Manager GeuseMaker uses:
// the public AMI parameters (GetParameter, GetParameters) the compute step
// resolves images from, and Run Command (SendCommand, GetCommandInvocation)
// with the agent registration delay and the invocation visibility lag that
// make polling it tricky. A command running nvidia-smi answers from the
// instance's GPUs, so the post-launch GPU check can fail as it does on AWS.
//
// It imports account and the SDK's SSM types; never steps or engine.
package ssm

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"geusemaker/internal/sim/account"
)

const accountID = account.AccountID

// Public parameters seeded in every region. Names were checked against AWS
// documentation: Amazon Linux 2023 (EC2 user guide), Canonical's Ubuntu
// parameters (.../ubuntu/server/<release>/stable/current/<arch>/hvm/<volume>/ami-id,
// ebs-gp2 for 22.04, ebs-gp3 for 24.04), and the Deep Learning AMI format
// /aws/service/deeplearning/ami/<arch>/<ami-type>/latest/ami-id, where
// ami-type is the AMI's name without "Deep Learning" and "AMI" ("Deep
// Learning Base OSS Nvidia Driver GPU AMI (Amazon Linux 2023)"). Only
// DLAMIs AWS publishes release notes for are seeded: there is no arm64
// Ubuntu 22.04 one.
const (
	// ParamAL2023x86 is the latest Amazon Linux 2023 AMI for x86_64.
	ParamAL2023x86 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
	// ParamAL2023arm is the latest Amazon Linux 2023 AMI for arm64.
	ParamAL2023arm = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
	// ParamUbuntu2204 is the latest Ubuntu 22.04 server AMI for amd64.
	ParamUbuntu2204 = "/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id"
	// ParamUbuntu2204arm is the latest Ubuntu 22.04 server AMI for arm64.
	ParamUbuntu2204arm = "/aws/service/canonical/ubuntu/server/22.04/stable/current/arm64/hvm/ebs-gp2/ami-id"
	// ParamUbuntu2404 is the latest Ubuntu 24.04 server AMI for amd64.
	ParamUbuntu2404 = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"
	// ParamUbuntu2404arm is the latest Ubuntu 24.04 server AMI for arm64.
	ParamUbuntu2404arm = "/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id"
	// ParamDLAMIAL2023 is the Deep Learning Base OSS Nvidia Driver GPU AMI
	// (Amazon Linux 2023) for x86_64.
	ParamDLAMIAL2023 = "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id"
	// ParamDLAMIAL2023arm is its arm64 sibling (Graviton GPU types, g5g).
	ParamDLAMIAL2023arm = "/aws/service/deeplearning/ami/arm64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id"
	// ParamDLAMIUbuntu2204 is the Deep Learning Base OSS Nvidia Driver GPU
	// AMI (Ubuntu 22.04) for x86_64.
	ParamDLAMIUbuntu2204 = "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id"
	// ParamDLAMIUbuntu2404 is the Deep Learning Base OSS Nvidia Driver GPU
	// AMI (Ubuntu 24.04) for x86_64.
	ParamDLAMIUbuntu2404 = "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id"
	// ParamDLAMIUbuntu2404arm is its arm64 sibling.
	ParamDLAMIUbuntu2404arm = "/aws/service/deeplearning/ami/arm64/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id"
)

// PublicParameters lists the seeded parameter names.
func PublicParameters() []string { return append([]string(nil), publicParams...) }

var publicParams = []string{
	ParamAL2023x86, ParamAL2023arm,
	ParamUbuntu2204, ParamUbuntu2204arm, ParamUbuntu2404, ParamUbuntu2404arm,
	ParamDLAMIAL2023, ParamDLAMIAL2023arm, ParamDLAMIUbuntu2204, ParamDLAMIUbuntu2404, ParamDLAMIUbuntu2404arm,
}

// PublicAMI returns the AMI id the public parameter name holds in region,
// and whether the parameter exists. The id is derived from both, so every
// region has its own images, as on AWS.
func PublicAMI(region, name string) (string, bool) {
	for _, p := range publicParams {
		if p == name {
			sum := sha256.Sum256([]byte(region + "\x00" + name))
			return "ami-" + hex.EncodeToString(sum[:])[:17], true
		}
	}
	return "", false
}

// documentRunShellScript is AWS's document that runs its "commands"
// parameter; the account's own documents (PlantDocument) run their
// aws:runShellScript steps' runCommand.
const documentRunShellScript = "AWS-RunShellScript"

// Model is the simulated Systems Manager of one account.
type Model struct {
	w           *account.Account
	invocations map[string]*invocation // by command id + "/" + instance id
	commands    int
	// seenRunning records when the model first saw each instance running.
	// account.Instance carries no launch time, so the agent's registration
	// delay counts from then (at the latest, the first SendCommand).
	seenRunning map[string]time.Time
	// documents are the account's own Command documents: their script.
	documents map[string]string
}

// PlantDocument creates a Command document (schema 2.2) as the account's
// owner (a stack) would have, keeping the runCommand lines of its
// aws:runShellScript steps as its script.
func (m *Model) PlantDocument(name, content string) error {
	var doc struct {
		MainSteps []struct {
			Action string
			Inputs struct{ RunCommand []string }
		}
	}
	if err := json.Unmarshal([]byte(content), &doc); err != nil {
		return fmt.Errorf("document %s: %w", name, err)
	}
	var lines []string
	for _, s := range doc.MainSteps {
		if s.Action != "aws:runShellScript" {
			return fmt.Errorf("document %s: step action %s is not modeled", name, s.Action)
		}
		lines = append(lines, s.Inputs.RunCommand...)
	}
	m.w.Do(func() { m.documents[name] = strings.Join(lines, "\n") })
	return nil
}

// invocation is one command on one instance.
type invocation struct {
	commandID  string
	instanceID string
	region     string
	document   string
	script     string
	sentAt     time.Time
	comment    string
}

// Register adds the simulated SSM to w.
func Register(w *account.Account) *Model {
	m := &Model{w: w, invocations: map[string]*invocation{}, seenRunning: map[string]time.Time{}, documents: map[string]string{}}
	w.Register(m)
	return m
}

// ServiceID is the SDK's service id.
func (m *Model) ServiceID() string { return "SSM" }

// Operations maps SSM operation names to handlers.
func (m *Model) Operations() map[string]account.Handler {
	return map[string]account.Handler{
		"GetParameter":         account.Op(m.getParameter),
		"GetParameters":        account.Op(m.getParameters),
		"SendCommand":          account.Op(m.sendCommand),
		"GetCommandInvocation": account.Op(m.getCommandInvocation),
	}
}

// Inventory is empty: parameters are AWS's and commands are not resources
// a deployment must clean up.
func (m *Model) Inventory(time.Time) []account.Resource { return nil }

// agentOnline reports whether the instance is running with its SSM agent
// registered at now. Callers hold the account's lock.
func (m *Model) agentOnline(id string, now time.Time) bool {
	if m.w.Network == nil {
		return false
	}
	inst, ok := m.w.Network.Instance(id)
	if !ok || inst.State != stateRunning {
		return false
	}
	seen, ok := m.seenRunning[id]
	if !ok {
		seen = now
		m.seenRunning[id] = now
	}
	return !now.Before(seen.Add(m.w.Latency(LatencyAgent, defaultAgent)))
}

const stateRunning = "running"

// newCommandID returns a deterministic command id in AWS's UUID shape.
func (m *Model) newCommandID() string {
	m.commands++
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", m.commands, m.commands)
}

func invocationKey(commandID, instanceID string) string { return commandID + "/" + instanceID }

// result is what an invocation reports at a moment.
type result struct {
	status  string // a types.CommandInvocationStatus value
	details string
	code    int32
	stdout  string
	stderr  string
}

// Exit code and message of nvidia-smi when no GPU answers the driver.
const (
	nvidiaSMIFailCode = 9
	nvidiaSMIFailMsg  = "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n"
)

// resultAt evaluates an invocation at now. Callers hold the account's lock.
func (m *Model) resultAt(inv *invocation, now time.Time) result {
	if now.Before(inv.sentAt.Add(m.w.Latency(LatencyCommand, defaultCommand))) {
		return result{status: "InProgress", details: "InProgress", code: -1}
	}
	inst, ok := m.w.Network.Instance(inv.instanceID)
	if !ok || inst.State != stateRunning {
		// The instance went away before the command finished.
		return result{status: "Failed", details: "Undeliverable", code: -1}
	}
	if !strings.Contains(inv.script, "nvidia-smi") {
		return result{status: "Success", details: "Success"}
	}
	if inst.GPUs == 0 {
		return result{status: "Failed", details: "Failed", code: nvidiaSMIFailCode, stderr: nvidiaSMIFailMsg}
	}
	return result{status: "Success", details: "Success", stdout: strings.Repeat(gpuName(inst.Type)+"\n", inst.GPUs)}
}

// gpuNames is the GPU each family carries, as nvidia-smi names it.
var gpuNames = map[string]string{
	"g4dn": "Tesla T4",
	"g5":   "NVIDIA A10G",
	"g5g":  "NVIDIA T4G",
	"g6":   "NVIDIA L4",
	"g6e":  "NVIDIA L40S",
	"p3":   "Tesla V100-SXM2-16GB",
	"p4d":  "NVIDIA A100-SXM4-40GB",
	"p4de": "NVIDIA A100-SXM4-80GB",
	"p5":   "NVIDIA H100 80GB HBM3",
	"p5e":  "NVIDIA H200",
}

func gpuName(instanceType string) string {
	family, _, _ := strings.Cut(instanceType, ".")
	if n, ok := gpuNames[family]; ok {
		return n
	}
	return "NVIDIA GPU"
}

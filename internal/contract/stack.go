package contract

import "encoding/json"

// What the backend's stack creates for the steps: the instance roles'
// permissions boundary and the GPU check document. The stack (infra)
// creates them from these definitions; the iam and compute steps
// find them by these names.

// PolicyDocument is an IAM policy document, as the backend writes them.
type PolicyDocument struct {
	Version   string
	Statement []Statement
}

// Statement is one statement of a PolicyDocument.
type Statement struct {
	Sid       string `json:",omitempty"`
	Effect    string
	Principal map[string]string `json:",omitempty"`
	Action    []string
	Resource  string `json:",omitempty"`
}

// PolicyVersion is the IAM policy language version.
const PolicyVersion = "2012-10-17"

// MustJSON is the document as IAM takes it.
func MustJSON(v PolicyDocument) string {
	b, err := json.Marshal(v)
	if err != nil { // a struct of strings always marshals
		panic(err)
	}
	return string(b)
}

// The permissions boundary of every instance role. The backend's stack
// creates it (infra/stack), and the iam Lambda may create a role, or
// change a role's policies, only with this boundary on it: whoever holds
// that Lambda's credentials can mint no role with more than an instance
// needs. An IAM policy name is account-wide, so the name carries the
// region of the backend that owns it.
const BoundaryPath = "/geusemaker/"

// BoundaryName is the boundary policy's name in region.
func BoundaryName(region string) string { return "GeuseMakerInstanceBoundary-" + region }

// BoundaryDocument is the most an instance role may ever do: read
// GeuseMaker secrets, be a Systems Manager managed instance (Run Command,
// Session Manager), and be an EFS client. The role's own policies narrow
// it to its deployment's secret and file system.
func BoundaryDocument(partition string) string {
	return MustJSON(PolicyDocument{Version: PolicyVersion, Statement: []Statement{
		{Sid: "ReadGeuseMakerSecrets", Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"},
			Resource: "arn:" + partition + ":secretsmanager:*:*:secret:geusemaker/*"},
		// The actions of AmazonSSMManagedInstanceCore.
		{Sid: "ManagedInstance", Effect: "Allow", Resource: "*", Action: []string{
			"ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetDocument",
			"ssm:DescribeDocument", "ssm:GetManifest", "ssm:GetParameter", "ssm:GetParameters",
			"ssm:ListAssociations", "ssm:ListInstanceAssociations", "ssm:PutInventory", "ssm:PutComplianceItems",
			"ssm:PutConfigurePackageResult", "ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus",
			"ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
			"ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel", "ec2messages:AcknowledgeMessage",
			"ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint",
			"ec2messages:GetMessages", "ec2messages:SendReply",
		}},
		{Sid: "EFSClient", Effect: "Allow", Resource: "arn:" + partition + ":elasticfilesystem:*:*:file-system/*", Action: []string{
			"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", "elasticfilesystem:DescribeMountTargets",
		}},
	}})
}

// GPUQuery lists one line per GPU the driver sees.
const GPUQuery = "nvidia-smi --query-gpu=name --format=csv,noheader"

// GPUCheckDocument is the Systems Manager document the backend's stack
// creates: it runs the GPU query and nothing else, so the compute Lambda
// needs no permission to run arbitrary shell on instances
// (AWS-RunShellScript). An account without the backend (the local engine
// on AWS) lacks it: the step then runs the same query through
// AWS-RunShellScript, with the caller's own permissions.
const GPUCheckDocument = "GeuseMaker-GpuCheck"

// GPUCheckDocumentContent is that document (schema 2.2, one step).
func GPUCheckDocumentContent() string {
	b, _ := json.Marshal(map[string]any{ // a map of strings and slices always marshals
		"schemaVersion": "2.2",
		"description":   "GeuseMaker: list the instance's NVIDIA GPUs (nvidia-smi), nothing else.",
		"mainSteps": []map[string]any{{
			"action": "aws:runShellScript", "name": "gpuQuery",
			"inputs": map[string]any{"runCommand": []string{GPUQuery}, "timeoutSeconds": "60"},
		}},
	})
	return string(b)
}

package stack

import (
	awsiam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"

	"geusemaker/internal/contract"
)

// computePolicy is what the compute Lambda may do.
func computePolicy(p patterns) []awsiam.PolicyStatement {
	return []awsiam.PolicyStatement{
		reads("ec2:DescribeInstances", "ec2:DescribeInstanceTypes",
			"ec2:DescribeInstanceTypeOfferings", "ec2:DescribeImages", "ec2:DescribeSubnets",
			"ssm:GetCommandInvocation"),
		// A backstop to what the step asks: an instance only with IMDSv2
		// and hop limit 1, a volume only encrypted (RunInstances'
		// condition keys, Service Authorization Reference for EC2).
		statement([]string{"ec2:RunInstances"}, p.ec2("instance"), merge(requestTagged, map[string]any{
			"StringEquals":          map[string]any{"ec2:MetadataHttpTokens": "required"},
			"NumericLessThanEquals": map[string]any{"ec2:MetadataHttpPutResponseHopLimit": 1},
		})),
		statement([]string{"ec2:RunInstances"}, p.ec2("volume"), merge(requestTagged, map[string]any{
			"Bool": map[string]any{"ec2:Encrypted": "true"},
		})),
		// RunInstances also names the image (anyone's), subnet, groups,
		// key pair and a new ENI.
		statement([]string{"ec2:RunInstances"}, append(p.ec2("subnet", "security-group", "key-pair", "network-interface"),
			p.public("ec2", "image/*")), nil),
		statement([]string{"ec2:TerminateInstances"}, p.ec2("instance"), resourceTagged),
		tagOnCreate("ec2:CreateTags", "ec2:CreateAction", p.ec2("instance", "volume", "network-interface"), "RunInstances"),
		statement([]string{"iam:PassRole"}, []string{p.instanceRole},
			map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}}),
		statement([]string{"iam:GetInstanceProfile"}, []string{p.instanceProfile}, nil),
		statement([]string{"ssm:GetParameter", "ssm:GetParameters"}, []string{p.awsParams}, nil),
		// The GPU check runs the stack's own document, which runs
		// nvidia-smi and nothing else, on the deployment's instances
		// only: no shell of its choosing (AWS-RunShellScript).
		statement([]string{"ssm:SendCommand"}, p.ec2("instance"),
			map[string]any{"Null": map[string]any{"ssm:resourceTag/geusemaker:deployment": "false"}}),
		statement([]string{"ssm:SendCommand"}, []string{p.regional("ssm", "document/"+contract.GPUCheckDocument)}, nil),
		statement([]string{"kms:DescribeKey", "kms:CreateGrant", "kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt"},
			[]string{p.regional("kms", "key/*")}, p.viaService("ec2")),
	}
}

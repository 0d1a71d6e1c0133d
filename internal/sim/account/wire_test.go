package account_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/sim/account"
)

// Injected faults are rendered in each service's wire protocol and read by
// the SDK's own deserializers, so they arrive as the SDK's modeled types.
func TestInjectedFaultsArriveAsTheSDKsModeledTypes(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		protocol string
		fault    account.Fault
		call     func(cfg aws.Config) error
		typed    func(error) bool
	}{
		{"restXml (CloudFront)", account.Fault{Service: "CloudFront", Operation: "GetDistribution", Code: "NoSuchDistribution"},
			func(cfg aws.Config) error {
				_, err := cloudfront.NewFromConfig(cfg).GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String("E1")})
				return err
			},
			func(err error) bool { var e *cftypes.NoSuchDistribution; return assert.ErrorAs(t, err, &e) }},
		{"restXml (Route 53)", account.Fault{Service: "Route 53", Operation: "ChangeResourceRecordSets", Code: "InvalidChangeBatch"},
			func(cfg aws.Config) error {
				_, err := route53.NewFromConfig(cfg).ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
					HostedZoneId: aws.String("Z1"), ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{
						Action: r53types.ChangeActionDelete, ResourceRecordSet: &r53types.ResourceRecordSet{Name: aws.String("x.example.com"), Type: r53types.RRTypeA},
					}}}})
				return err
			},
			func(err error) bool { var e *r53types.InvalidChangeBatch; return assert.ErrorAs(t, err, &e) }},
		{"restJson (EFS)", account.Fault{Service: "EFS", Operation: "DeleteFileSystem", Code: "FileSystemInUse"},
			func(cfg aws.Config) error {
				_, err := efs.NewFromConfig(cfg).DeleteFileSystem(ctx, &efs.DeleteFileSystemInput{FileSystemId: aws.String("fs-1")})
				return err
			},
			func(err error) bool { var e *efstypes.FileSystemInUse; return assert.ErrorAs(t, err, &e) }},
		{"query (IAM)", account.Fault{Service: "IAM", Operation: "GetRole", Code: "NoSuchEntity"},
			func(cfg aws.Config) error {
				_, err := iam.NewFromConfig(cfg).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("r")})
				return err
			},
			func(err error) bool { var e *iamtypes.NoSuchEntityException; return assert.ErrorAs(t, err, &e) }},
		{"query (ELBv2)", account.Fault{Service: "Elastic Load Balancing v2", Operation: "DeleteTargetGroup", Code: "ResourceInUse"},
			func(cfg aws.Config) error {
				_, err := elbv2.NewFromConfig(cfg).DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String("arn")})
				return err
			},
			func(err error) bool { var e *elbtypes.ResourceInUseException; return assert.ErrorAs(t, err, &e) }},
		{"awsJson (SSM)", account.Fault{Service: "SSM", Operation: "GetParameter", Code: "ParameterNotFound"},
			func(cfg aws.Config) error {
				_, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/x")})
				return err
			},
			func(err error) bool { var e *ssmtypes.ParameterNotFound; return assert.ErrorAs(t, err, &e) }},
		{"ec2Query (EC2, codes only)", account.Fault{Service: "EC2", Operation: "DeleteSecurityGroup", Code: "DependencyViolation"},
			func(cfg aws.Config) error {
				_, err := ec2.NewFromConfig(cfg).DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String("sg-1")})
				return err
			},
			func(err error) bool { var e smithy.APIError; return assert.ErrorAs(t, err, &e) }},
	}
	for _, tt := range tests {
		t.Run(tt.protocol, func(t *testing.T) {
			w := account.New(account.WithFault(tt.fault))
			err := tt.call(w.Config("us-east-1"))
			require.Error(t, err)
			assert.True(t, tt.typed(err))
			assert.Equal(t, tt.fault.Code, awsapi.Code(err))
			assert.Equal(t, "00000000-0000-4000-8000-000000000001", awsapi.RequestID(err), "the request id travels as AWS's does")
			calls := w.Calls()
			require.Len(t, calls, 1)
			assert.Equal(t, tt.fault.Code, calls[0].ErrorCode)
		})
	}
}

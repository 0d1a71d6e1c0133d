// Command deployer prints the bus's default deployers for `make deploy`:
// the aws:PrincipalArn patterns of the principal whose credentials deploy
// the stack (the standard chain: AWS_PROFILE, AWS_REGION, ...), comma
// separated, so that by default only that principal may request a
// deployment through EventBridge.
//
//	go run ./cmd/deployer
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"geusemaker/internal/awsapi"
)

func main() {
	ctx := context.Background()
	cfg, err := awsapi.Load(ctx)
	if err == nil {
		var out *sts.GetCallerIdentityOutput
		if out, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil {
			var patterns []string
			if patterns, err = principalPatterns(aws.ToString(out.Arn)); err == nil {
				fmt.Println(strings.Join(patterns, ","))
				return
			}
		}
	}
	fmt.Fprintln(os.Stderr, "deployer: who deploys the stack:", err)
	os.Exit(1)
}

// principalPatterns turns the caller's identity (sts:GetCallerIdentity) into
// the aws:PrincipalArn values its requests carry. A role session's is its
// role's ARN, path included ("AWS global condition context keys", IAM user
// guide), which the session ARN leaves out: a role name is unique in its
// account, so "role/<name>" and "role/*/<name>" match that role alone,
// with or without a path.
func principalPatterns(caller string) ([]string, error) {
	a, err := arn.Parse(caller)
	if err != nil {
		return nil, fmt.Errorf("caller %q: %w", caller, err)
	}
	switch kind, rest, _ := strings.Cut(a.Resource, "/"); {
	case a.Service == "iam" && (kind == "user" || a.Resource == "root"):
		return []string{caller}, nil
	case a.Service == "sts" && kind == "federated-user":
		return []string{caller}, nil
	case a.Service == "sts" && kind == "assumed-role":
		role, _, ok := strings.Cut(rest, "/")
		if !ok || role == "" {
			return nil, fmt.Errorf("caller %q: an assumed role without a session", caller)
		}
		iam := func(resource string) string {
			return arn.ARN{Partition: a.Partition, Service: "iam", AccountID: a.AccountID, Resource: resource}.String()
		}
		return []string{iam("role/" + role), iam("role/*/" + role)}, nil
	}
	return nil, fmt.Errorf("caller %q is not a user, role session, federated user or root", caller)
}

package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTheCallerBecomesThePrincipalArnsItsRequestsCarry(t *testing.T) {
	for _, c := range []struct {
		name, caller string
		want         []string
	}{
		{"a role session names its role, with or without a path", "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0a1b/jane",
			[]string{"arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0a1b", "arn:aws:iam::111122223333:role/*/AWSReservedSSO_Admin_0a1b"}},
		{"the role's partition is kept", "arn:aws-cn:sts::111122223333:assumed-role/Deployer/ci",
			[]string{"arn:aws-cn:iam::111122223333:role/Deployer", "arn:aws-cn:iam::111122223333:role/*/Deployer"}},
		{"a user is itself", "arn:aws:iam::111122223333:user/ops/jane", []string{"arn:aws:iam::111122223333:user/ops/jane"}},
		{"root is itself", "arn:aws:iam::111122223333:root", []string{"arn:aws:iam::111122223333:root"}},
		{"a federated user is itself", "arn:aws:sts::111122223333:federated-user/bob", []string{"arn:aws:sts::111122223333:federated-user/bob"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := principalPatterns(c.caller)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestACallerThatIsNoPrincipalIsRefused(t *testing.T) {
	for _, caller := range []string{"", "not-an-arn", "arn:aws:sts::111122223333:assumed-role/Deployer", "arn:aws:s3:::bucket"} {
		_, err := principalPatterns(caller)
		assert.ErrorContains(t, err, "caller", caller)
	}
}

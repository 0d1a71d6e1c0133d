package secretsmanager

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"geusemaker/internal/sim/account"
)

func (m *Model) createSecret(ctx context.Context, in *sdk.CreateSecretInput) (*sdk.CreateSecretOutput, error) {
	now, region := m.w.Now(), account.Region(ctx)
	name, token := aws.ToString(in.Name), aws.ToString(in.ClientRequestToken)
	switch {
	case len(name) == 0 || len(name) > maxNameLen || !nameRe.MatchString(name):
		return nil, errInvalidParameter("Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!")
	case token != "" && (len(token) < minTokenLen || len(token) > maxTokenLen):
		return nil, errInvalidParameter("ClientRequestToken must be %d to %d characters.", minTokenLen, maxTokenLen)
	case in.SecretString == nil && in.SecretBinary == nil:
		// Allowed by AWS (a secret without a version), but nothing here
		// creates one: refuse it so a step that forgets the value fails.
		return nil, errInvalidParameter("You must provide either SecretString or SecretBinary.")
	case len(aws.ToString(in.SecretString)) > maxSecretBytes:
		return nil, errInvalidParameter("SecretString must be at most %d bytes.", maxSecretBytes)
	case len(in.Tags) > maxTags:
		return nil, errInvalidParameter("A secret can have at most %d tags.", maxTags)
	}
	if s := m.find(region, name, now); s != nil {
		switch {
		case s.deleted(now):
			return nil, errScheduledForDeletion()
		case token != "" && s.token == token && s.value == aws.ToString(in.SecretString):
			// "If a version with this value already exists and the version
			// SecretString and SecretBinary values are the same as those in
			// the request, then the request is ignored."
			return &sdk.CreateSecretOutput{ARN: aws.String(s.arn), Name: aws.String(s.name), VersionId: aws.String(s.token)}, nil
		}
		return nil, errExists(name)
	}
	m.suffix++
	s := &secret{
		arn:         fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s-%s", account.PartitionOf(region), region, account.AccountID, name, suffix(m.suffix)),
		name:        name,
		region:      region,
		description: aws.ToString(in.Description),
		token:       token,
		value:       aws.ToString(in.SecretString),
		created:     now,
		tags:        cloneTags(in.Tags),
	}
	m.secrets[s.arn] = s
	return &sdk.CreateSecretOutput{ARN: aws.String(s.arn), Name: aws.String(name), VersionId: aws.String(token)}, nil
}

// suffix is the six characters Secrets Manager appends to a secret's ARN.
func suffix(n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, arnSuffixLength)
	for i := range b {
		b[len(b)-1-i] = letters[n%len(letters)]
		n /= len(letters)
	}
	return string(b)
}

func (m *Model) describeSecret(ctx context.Context, in *sdk.DescribeSecretInput) (*sdk.DescribeSecretOutput, error) {
	now := m.w.Now()
	s := m.find(account.Region(ctx), aws.ToString(in.SecretId), now)
	if s == nil {
		return nil, errNotFound()
	}
	out := &sdk.DescribeSecretOutput{
		ARN: aws.String(s.arn), Name: aws.String(s.name), Description: aws.String(s.description),
		CreatedDate: aws.Time(s.created), Tags: cloneTags(s.tags),
	}
	if s.deleted(now) {
		out.DeletedDate = aws.Time(s.deletedAt)
	}
	return out, nil
}

func (m *Model) getSecretValue(ctx context.Context, in *sdk.GetSecretValueInput) (*sdk.GetSecretValueOutput, error) {
	now := m.w.Now()
	s := m.find(account.Region(ctx), aws.ToString(in.SecretId), now)
	switch {
	case s == nil:
		return nil, errNotFound()
	case s.deleted(now):
		return nil, errMarkedForDeletion()
	}
	return &sdk.GetSecretValueOutput{
		ARN: aws.String(s.arn), Name: aws.String(s.name), SecretString: aws.String(s.value),
		VersionId: aws.String(s.token), CreatedDate: aws.Time(s.created), VersionStages: []string{"AWSCURRENT"},
	}, nil
}

func (m *Model) deleteSecret(ctx context.Context, in *sdk.DeleteSecretInput) (*sdk.DeleteSecretOutput, error) {
	now := m.w.Now()
	force := aws.ToBool(in.ForceDeleteWithoutRecovery)
	window := aws.ToInt64(in.RecoveryWindowInDays)
	switch {
	case force && in.RecoveryWindowInDays != nil:
		return nil, errInvalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")
	case in.RecoveryWindowInDays != nil && (window < minWindowDays || window > maxWindowDays):
		return nil, errInvalidParameter("The recovery window must be between %d and %d days.", minWindowDays, maxWindowDays)
	}
	s := m.find(account.Region(ctx), aws.ToString(in.SecretId), now)
	if s == nil {
		return nil, errNotFound()
	}
	if s.deletedAt.IsZero() {
		s.deletedAt = now
	}
	if force {
		// A forced delete also ends a pending recovery window.
		s.goneAt = now.Add(m.w.Latency(LatencyForceDelete, defaultForceDelete))
	} else if s.goneAt.IsZero() {
		if window == 0 {
			window = defaultWindow
		}
		s.goneAt = now.Add(time.Duration(window) * 24 * time.Hour)
	}
	return &sdk.DeleteSecretOutput{ARN: aws.String(s.arn), Name: aws.String(s.name), DeletionDate: aws.Time(s.goneAt)}, nil
}
